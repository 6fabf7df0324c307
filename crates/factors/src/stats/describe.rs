//! Descriptive statistics with NumPy's conventions.

use statrs::distribution::{ContinuousCDF, StudentsT};

use super::StatsError;

/// Arithmetic mean (NaN for an empty slice), as `np.mean`.
pub fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

/// Sample variance with `ddof` degrees of freedom removed, as `np.var(x, ddof=ddof)`
/// (NaN when `x.len() <= ddof`).
pub fn variance(x: &[f64], ddof: usize) -> f64 {
    if x.len() <= ddof {
        return f64::NAN;
    }
    let m = mean(x);
    x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (x.len() - ddof) as f64
}

/// The `q`-th quantile (`q` in [0, 1]) of an ascending slice by linear interpolation, exactly
/// as `np.percentile(x, 100 * q)` (method `linear`, including NumPy's two-sided lerp).
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let t = pos - lo as f64;
    let (a, b) = (sorted[lo], sorted[hi]);
    let diff = b - a;
    // NumPy's `_lerp` interpolates from the nearer end, so that t = 1 gives b exactly.
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
}

/// Mean and the two-sided `level` Student-t confidence interval of the mean, as
/// `scipy.stats.t.interval(level, n - 1, loc=mean, scale=scipy.stats.sem(x))`.
pub fn mean_confidence_interval(x: &[f64], level: f64) -> Result<(f64, f64, f64), StatsError> {
    if x.len() < 2 {
        return Err(StatsError::TooFew {
            what: "confidence interval of a mean",
            need: 2,
            got: x.len(),
        });
    }
    if !(0.0 < level && level < 1.0) {
        return Err(StatsError::Invalid {
            what: "confidence interval of a mean",
            reason: format!("level must be in (0, 1), got {level}"),
        });
    }
    let m = mean(x);
    let sem = (variance(x, 1) / x.len() as f64).sqrt();
    let t = StudentsT::new(0.0, 1.0, (x.len() - 1) as f64)
        .expect("n - 1 >= 1 degrees of freedom are valid")
        .inverse_cdf(0.5 + level / 2.0);
    Ok((m, m - t * sem, m + t * sem))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs().max(1e-300)
    }

    #[test]
    fn mean_and_variance_like_numpy() {
        let x = [0.78, 0.81, 0.79, 0.85, 0.77];
        // np.mean(x), np.var(x, ddof=1)
        assert!(close(mean(&x), 0.8, 1e-15));
        assert!(close(variance(&x, 1), 0.0009999999999999992, 1e-12));
        assert!(variance(&[1.0], 1).is_nan());
        assert!(mean(&[]).is_nan());
    }

    #[test]
    fn percentile_like_numpy_linear() {
        let x = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0];
        // np.percentile(x, [0, 2.5, 50, 97.5, 100])
        let want = [1.0, 1.125, 6.0, 30.0, 32.0];
        for (q, w) in [0.0, 0.025, 0.5, 0.975, 1.0].into_iter().zip(want) {
            assert!(
                close(percentile(&x, q), w, 1e-15),
                "q={q}: {} vs {w}",
                percentile(&x, q)
            );
        }
        assert_eq!(percentile(&[3.5], 0.975), 3.5);
        assert!(percentile(&[], 0.5).is_nan());
    }

    #[test]
    fn t_interval_like_scipy() {
        let x = [1.156, 1.149, 1.161, 1.170, 1.140, 1.152];
        // m = np.mean(x); scipy.stats.t.interval(0.95, 5, loc=m, scale=scipy.stats.sem(x))
        // -> (1.1438484833050586, 1.1654848500282744), mean 1.1546666666666665
        let (m, lo, hi) = mean_confidence_interval(&x, 0.95).unwrap();
        assert!(close(m, 1.1546666666666665, 1e-14));
        assert!(close(lo, 1.1438484833050586, 1e-12), "{lo}");
        assert!(close(hi, 1.1654848500282744, 1e-12), "{hi}");
        assert!(matches!(
            mean_confidence_interval(&x[..1], 0.95),
            Err(StatsError::TooFew { .. })
        ));
        assert!(mean_confidence_interval(&x, 1.5).is_err());
    }
}
