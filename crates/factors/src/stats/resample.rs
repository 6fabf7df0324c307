//! Resampling tests for the difference of two means: a permutation test (as
//! `scipy.stats.permutation_test(..., permutation_type="independent")`) and a bootstrap.
//!
//! Each resample `i` draws from its own PCG stream `(seed, i)`, so results do not depend on
//! how rayon spreads the resamples over threads.

use rand::RngExt;
use rand_pcg::Pcg32;
use rayon::prelude::*;

use super::StatsError;
use super::describe::{mean, percentile};
use super::welch::welch_t_test;

/// Result of a two-sided permutation test of `mean(a) - mean(b)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PermutationTest {
    /// Observed `mean(a) - mean(b)`.
    pub statistic: f64,
    pub pvalue: f64,
    /// Number of permutations in the null distribution.
    pub resamples: usize,
    /// True when every distinct split was enumerated (then `pvalue` is exact).
    pub exact: bool,
}

/// Result of a bootstrap of `mean(a) - mean(b)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BootstrapDiff {
    /// Observed `mean(a) - mean(b)`.
    pub estimate: f64,
    /// Percentile confidence interval at the requested level.
    pub low: f64,
    pub high: f64,
    /// Two-sided p-value of "equal means": both groups are shifted to the pooled mean and
    /// resampled, and the Welch t of each resample is compared with the observed one
    /// (Efron & Tibshirani, *An Introduction to the Bootstrap*, algorithm 16.2):
    /// `(1 + #{|t*| >= |t|}) / (1 + resamples)`.
    pub pvalue: f64,
    pub resamples: usize,
}

/// The RNG of resample `i`: one PCG stream per resample, independent of thread scheduling.
/// PCG32 (64-bit state) is fast for the 32-bit index draws that dominate resampling, and its
/// 2^63 streams cover any number of resamples.
pub(crate) fn resample_rng(seed: u64, i: usize) -> Pcg32 {
    Pcg32::new(seed ^ 0xcafe_f00d_d15e_a5e5, i as u64)
}

fn check_two(what: &'static str, a: &[f64], b: &[f64], resamples: usize) -> Result<(), StatsError> {
    if a.is_empty() || b.is_empty() {
        return Err(StatsError::TooFew {
            what,
            need: 1,
            got: a.len().min(b.len()),
        });
    }
    if resamples == 0 {
        return Err(StatsError::Invalid {
            what,
            reason: "the number of resamples must be positive".into(),
        });
    }
    if a.iter().chain(b).any(|v| !v.is_finite()) {
        return Err(StatsError::Invalid {
            what,
            reason: "values must be finite".into(),
        });
    }
    Ok(())
}

/// Mean of `pooled[..n1]` minus mean of `pooled[n1..]`, summed in index order so that the
/// observed split and its copy in the null distribution give bit-identical statistics.
fn split_diff(pooled: &[f64], n1: usize) -> f64 {
    mean(&pooled[..n1]) - mean(&pooled[n1..])
}

/// Running mean and sum of squared deviations (Welford), so a resample needs no buffer.
#[derive(Default)]
struct Moments {
    n: f64,
    mean: f64,
    m2: f64,
}

impl Moments {
    fn push(&mut self, x: f64) {
        self.n += 1.0;
        let delta = x - self.mean;
        self.mean += delta / self.n;
        self.m2 += delta * (x - self.mean);
    }

    /// Sample variance (ddof = 1).
    fn var(&self) -> f64 {
        self.m2 / (self.n - 1.0)
    }
}

/// Two-sided permutation test of the difference of means, following SciPy: when the number of
/// distinct splits `C(n1 + n2, n1)` is at most `resamples`, all splits are enumerated (exact,
/// the observed one included); otherwise `resamples` random splits are drawn and the p-value is
/// `(1 + count) / (1 + resamples)`. Each tail counts statistics within a relative `100 ε` of the
/// observed one as ties; the p-value is `min(1, 2 min(p_less, p_greater))`.
pub fn permutation_test_mean_diff(
    a: &[f64],
    b: &[f64],
    resamples: usize,
    seed: u64,
) -> Result<PermutationTest, StatsError> {
    check_two("permutation test", a, b, resamples)?;
    let pooled: Vec<f64> = a.iter().chain(b).copied().collect();
    let n1 = a.len();
    let observed = split_diff(&pooled, n1);
    let gamma = (observed * f64::EPSILON * 100.0).abs();
    // (#null <= observed + gamma, #null >= observed - gamma)
    let tally = |d: f64| {
        (
            (d <= observed + gamma) as u64,
            (d >= observed - gamma) as u64,
        )
    };
    let add = |x: (u64, u64), y: (u64, u64)| (x.0 + y.0, x.1 + y.1);

    let splits = binomial(pooled.len(), n1);
    let (exact, total, (less, greater)) = if splits.is_some_and(|s| s <= resamples as u128) {
        let mut counts = (0, 0);
        let mut buf = vec![0.0; pooled.len()];
        for_each_split(pooled.len(), n1, |chosen| {
            fill_split(&pooled, chosen, &mut buf);
            counts = add(counts, tally(split_diff(&buf, n1)));
        });
        (true, splits.unwrap_or(0) as usize, counts)
    } else {
        let counts = (0..resamples)
            .into_par_iter()
            .map_init(
                || pooled.clone(),
                |buf, i| {
                    // Start every resample from the same order: the result must not depend
                    // on which resamples a thread ran before.
                    buf.copy_from_slice(&pooled);
                    let mut rng = resample_rng(seed, i);
                    for k in 0..n1 {
                        let j = rng.random_range(k..buf.len());
                        buf.swap(k, j);
                    }
                    tally(split_diff(buf, n1))
                },
            )
            .reduce(|| (0, 0), add);
        (false, resamples, counts)
    };
    let adjustment = if exact { 0.0 } else { 1.0 };
    let p = |count: u64| (count as f64 + adjustment) / (total as f64 + adjustment);
    let pvalue = (2.0 * p(less).min(p(greater))).clamp(0.0, 1.0);
    Ok(PermutationTest {
        statistic: observed,
        pvalue,
        resamples: total,
        exact,
    })
}

/// `C(n, k)`, or None when it does not fit in a u128.
fn binomial(n: usize, k: usize) -> Option<u128> {
    let k = k.min(n - k);
    let mut c: u128 = 1;
    for i in 0..k {
        c = c.checked_mul((n - i) as u128)? / (i as u128 + 1);
    }
    Some(c)
}

/// Calls `visit` with a membership mask for every k-subset of 0..n, in lexicographic order.
fn for_each_split(n: usize, k: usize, mut visit: impl FnMut(&[bool])) {
    let mut idx: Vec<usize> = (0..k).collect();
    let mut mask = vec![false; n];
    loop {
        mask.iter_mut().for_each(|m| *m = false);
        idx.iter().for_each(|&i| mask[i] = true);
        visit(&mask);
        // Advance to the next combination.
        let Some(pos) = (0..k).rev().find(|&p| idx[p] != p + n - k) else {
            return;
        };
        idx[pos] += 1;
        for p in pos + 1..k {
            idx[p] = idx[p - 1] + 1;
        }
    }
}

/// Writes the chosen elements (in order) then the others (in order) into `buf`.
fn fill_split(pooled: &[f64], chosen: &[bool], buf: &mut [f64]) {
    let mut front = 0;
    let mut back = chosen.iter().filter(|c| **c).count();
    for (v, c) in pooled.iter().zip(chosen) {
        if *c {
            buf[front] = *v;
            front += 1;
        } else {
            buf[back] = *v;
            back += 1;
        }
    }
}

/// Bootstrap of `mean(a) - mean(b)`: each resample draws `a` and `b` with replacement from
/// themselves; the interval is the percentile interval at `level` (NumPy's linear quantiles).
pub fn bootstrap_mean_diff(
    a: &[f64],
    b: &[f64],
    resamples: usize,
    level: f64,
    seed: u64,
) -> Result<BootstrapDiff, StatsError> {
    check_two("bootstrap of a mean difference", a, b, resamples)?;
    if !(0.0 < level && level < 1.0) {
        return Err(StatsError::Invalid {
            what: "bootstrap of a mean difference",
            reason: format!("level must be in (0, 1), got {level}"),
        });
    }
    let estimate = mean(a) - mean(b);
    let observed_t = welch_t_test(a, b).statistic;
    let pooled_mean = mean(&a.iter().chain(b).copied().collect::<Vec<_>>());
    let (shift_a, shift_b) = (pooled_mean - mean(a), pooled_mean - mean(b));
    // Per resample: (difference of means, Welch t of the same draw shifted to the null).
    let draws: Vec<(f64, f64)> = (0..resamples)
        .into_par_iter()
        .map(|i| {
            let mut rng = resample_rng(seed, i);
            let mut draw = |x: &[f64]| {
                let mut moments = Moments::default();
                (0..x.len()).for_each(|_| moments.push(x[rng.random_range(0..x.len())]));
                moments
            };
            let (ma, mb) = (draw(a), draw(b));
            // Shifting a group moves its mean and keeps its variance.
            let null_t = ((ma.mean + shift_a) - (mb.mean + shift_b))
                / (ma.var() / ma.n + mb.var() / mb.n).sqrt();
            (ma.mean - mb.mean, null_t)
        })
        .collect();
    let mut diffs: Vec<f64> = draws.iter().map(|d| d.0).collect();
    diffs.sort_by(f64::total_cmp);
    let alpha = (1.0 - level) / 2.0;
    let extreme = draws
        .iter()
        .filter(|d| d.1.abs() >= observed_t.abs())
        .count();
    Ok(BootstrapDiff {
        estimate,
        low: percentile(&diffs, alpha),
        high: percentile(&diffs, 1.0 - alpha),
        pvalue: (1.0 + extreme as f64) / (1.0 + resamples as f64),
        resamples,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: [f64; 6] = [0.78, 0.81, 0.79, 0.85, 0.77, 0.80];
    const B: [f64; 5] = [0.82, 0.84, 0.86, 0.81, 0.88];

    #[test]
    fn exact_permutation_matches_scipy() {
        // scipy.stats.permutation_test((A, B), lambda x, y: np.mean(x) - np.mean(y),
        //     permutation_type="independent", n_resamples=9999) enumerates all C(11,6) = 462
        // splits: statistic = -0.04200000000000004, pvalue = 0.05194805194805195.
        let r = permutation_test_mean_diff(&A, &B, 9999, 0).unwrap();
        assert!(r.exact);
        assert_eq!(r.resamples, 462);
        assert!((r.statistic - -0.04200000000000004).abs() < 1e-15, "{r:?}");
        assert!((r.pvalue - 0.05194805194805195).abs() < 1e-15, "{r:?}");
    }

    #[test]
    fn random_permutation_is_seeded_and_close_to_exact() {
        // 400 < 462 splits: random resampling. Its p-value estimates the exact 0.0519.
        let r = permutation_test_mean_diff(&A, &B, 400, 7).unwrap();
        assert!(!r.exact && r.resamples == 400);
        assert!((r.pvalue - 0.0519).abs() < 0.03, "{r:?}");
        assert_eq!(
            r,
            permutation_test_mean_diff(&A, &B, 400, 7).unwrap(),
            "same seed, same result"
        );
        // Thread count must not matter.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        assert_eq!(
            r,
            pool.install(|| permutation_test_mean_diff(&A, &B, 400, 7).unwrap())
        );
        // Larger groups: 20 vs 20 with a clear shift is far beyond chance.
        let x: Vec<f64> = (0..20).map(|i| 1.0 + 0.01 * (i % 7) as f64).collect();
        let y: Vec<f64> = (0..20).map(|i| 1.1 + 0.01 * (i % 5) as f64).collect();
        let r = permutation_test_mean_diff(&x, &y, 2000, 1).unwrap();
        assert!(
            (r.pvalue - 1.0 / 2001.0 * 2.0).abs() < 1e-15,
            "no permutation is as extreme: {r:?}"
        );
    }

    #[test]
    fn bootstrap_interval_and_p() {
        // scipy.stats.bootstrap((A, B), lambda x, y: np.mean(x) - np.mean(y), method="percentile",
        //     n_resamples=100000, random_state=0) gives (-0.0720, -0.0110); the Monte-Carlo
        // error of either bound at 20,000 resamples is well below 0.003.
        let r = bootstrap_mean_diff(&A, &B, 20_000, 0.95, 3).unwrap();
        assert!((r.estimate - -0.04200000000000004).abs() < 1e-15);
        assert!((r.low - -0.0720).abs() < 0.003, "{r:?}");
        assert!((r.high - -0.0110).abs() < 0.003, "{r:?}");
        // The same studentized bootstrap in NumPy (200,000 resamples) gives p = 0.0446
        // (Welch: 0.039, exact permutation: 0.052).
        assert!((r.pvalue - 0.0446).abs() < 0.006, "{r:?}");
        assert_eq!(r, bootstrap_mean_diff(&A, &B, 20_000, 0.95, 3).unwrap());
        // Identical groups: no evidence of a difference.
        let same = bootstrap_mean_diff(&A, &A, 2000, 0.95, 3).unwrap();
        assert!(
            same.pvalue > 0.9 && same.low < 0.0 && same.high > 0.0,
            "{same:?}"
        );
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(matches!(
            permutation_test_mean_diff(&[], &B, 10, 0),
            Err(StatsError::TooFew { .. })
        ));
        assert!(permutation_test_mean_diff(&A, &B, 0, 0).is_err());
        assert!(bootstrap_mean_diff(&A, &[f64::NAN], 10, 0.95, 0).is_err());
        assert!(bootstrap_mean_diff(&A, &B, 10, 1.0, 0).is_err());
    }

    #[test]
    fn combinations_are_all_visited() {
        let mut seen = 0;
        for_each_split(6, 3, |m| {
            assert_eq!(m.iter().filter(|x| **x).count(), 3);
            seen += 1;
        });
        assert_eq!(seen, 20);
        assert_eq!(binomial(11, 6), Some(462));
        assert_eq!(binomial(100, 50), Some(100891344545564193334812497256));
        assert_eq!(
            binomial(200, 100),
            None,
            "C(200, 100) ~ 9e58 does not fit: sample instead"
        );
    }
}
