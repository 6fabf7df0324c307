//! Standardized effect sizes of a difference of two means.

use super::describe::{mean, variance};

/// Cohen's d: `(mean(a) - mean(b)) / s_pooled`, with the pooled standard deviation
/// `sqrt(((n1-1) var(a) + (n2-1) var(b)) / (n1 + n2 - 2))` (variances with ddof = 1).
/// NaN when either sample has fewer than two values.
pub fn cohens_d(a: &[f64], b: &[f64]) -> f64 {
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    if a.len() < 2 || b.len() < 2 {
        return f64::NAN;
    }
    let pooled =
        (((n1 - 1.0) * variance(a, 1) + (n2 - 1.0) * variance(b, 1)) / (n1 + n2 - 2.0)).sqrt();
    (mean(a) - mean(b)) / pooled
}

/// Hedges' g: Cohen's d times the small-sample correction `1 - 3 / (4 (n1 + n2) - 9)`
/// (the approximation used by pingouin's `compute_effsize(..., eftype="hedges")`).
pub fn hedges_g(a: &[f64], b: &[f64]) -> f64 {
    let n = (a.len() + b.len()) as f64;
    cohens_d(a, b) * (1.0 - 3.0 / (4.0 * n - 9.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_numpy_formulas() {
        // With numpy: s = sqrt(((n1-1)*np.var(a,ddof=1) + (n2-1)*np.var(b,ddof=1)) / (n1+n2-2));
        // d = (np.mean(a) - np.mean(b)) / s; g = d * (1 - 3 / (4*(n1+n2) - 9)).
        let a = [0.78, 0.81, 0.79, 0.85, 0.77, 0.80];
        let b = [0.82, 0.84, 0.86, 0.81, 0.88];
        let d = cohens_d(&a, &b);
        let g = hedges_g(&a, &b);
        assert!((d - -1.4767427774562625).abs() < 1e-12, "{d}");
        assert!((g - -1.3501648251028686).abs() < 1e-12, "{g}");
        assert_eq!(cohens_d(&b, &a), -d);
        assert!(cohens_d(&[1.0], &b).is_nan());
    }
}
