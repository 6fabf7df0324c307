//! The ImageNet-X paper's augmentation trend test, `imagenet_x.plots.augmentation_effect`.
//!
//! Fit a cubic of the measure (error ratio) on augmentation strength, evaluate it at the sorted
//! distinct strengths, take the first arg-max and arg-min (as NumPy), and run Welch's t-test
//! between the runs at those two strengths, the lower strength first. A positive effect means
//! the measure is lower at the higher strength of the two (robustness improved).

use super::StatsError;
use super::polyfit::{polyfit, polyval};
use super::welch::{WelchTest, welch_t_test};

/// Result of the trend test for one factor.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendTest {
    /// Welch t statistic, the toolkit's `effect`.
    pub effect: f64,
    /// Two-sided p-value, the toolkit's `pval`.
    pub pvalue: f64,
    /// Welch degrees of freedom.
    pub df: f64,
    /// Cubic coefficients, highest power first (`np.polyfit(..., 3)`).
    pub coefficients: Vec<f64>,
    /// The strengths where the fit is largest and smallest.
    pub argmax_strength: f64,
    pub argmin_strength: f64,
    /// The two strengths compared, in the test's order: the first sample is the runs at
    /// `first_strength` (the lower of the two), the second at `second_strength`.
    pub first_strength: f64,
    pub second_strength: f64,
}

impl TrendTest {
    /// The Welch test part of the result.
    pub fn welch(&self) -> WelchTest {
        WelchTest {
            statistic: self.effect,
            df: self.df,
            pvalue: self.pvalue,
        }
    }
}

/// Runs the toolkit's trend test on paired `(strength, value)` observations, one per run.
pub fn augmentation_effect(strength: &[f64], value: &[f64]) -> Result<TrendTest, StatsError> {
    let coefficients = polyfit(strength, value, 3)?;
    let mut xs = strength.to_vec();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    let fitted: Vec<f64> = xs.iter().map(|&x| polyval(&coefficients, x)).collect();
    let (imax, imin) = (
        first_arg(&fitted, |a, b| a > b),
        first_arg(&fitted, |a, b| a < b),
    );
    let runs_at = |x: f64| -> Vec<f64> {
        strength
            .iter()
            .zip(value)
            .filter(|(s, _)| **s == x)
            .map(|(_, v)| *v)
            .collect()
    };
    // The toolkit passes (pop_min, pop_max) when the arg-min comes first, else (pop_max, pop_min).
    let (first, second) = if imin < imax {
        (imin, imax)
    } else {
        (imax, imin)
    };
    let t = welch_t_test(&runs_at(xs[first]), &runs_at(xs[second]));
    Ok(TrendTest {
        effect: t.statistic,
        pvalue: t.pvalue,
        df: t.df,
        coefficients,
        argmax_strength: xs[imax],
        argmin_strength: xs[imin],
        first_strength: xs[first],
        second_strength: xs[second],
    })
}

/// Index of the first element that no later element beats, as `np.argmax` / `np.argmin`
/// (`better(a, b)` is "a beats b"). The values are finite: the fit's inputs are checked.
fn first_arg(values: &[f64], better: impl Fn(f64, f64) -> bool) -> usize {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate().skip(1) {
        if better(v, values[best]) {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_toolkit_augmentation_effect() {
        // imagenet_x.plots.augmentation_effect(df, "s", "er") on this frame (imagenet-x 0.0.7,
        // NumPy 2.4.6, SciPy 1.17.1) gives effect = 12.47282760930447, pval = 0.0007615400270310836.
        let s = [
            1.0, 1.0, 1.0, 10.0, 10.0, 10.0, 40.0, 40.0, 40.0, 70.0, 70.0, 70.0, 97.0, 97.0, 97.0,
            97.0,
        ];
        let er = [
            1.16, 1.15, 1.17, 1.14, 1.13, 1.15, 1.11, 1.10, 1.12, 1.09, 1.10, 1.08, 1.08, 1.07,
            1.075, 1.085,
        ];
        let r = augmentation_effect(&s, &er).unwrap();
        assert_eq!((r.argmax_strength, r.argmin_strength), (1.0, 97.0));
        assert_eq!((r.first_strength, r.second_strength), (1.0, 97.0));
        assert!((r.effect - 12.47282760930447).abs() < 1e-9 * 12.47, "{r:?}");
        assert!(
            (r.pvalue - 0.0007615400270310836).abs() < 1e-9 * 0.00076,
            "{r:?}"
        );
        assert_eq!(r.welch().statistic, r.effect);
    }

    #[test]
    fn order_follows_strength_not_max_min() {
        // Increasing measure: the arg-min (1) comes first, so t < 0 (worse at high strength).
        let s = [
            1.0, 1.0, 1.0, 30.0, 30.0, 30.0, 60.0, 60.0, 60.0, 90.0, 90.0, 90.0,
        ];
        let er = [
            0.70, 0.71, 0.72, 0.74, 0.75, 0.73, 0.78, 0.77, 0.79, 0.81, 0.80, 0.82,
        ];
        let r = augmentation_effect(&s, &er).unwrap();
        assert_eq!((r.argmin_strength, r.argmax_strength), (1.0, 90.0));
        assert_eq!((r.first_strength, r.second_strength), (1.0, 90.0));
        // Same as welch_t_test(runs at 1, runs at 90) directly.
        let direct = welch_t_test(&er[..3], &er[9..]);
        assert_eq!(r.effect, direct.statistic);
        assert!(r.effect < 0.0 && r.pvalue < 0.01, "{r:?}");
    }

    #[test]
    fn too_few_strengths_is_an_error() {
        let err = augmentation_effect(&[1.0, 1.0, 2.0, 3.0], &[1.0, 1.1, 1.2, 1.3]).unwrap_err();
        assert!(
            matches!(
                err,
                StatsError::TooFew {
                    need: 4,
                    got: 3,
                    ..
                }
            ),
            "{err}"
        );
    }
}
