//! Multiple-comparison corrections: adjusted p-values as statsmodels'
//! `multipletests(p, method="holm" | "fdr_bh")[1]`.
//!
//! NaN p-values (tests that could not be run) are left out of the family: they stay NaN and
//! do not count towards the number of tests.

/// Holm's step-down (family-wise error rate) adjusted p-values, in the input order.
pub fn holm(pvalues: &[f64]) -> Vec<f64> {
    adjust(pvalues, |sorted| {
        let m = sorted.len();
        let mut running = 0.0f64;
        sorted
            .iter()
            .enumerate()
            .map(|(i, p)| {
                running = running.max(p * (m - i) as f64);
                running.min(1.0)
            })
            .collect()
    })
}

/// Benjamini–Hochberg (false discovery rate) adjusted p-values, in the input order.
pub fn benjamini_hochberg(pvalues: &[f64]) -> Vec<f64> {
    adjust(pvalues, |sorted| {
        let m = sorted.len();
        let mut out = vec![0.0; m];
        let mut running = f64::INFINITY;
        for i in (0..m).rev() {
            // statsmodels divides by the ECDF factor (i + 1) / m.
            running = running.min(sorted[i] / ((i + 1) as f64 / m as f64));
            out[i] = running.min(1.0);
        }
        out
    })
}

/// Sorts the finite p-values, applies `on_sorted` to them, and scatters the result back.
fn adjust(pvalues: &[f64], on_sorted: impl Fn(&[f64]) -> Vec<f64>) -> Vec<f64> {
    let mut order: Vec<usize> = (0..pvalues.len())
        .filter(|&i| !pvalues[i].is_nan())
        .collect();
    order.sort_by(|&a, &b| pvalues[a].total_cmp(&pvalues[b]));
    let sorted: Vec<f64> = order.iter().map(|&i| pvalues[i]).collect();
    let mut out = vec![f64::NAN; pvalues.len()];
    for (i, adj) in order.into_iter().zip(on_sorted(&sorted)) {
        out[i] = adj;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: [f64; 8] = [0.01, 0.04, 0.03, 0.2, 0.001, 0.04, 0.5, 0.0005];

    fn assert_close(got: &[f64], want: &[f64]) {
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            assert!(
                (g - w).abs() < 1e-15 || (g.is_nan() && w.is_nan()),
                "{got:?} vs {want:?}"
            );
        }
    }

    #[test]
    fn holm_matches_statsmodels() {
        // statsmodels.stats.multitest.multipletests(P, method="holm")[1]
        assert_close(&holm(&P), &[0.06, 0.16, 0.15, 0.4, 0.007, 0.16, 0.5, 0.004]);
    }

    #[test]
    fn bh_matches_statsmodels() {
        // statsmodels.stats.multitest.multipletests(P, method="fdr_bh")[1]
        assert_close(
            &benjamini_hochberg(&P),
            &[
                0.02666666666666667,
                0.05333333333333334,
                0.05333333333333334,
                0.2285714285714286,
                0.004,
                0.05333333333333334,
                0.5,
                0.004,
            ],
        );
    }

    #[test]
    fn nan_is_left_out_of_the_family() {
        // Same as correcting [0.01, 0.04] alone: holm -> [0.02, 0.04], bh -> [0.02, 0.04].
        let p = [0.01, f64::NAN, 0.04];
        assert_close(&holm(&p), &[0.02, f64::NAN, 0.04]);
        assert_close(&benjamini_hochberg(&p), &[0.02, f64::NAN, 0.04]);
        assert!(holm(&[]).is_empty());
    }
}
