//! Welch's unequal-variance t-test, as `scipy.stats.ttest_ind(a, b, equal_var=False)`.

use statrs::distribution::{ContinuousCDF, StudentsT};

use super::describe::{mean, variance};

/// Result of a two-sided Welch t-test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WelchTest {
    /// t statistic, positive when `mean(a) > mean(b)`.
    pub statistic: f64,
    /// Welch–Satterthwaite degrees of freedom.
    pub df: f64,
    /// Two-sided p-value.
    pub pvalue: f64,
}

/// Welch's t-test of `mean(a) == mean(b)`, two-sided, with SciPy's conventions for degenerate
/// samples: fewer than two values give NaN; two constant samples give df = 1 and t = ±inf (p = 0)
/// when their means differ, NaN when they are equal.
pub fn welch_t_test(a: &[f64], b: &[f64]) -> WelchTest {
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    let (vn1, vn2) = (variance(a, 1) / n1, variance(b, 1) / n2);
    let mut df = (vn1 + vn2).powi(2) / (vn1 * vn1 / (n1 - 1.0) + vn2 * vn2 / (n2 - 1.0));
    if df.is_nan() {
        df = 1.0; // scipy: `df = np.where(np.isnan(df), 1, df)`
    }
    let statistic = (mean(a) - mean(b)) / (vn1 + vn2).sqrt();
    WelchTest {
        statistic,
        df,
        pvalue: two_sided_t_pvalue(statistic, df),
    }
}

/// `2 * sf(|t|)` of Student's t with `df` degrees of freedom, computed from the regularized
/// incomplete beta function so that tiny p-values keep their relative precision.
pub(crate) fn two_sided_t_pvalue(t: f64, df: f64) -> f64 {
    if t.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if t.is_infinite() {
        return 0.0;
    }
    let dist = StudentsT::new(0.0, 1.0, df).expect("df > 0 is a valid Student t");
    (2.0 * dist.sf(t.abs())).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(a: f64, b: f64) -> f64 {
        (a - b).abs() / b.abs()
    }

    #[test]
    fn matches_scipy_ttest_ind_welch() {
        // scipy.stats.ttest_ind(a, b, equal_var=False) with SciPy 1.17.1; df from `.df`.
        let a = [0.78, 0.81, 0.79, 0.85, 0.77, 0.80];
        let b = [0.82, 0.84, 0.86, 0.81, 0.88];
        let r = welch_t_test(&a, &b);
        assert!(rel(r.statistic, -2.4357207200352393) < 1e-12, "{r:?}");
        assert!(rel(r.df, 8.600285356046522) < 1e-12, "{r:?}");
        assert!(rel(r.pvalue, 0.03881393876465434) < 1e-12, "{r:?}");
        // Swapping the samples flips the sign only.
        let s = welch_t_test(&b, &a);
        assert_eq!(s.statistic, -r.statistic);
        assert_eq!(s.pvalue, r.pvalue);
    }

    #[test]
    fn tiny_p_values_keep_relative_precision() {
        // Far-apart samples: scipy gives p = 9.4e-17 (1 - cdf would give 0).
        let a = [1.0, 1.1, 0.9, 1.05, 0.95, 1.02, 0.98];
        let b = [3.0, 3.1, 2.9, 3.05, 2.95, 3.02, 2.98, 3.01];
        let r = welch_t_test(&a, &b);
        assert!(rel(r.statistic, -60.9932423866447) < 1e-12, "{r:?}");
        assert!(rel(r.df, 12.406235276754908) < 1e-12, "{r:?}");
        assert!(rel(r.pvalue, 9.40554358686901e-17) < 1e-9, "{r:?}");
    }

    #[test]
    fn degenerate_samples_follow_scipy() {
        // scipy: constant, different means -> t = -inf, df = 1 (nan replaced), p = 0.
        let r = welch_t_test(&[1.0, 1.0, 1.0], &[2.0, 2.0]);
        assert_eq!((r.statistic, r.df, r.pvalue), (f64::NEG_INFINITY, 1.0, 0.0));
        // Constant and equal -> nan.
        assert!(welch_t_test(&[1.0, 1.0], &[1.0, 1.0]).pvalue.is_nan());
        // A single value has no variance -> nan.
        assert!(welch_t_test(&[1.0], &[1.0, 2.0, 3.0]).statistic.is_nan());
    }
}
