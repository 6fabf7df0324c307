//! Where a cell has one seed (and so does the baseline) there is no spread over seeds: the
//! interval of the change in error ratio comes from a paired bootstrap over the validation
//! images instead (both runs scored on the same images, resampled together), as
//! `spillover evaluate --ci` does for one model.

use rand::RngExt;
use rand::distr::Uniform;
use rand_pcg::Pcg32;
use rayon::prelude::*;
use spillover_factors::eval::{ErrorType, ModelScores};
use spillover_factors::stats::percentile;
use spillover_factors::{FactorSet, NUM_FACTORS};

/// Change in error ratio `run - baseline` per factor: point estimate, percentile interval and
/// the bootstrap's two-sided p-value (resamples on the far side of 0, doubled, plus one, over
/// resamples plus one, so never 0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairedChange {
    pub diff: f64,
    pub low: f64,
    pub high: f64,
    pub p: f64,
}

/// Counts of one resample: per factor and overall (index 16), images and correct of each run.
struct Tally {
    total: [u32; NUM_FACTORS + 1],
    correct: [[u32; NUM_FACTORS + 1]; 2],
}

impl Tally {
    fn new(kinds: &[u32], times: &[u32]) -> Tally {
        let mut t = Tally {
            total: [0; NUM_FACTORS + 1],
            correct: [[0; NUM_FACTORS + 1]; 2],
        };
        for (&code, &n) in kinds.iter().zip(times) {
            let (a, b) = ((code >> 16) & 1, (code >> 17) & 1);
            let mut bits = code & 0xffff;
            let mut add = |i: usize| {
                t.total[i] += n;
                t.correct[0][i] += a * n;
                t.correct[1][i] += b * n;
            };
            add(NUM_FACTORS);
            while bits != 0 {
                add(bits.trailing_zeros() as usize);
                bits &= bits - 1;
            }
        }
        t
    }

    fn changes(&self) -> [f64; NUM_FACTORS] {
        let er = |run: usize, f: usize| {
            let acc = |i: usize| f64::from(self.correct[run][i]) / f64::from(self.total[i]);
            (1.0 - acc(f)) / (1.0 - acc(NUM_FACTORS))
        };
        std::array::from_fn(|f| er(0, f) - er(1, f))
    }
}

/// Paired bootstrap of `run - baseline` (class-label correctness, scored with outcomes kept).
/// None when the two were not scored on the same images.
pub fn paired_change(
    run: &ModelScores,
    baseline: &ModelScores,
    resamples: usize,
    level: f64,
    seed: u64,
) -> Option<[PairedChange; NUM_FACTORS]> {
    let (a, b) = (
        &run.get(ErrorType::Class).outcomes,
        &baseline.get(ErrorType::Class).outcomes,
    );
    if a.is_empty()
        || a.len() != b.len()
        || run.used_factors != baseline.used_factors
        || resamples == 0
    {
        return None;
    }
    let factors: &[FactorSet] = &run.used_factors;
    let codes: Vec<u32> = (0..a.len())
        .map(|i| u32::from(factors[i].0) | u32::from(a[i]) << 16 | u32::from(b[i]) << 17)
        .collect();
    let mut kinds = codes.clone();
    kinds.sort_unstable();
    kinds.dedup();
    let kind_of: Vec<u32> = codes
        .iter()
        .map(|c| kinds.binary_search(c).expect("a kind") as u32)
        .collect();
    let mut once = vec![0u32; kinds.len()];
    kind_of.iter().for_each(|&k| once[k as usize] += 1);
    let point = Tally::new(&kinds, &once).changes();
    let pick = Uniform::new(0, kind_of.len() as u32).expect("at least one image");
    let draws: Vec<[f64; NUM_FACTORS]> = (0..resamples)
        .into_par_iter()
        .map(|i| {
            let mut rng = Pcg32::new(seed ^ 0x5eed_b007_0000_0001, i as u64);
            let mut times = vec![0u32; kinds.len()];
            for _ in 0..kind_of.len() {
                times[kind_of[rng.sample(pick) as usize] as usize] += 1;
            }
            Tally::new(&kinds, &times).changes()
        })
        .collect();
    let tail = (1.0 - level) / 2.0;
    Some(std::array::from_fn(|f| {
        let mut column: Vec<f64> = draws
            .iter()
            .map(|d| d[f])
            .filter(|v| v.is_finite())
            .collect();
        column.sort_by(f64::total_cmp);
        let n = column.len() as f64;
        let below = column.iter().filter(|&&v| v <= 0.0).count() as f64;
        let above = column.iter().filter(|&&v| v >= 0.0).count() as f64;
        PairedChange {
            diff: point[f],
            low: percentile(&column, tail),
            high: percentile(&column, 1.0 - tail),
            p: if column.is_empty() || point[f].is_nan() {
                f64::NAN
            } else {
                // Never 0: (2 x resamples on the far side + 1) / (resamples + 1).
                ((2.0 * below.min(above) + 1.0) / (n + 1.0)).min(1.0)
            },
        }
    }))
}
