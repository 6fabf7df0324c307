//! Per-factor bootstrap confidence intervals of accuracy and error ratio for one model.
//!
//! A resample draws all images with replacement and recounts, per factor, how many images
//! carry it and how many of those are correct; the interval is the percentile interval of the
//! resampled statistic (NumPy's linear quantiles). Error ratio is the toolkit's
//! `(1 - factor accuracy) / (1 - overall accuracy)`.

use rand::RngExt;
use rand::distr::Uniform;
use rayon::prelude::*;

use super::StatsError;
use super::describe::percentile;
use super::resample::resample_rng;
use crate::{FactorSet, NUM_FACTORS};

/// Settings of a bootstrap.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BootstrapConfig {
    /// Number of resamples (at least 1,000 for a 95 % interval worth reporting).
    pub resamples: usize,
    /// Confidence level, e.g. 0.95.
    pub level: f64,
    /// Seed: the same seed gives the same intervals on any number of threads.
    pub seed: u64,
}

impl Default for BootstrapConfig {
    fn default() -> Self {
        BootstrapConfig {
            resamples: 2000,
            level: 0.95,
            seed: 0,
        }
    }
}

/// A point estimate and its confidence interval (all NaN when undefined, e.g. no images).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

/// Bootstrap intervals for one model, factors in [`crate::Factor::ALL`] order.
#[derive(Debug, Clone, PartialEq)]
pub struct FactorIntervals {
    pub overall_accuracy: Interval,
    pub accuracy: [Interval; NUM_FACTORS],
    pub error_ratio: [Interval; NUM_FACTORS],
    pub resamples: usize,
}

/// Statistics per resample: 16 accuracies, 16 error ratios, the overall accuracy.
const STATS: usize = 2 * NUM_FACTORS + 1;

/// Per-factor correct and total counts of one (re)sample; index 16 is all images.
#[derive(Default)]
struct Counts {
    correct: [u32; NUM_FACTORS + 1],
    total: [u32; NUM_FACTORS + 1],
}

impl Counts {
    /// Adds `times` images of one kind, packed as factor bits | correct << 16.
    fn add(&mut self, code: u32, times: u32) {
        let hits = (code >> 16) * times;
        let mut bits = code & 0xffff;
        while bits != 0 {
            let f = bits.trailing_zeros() as usize;
            self.total[f] += times;
            self.correct[f] += hits;
            bits &= bits - 1;
        }
        self.total[NUM_FACTORS] += times;
        self.correct[NUM_FACTORS] += hits;
    }

    /// Writes the `STATS` statistics into `out`.
    fn stats(&self, out: &mut [f64]) {
        let acc = |i: usize| f64::from(self.correct[i]) / f64::from(self.total[i]);
        let overall_error = 1.0 - acc(NUM_FACTORS);
        for f in 0..NUM_FACTORS {
            out[f] = acc(f);
            out[NUM_FACTORS + f] = (1.0 - acc(f)) / overall_error;
        }
        out[2 * NUM_FACTORS] = acc(NUM_FACTORS);
    }
}

/// Bootstrap intervals of every factor's accuracy and error ratio, given per-image correctness
/// and per-image factor sets (same order). Resamples run in parallel.
pub fn factor_bootstrap_ci(
    correct: &[bool],
    factors: &[FactorSet],
    config: &BootstrapConfig,
) -> Result<FactorIntervals, StatsError> {
    const WHAT: &str = "factor bootstrap";
    if correct.len() != factors.len() {
        return Err(StatsError::LengthMismatch {
            what: WHAT,
            left: correct.len(),
            right: factors.len(),
        });
    }
    if correct.is_empty() {
        return Err(StatsError::TooFew {
            what: WHAT,
            need: 1,
            got: 0,
        });
    }
    if u32::try_from(correct.len()).is_err() {
        return Err(StatsError::Invalid {
            what: WHAT,
            reason: "more than 2^32 images".into(),
        });
    }
    if config.resamples == 0 || !(0.0 < config.level && config.level < 1.0) {
        return Err(StatsError::Invalid {
            what: WHAT,
            reason: format!(
                "need resamples > 0 and 0 < level < 1, got resamples = {}, level = {}",
                config.resamples, config.level
            ),
        });
    }
    // Images matter only through their kind (factor set, correct): a resample counts how often
    // each kind is drawn, a branch-free increment per draw, then adds the kinds up.
    let codes: Vec<u32> = correct
        .iter()
        .zip(factors)
        .map(|(c, f)| u32::from(f.0) | (u32::from(*c) << 16))
        .collect();
    let mut kinds = codes.clone();
    kinds.sort_unstable();
    kinds.dedup();
    let kind_of: Vec<u32> = codes
        .iter()
        .map(|c| kinds.binary_search(c).expect("every code is a kind") as u32)
        .collect();
    let totals = |tally: &[u32], out: &mut [f64]| {
        let mut counts = Counts::default();
        kinds
            .iter()
            .zip(tally)
            .for_each(|(&code, &times)| counts.add(code, times));
        counts.stats(out);
    };

    let mut point = [0.0; STATS];
    let mut tally = vec![0u32; kinds.len()];
    kind_of.iter().for_each(|&k| tally[k as usize] += 1);
    totals(&tally, &mut point);

    let pick = Uniform::new(0, kind_of.len() as u32).expect("at least one image");
    let mut draws = vec![0.0; config.resamples * STATS];
    draws.par_chunks_mut(STATS).enumerate().for_each_init(
        || vec![0u32; kinds.len()],
        |tally, (i, out)| {
            tally.fill(0);
            let mut rng = resample_rng(config.seed, i);
            for _ in 0..kind_of.len() {
                tally[kind_of[rng.sample(pick) as usize] as usize] += 1;
            }
            totals(tally, out);
        },
    );

    let alpha = (1.0 - config.level) / 2.0;
    let interval = |s: usize| {
        if point[s].is_nan() {
            return Interval {
                estimate: f64::NAN,
                low: f64::NAN,
                high: f64::NAN,
            };
        }
        // Resamples that miss a rare factor entirely have no statistic: leave them out.
        let mut column: Vec<f64> = draws[s..]
            .iter()
            .step_by(STATS)
            .copied()
            .filter(|v| v.is_finite())
            .collect();
        column.sort_by(f64::total_cmp);
        Interval {
            estimate: point[s],
            low: percentile(&column, alpha),
            high: percentile(&column, 1.0 - alpha),
        }
    };
    Ok(FactorIntervals {
        overall_accuracy: interval(2 * NUM_FACTORS),
        accuracy: std::array::from_fn(interval),
        error_ratio: std::array::from_fn(|f| interval(NUM_FACTORS + f)),
        resamples: config.resamples,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Factor;

    /// 4,000 synthetic images: image i has top factor i % 4 (pose, background, pattern, color),
    /// texture too when i % 5 == 0, and is correct when (i * 7919) % 100 < [80, 70, 60, 50][i % 4].
    fn synthetic() -> (Vec<bool>, Vec<FactorSet>) {
        let thresholds = [80, 70, 60, 50];
        (0..4000usize)
            .map(|i| {
                let mut set = FactorSet::EMPTY;
                set.insert(Factor::ALL[i % 4]);
                if i % 5 == 0 {
                    set.insert(Factor::Texture);
                }
                ((i * 7919) % 100 < thresholds[i % 4], set)
            })
            .unzip()
    }

    #[test]
    fn intervals_match_a_numpy_bootstrap() {
        // Reference: the same data in NumPy, 20,000 resamples of np.random.default_rng(0).integers
        // (0, n, n), statistics as above, np.percentile(..., [2.5, 97.5]). Point estimates are
        // exact; bounds agree to Monte-Carlo error (standard error about 0.0006 for accuracy
        // bounds and 0.0015 for error-ratio bounds at 4,000 resamples).
        // factor: (accuracy, low, high), (error ratio, low, high)
        let want = [
            (
                Factor::Pose,
                (0.8, 0.7752, 0.8246),
                (0.5714285714285713, 0.5073, 0.6357),
            ),
            (
                Factor::Color,
                (0.52, 0.4890, 0.5512),
                (1.3714285714285714, 1.2959, 1.4478),
            ),
            (
                Factor::Texture,
                (0.65, 0.6167, 0.6835),
                (1.0, 0.9147, 1.0851),
            ),
        ];
        let (correct, sets) = synthetic();
        let config = BootstrapConfig {
            resamples: 4000,
            level: 0.95,
            seed: 11,
        };
        let ci = factor_bootstrap_ci(&correct, &sets, &config).unwrap();
        assert_eq!(ci.overall_accuracy.estimate, 0.65);
        for (f, acc, er) in want {
            let (a, e) = (ci.accuracy[f.index()], ci.error_ratio[f.index()]);
            assert!(
                (a.estimate - acc.0).abs() < 1e-15 && (e.estimate - er.0).abs() < 1e-14,
                "{f}: {a:?} {e:?}"
            );
            assert!(
                (a.low - acc.1).abs() < 0.003 && (a.high - acc.2).abs() < 0.003,
                "{f}: {a:?} vs {acc:?}"
            );
            assert!(
                (e.low - er.1).abs() < 0.008 && (e.high - er.2).abs() < 0.008,
                "{f}: {e:?} vs {er:?}"
            );
        }
        // A factor no image carries has no estimate.
        assert!(ci.accuracy[Factor::Style.index()].estimate.is_nan());
        assert!(ci.error_ratio[Factor::Style.index()].low.is_nan());
    }

    #[test]
    fn deterministic_regardless_of_threads() {
        let (correct, sets) = synthetic();
        let config = BootstrapConfig {
            resamples: 1000,
            level: 0.95,
            seed: 5,
        };
        let many = factor_bootstrap_ci(&correct, &sets, &config).unwrap();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let one = pool.install(|| factor_bootstrap_ci(&correct, &sets, &config).unwrap());
        // Debug text compares NaN fields too (NaN != NaN under PartialEq).
        assert_eq!(format!("{many:?}"), format!("{one:?}"));
        let other_seed =
            factor_bootstrap_ci(&correct, &sets, &BootstrapConfig { seed: 6, ..config }).unwrap();
        assert_ne!(many.accuracy[0].low, other_seed.accuracy[0].low);
    }

    #[test]
    fn bad_input_is_an_error() {
        let config = BootstrapConfig::default();
        let err = factor_bootstrap_ci(&[true], &[], &config).unwrap_err();
        assert!(
            matches!(
                err,
                StatsError::LengthMismatch {
                    left: 1,
                    right: 0,
                    ..
                }
            ),
            "{err}"
        );
        assert!(matches!(
            factor_bootstrap_ci(&[], &[], &config),
            Err(StatsError::TooFew { .. })
        ));
        let zero = BootstrapConfig {
            resamples: 0,
            ..config
        };
        assert!(factor_bootstrap_ci(&[true], &[FactorSet::EMPTY], &zero).is_err());
    }
}
