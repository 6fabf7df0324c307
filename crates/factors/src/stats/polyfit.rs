//! Least-squares polynomial fit, the equivalent of `np.polyfit(x, y, deg)`.
//!
//! Like NumPy, the Vandermonde matrix has its columns scaled to unit norm before solving
//! (strengths in percent make x^3 a million times larger than 1). The scaled system is solved
//! with Householder QR, which is backward stable, instead of NumPy's SVD; for a full-rank fit
//! both give the unique least-squares solution to within rounding.

use super::StatsError;

/// Coefficients of the least-squares polynomial of degree `deg`, highest power first
/// (as `np.polyfit`). Needs more than `deg` distinct x values (NumPy would warn and return a
/// minimum-norm fit of a rank-deficient system instead).
pub fn polyfit(x: &[f64], y: &[f64], deg: usize) -> Result<Vec<f64>, StatsError> {
    const WHAT: &str = "polynomial fit";
    if x.len() != y.len() {
        return Err(StatsError::LengthMismatch {
            what: WHAT,
            left: x.len(),
            right: y.len(),
        });
    }
    if x.iter().chain(y).any(|v| !v.is_finite()) {
        return Err(StatsError::Invalid {
            what: WHAT,
            reason: "x and y must be finite".into(),
        });
    }
    let mut distinct = x.to_vec();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    if distinct.len() <= deg {
        return Err(StatsError::TooFew {
            what: "polynomial fit (distinct x values)",
            need: deg + 1,
            got: distinct.len(),
        });
    }
    let (rows, cols) = (x.len(), deg + 1);
    // Column-major Vandermonde: column j holds x^(deg - j), as np.vander.
    let mut a: Vec<Vec<f64>> = (0..cols)
        .map(|j| x.iter().map(|v| v.powi((deg - j) as i32)).collect())
        .collect();
    let scale: Vec<f64> = a
        .iter()
        .map(|col| col.iter().map(|v| v * v).sum::<f64>().sqrt())
        .collect();
    for (col, s) in a.iter_mut().zip(&scale) {
        col.iter_mut().for_each(|v| *v /= s);
    }
    let mut b = y.to_vec();
    householder_qr_in_place(&mut a, &mut b, rows);
    // Back substitution on the upper triangle R (a[j][i] for i <= j), then undo the scaling.
    let mut coef = vec![0.0; cols];
    for i in (0..cols).rev() {
        let tail: f64 = (i + 1..cols).map(|j| a[j][i] * coef[j]).sum();
        coef[i] = (b[i] - tail) / a[i][i];
    }
    Ok(coef.iter().zip(&scale).map(|(c, s)| c / s).collect())
}

/// Reduces the column-major `a` to R and applies the same reflections to `b` (so `b[..cols]`
/// becomes Qᵀb).
fn householder_qr_in_place(a: &mut [Vec<f64>], b: &mut [f64], rows: usize) {
    for k in 0..a.len() {
        let norm = a[k][k..].iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm == 0.0 {
            continue;
        }
        // Reflect onto -sign(a_kk) e_k so that v has no cancellation.
        let alpha = if a[k][k] > 0.0 { -norm } else { norm };
        let mut v: Vec<f64> = a[k][k..].to_vec();
        v[0] -= alpha;
        let vv: f64 = v.iter().map(|x| x * x).sum();
        let reflect = |col: &mut [f64]| {
            let dot: f64 = v.iter().zip(&col[k..rows]).map(|(p, q)| p * q).sum();
            let f = 2.0 * dot / vv;
            col[k..rows]
                .iter_mut()
                .zip(&v)
                .for_each(|(c, p)| *c -= f * p);
        };
        for col in a[k..].iter_mut() {
            reflect(col);
        }
        reflect(b);
    }
}

/// Evaluates a polynomial (highest power first) at `x`, term by term as the toolkit's
/// `p[0] * x**3 + p[1] * x**2 + ...` does (so ties between strengths break the same way).
pub fn polyval(p: &[f64], x: f64) -> f64 {
    let deg = p.len().saturating_sub(1);
    p.iter()
        .enumerate()
        .map(|(i, c)| match deg - i {
            0 => *c,
            1 => c * x,
            2 => c * (x * x), // NumPy squares for `**2` and calls C `pow` otherwise.
            k => c * x.powf(k as f64),
        })
        .fold(0.0, |total, term| total + term)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cubic_matches_numpy_polyfit() {
        // Strengths in percent and error ratios as in the colour-jitter sweep.
        // np.polyfit(x, y, 3) with NumPy 2.4.6:
        let x = [
            1.0, 1.0, 10.0, 10.0, 25.0, 40.0, 40.0, 55.0, 70.0, 85.0, 97.0, 97.0,
        ];
        let y = [
            1.15, 1.16, 1.14, 1.13, 1.12, 1.11, 1.10, 1.09, 1.09, 1.08, 1.07, 1.08,
        ];
        let want = [
            -9.973653226090317e-08,
            2.1863028906374497e-05,
            -0.0020160519654823274,
            1.1557058180473678,
        ];
        let got = polyfit(&x, &y, 3).unwrap();
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() <= 1e-10 * w.abs(), "{got:?} vs {want:?}");
        }
    }

    #[test]
    fn exact_polynomial_is_recovered() {
        let p = [0.5, -2.0, 3.0, 7.0];
        let x: Vec<f64> = (0..20).map(|i| i as f64 * 5.0).collect();
        let y: Vec<f64> = x.iter().map(|&v| polyval(&p, v)).collect();
        let got = polyfit(&x, &y, 3).unwrap();
        for (g, w) in got.iter().zip(p) {
            assert!((g - w).abs() <= 1e-9 * w.abs(), "{got:?}");
        }
        // Degree 1 is ordinary linear regression: y = 2x + 1.
        let line = polyfit(&[0.0, 1.0, 2.0], &[1.0, 3.0, 5.0], 1).unwrap();
        assert!(
            (line[0] - 2.0).abs() < 1e-14 && (line[1] - 1.0).abs() < 1e-14,
            "{line:?}"
        );
    }

    #[test]
    fn rejects_underdetermined_and_bad_input() {
        let err = polyfit(&[1.0, 1.0, 2.0, 3.0], &[1.0; 4], 3).unwrap_err();
        assert_eq!(
            err,
            StatsError::TooFew {
                what: "polynomial fit (distinct x values)",
                need: 4,
                got: 3
            }
        );
        assert!(matches!(
            polyfit(&[1.0], &[1.0, 2.0], 1),
            Err(StatsError::LengthMismatch { .. })
        ));
        assert!(matches!(
            polyfit(&[1.0, f64::NAN], &[1.0, 2.0], 1),
            Err(StatsError::Invalid { .. })
        ));
    }

    #[test]
    fn polyval_evaluates_highest_power_first() {
        assert_eq!(polyval(&[1.0, 0.0, -1.0], 3.0), 8.0);
        assert_eq!(polyval(&[2.0, 0.0, 0.0, 1.0], 2.0), 17.0);
    }
}
