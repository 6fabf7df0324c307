//! Statistics the report adds to `spillover_factors::stats`: the Welch interval of a difference
//! of means, Alexander–Govern's test of equal means across groups (the toolkit's
//! `model_comparison` uses `scipy.stats.alexandergovern`), and Spearman's rank correlation with
//! its p-value (`scipy.stats.spearmanr`).

use spillover_factors::stats::{mean, variance, welch_t_test};
use statrs::distribution::{ChiSquared, ContinuousCDF, StudentsT};

/// Difference of two means with its Welch t-test and interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeanDiff {
    /// `mean(a) - mean(b)`.
    pub diff: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// Two-sided Welch p-value (NaN when a sample has fewer than 2 values).
    pub p: f64,
}

/// `mean(a) - mean(b)`, Welch's t-test and the two-sided `level` interval of the difference.
pub fn mean_diff(a: &[f64], b: &[f64], level: f64) -> MeanDiff {
    let diff = mean(a) - mean(b);
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    let se = (variance(a, 1) / n1 + variance(b, 1) / n2).sqrt();
    let test = welch_t_test(a, b);
    let half = match StudentsT::new(0.0, 1.0, test.df) {
        Ok(t) if se.is_finite() && a.len() >= 2 && b.len() >= 2 => {
            t.inverse_cdf(0.5 + level / 2.0) * se
        }
        _ => f64::NAN,
    };
    MeanDiff {
        diff,
        ci_low: diff - half,
        ci_high: diff + half,
        p: if a.len() >= 2 && b.len() >= 2 {
            test.pvalue
        } else {
            f64::NAN
        },
    }
}

/// Alexander–Govern test that the groups have equal means (unequal variances allowed), as
/// `scipy.stats.alexandergovern(*groups).pvalue`. NaN with fewer than two groups of at least
/// two values, or a group of zero variance.
pub fn alexander_govern(groups: &[&[f64]]) -> f64 {
    let groups: Vec<&[f64]> = groups.iter().copied().filter(|g| g.len() >= 2).collect();
    if groups.len() < 2 {
        return f64::NAN;
    }
    let se: Vec<f64> = groups
        .iter()
        .map(|g| (variance(g, 1) / g.len() as f64).sqrt())
        .collect();
    if se.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
        return f64::NAN;
    }
    let inv: Vec<f64> = se.iter().map(|s| 1.0 / (s * s)).collect();
    let total: f64 = inv.iter().sum();
    let means: Vec<f64> = groups.iter().map(|g| mean(g)).collect();
    let weighted: f64 = inv.iter().zip(&means).map(|(w, m)| w / total * m).sum();
    let mut a_stat = 0.0;
    for ((g, m), s) in groups.iter().zip(&means).zip(&se) {
        let t = (m - weighted) / s;
        let v = g.len() as f64 - 1.0;
        let a = v - 0.5;
        let b = 48.0 * a * a;
        let c = (a * (1.0 + t * t / v).ln()).sqrt();
        let z = c + (c.powi(3) + 3.0 * c) / b
            - (4.0 * c.powi(7) + 33.0 * c.powi(5) + 240.0 * c.powi(3) + 855.0 * c)
                / (10.0 * b * b + 8.0 * b * c.powi(4) + 1000.0 * b);
        a_stat += z * z;
    }
    let chi = ChiSquared::new(groups.len() as f64 - 1.0).expect("k - 1 >= 1");
    chi.sf(a_stat)
}

/// Ranks with ties given their mean rank (1-based), as `scipy.stats.rankdata`.
pub fn ranks(x: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut out = vec![0.0; x.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && x[order[j + 1]] == x[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            out[k] = rank;
        }
        i = j + 1;
    }
    out
}

/// Pearson's correlation (NaN when a variable is constant).
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let (mx, my) = (mean(x), mean(y));
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    (sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0)
}

/// Spearman's rho and its two-sided p-value (t-distribution with n - 2 degrees of freedom).
pub fn spearman(x: &[f64], y: &[f64]) -> (f64, f64) {
    let rho = pearson(&ranks(x), &ranks(y));
    (rho, correlation_pvalue(rho, x.len()))
}

/// Two-sided p-value of a correlation `r` over `n` pairs, as `scipy.stats.spearmanr`.
pub fn correlation_pvalue(r: f64, n: usize) -> f64 {
    if n < 3 || r.is_nan() {
        return f64::NAN;
    }
    let df = n as f64 - 2.0;
    if r.abs() >= 1.0 {
        return 0.0;
    }
    let t = r * (df / ((1.0 - r) * (1.0 + r))).sqrt();
    let dist = StudentsT::new(0.0, 1.0, df).expect("df > 0");
    2.0 * dist.sf(t.abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) {
        assert!((a - b).abs() <= tol * b.abs().max(1e-300), "{a} vs {b}");
    }

    #[test]
    fn alexander_govern_matches_scipy() {
        // scipy.stats.alexandergovern(a, b, c).pvalue = 3.702114585976412e-05 and
        // alexandergovern(a, b).pvalue = 0.21090504108266045 (SciPy 1.17).
        let a = [25.0, 26.0, 27.0, 28.0, 29.0, 30.0, 31.0, 40.0];
        let b = [24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 30.0];
        let c = [33.0, 36.0, 37.0, 38.0, 39.0, 40.0, 42.0];
        close(alexander_govern(&[&a, &b, &c]), 3.702114585976412e-05, 1e-9);
        close(alexander_govern(&[&a, &b]), 0.21090504108266045, 1e-9);
        let same = alexander_govern(&[&a, &a]);
        close(same, 1.0, 1e-9);
        assert!(alexander_govern(&[&a]).is_nan());
    }

    #[test]
    fn ranks_average_ties() {
        assert_eq!(ranks(&[3.0, 1.0, 3.0, 2.0]), vec![3.5, 1.0, 3.5, 2.0]);
    }

    #[test]
    fn spearman_and_its_pvalue() {
        // scipy.stats.spearmanr([1,2,3,4,5], [5,6,7,8,7]) -> (0.8207826816681233, 0.08858700531354381)
        let (r, p) = spearman(&[1.0, 2.0, 3.0, 4.0, 5.0], &[5.0, 6.0, 7.0, 8.0, 7.0]);
        close(r, 0.8207826816681233, 1e-12);
        close(p, 0.08858700531354381, 1e-9);
    }

    #[test]
    fn welch_interval_covers_the_difference() {
        // scipy: ttest_ind([1,2,3,4],[2,4,6,8,10], equal_var=False).pvalue = 0.0738...
        let d = mean_diff(&[1.0, 2.0, 3.0, 4.0], &[2.0, 4.0, 6.0, 8.0, 10.0], 0.95);
        close(d.diff, -3.5, 1e-12);
        assert!(
            d.ci_low < -3.5 && d.ci_high > -3.5 && d.ci_high > 0.0,
            "{d:?}"
        );
        assert!(mean_diff(&[1.0], &[1.0, 2.0], 0.95).p.is_nan());
    }
}
