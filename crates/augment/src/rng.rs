//! Per-sample random streams. Every random draw of a pipeline for sample `index` of `epoch`
//! under `seed` comes from one generator derived from exactly those three numbers, so the
//! result is the same whatever the thread count or the order in which samples are processed.

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;

/// The generator every augmentation draws from (PCG-64 MCG: fast, small, good statistics).
pub type SampleRng = Pcg64Mcg;

/// splitmix64 finaliser: decorrelates neighbouring seeds, epochs and indices.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn derive(domain: u64, seed: u64, epoch: u64, index: u64) -> SampleRng {
    let hi = mix(mix(seed ^ domain).wrapping_add(epoch));
    let lo = mix(hi ^ mix(index));
    SampleRng::new(((hi as u128) << 64) | lo as u128)
}

/// The generator for sample `index` of `epoch` under `seed`.
pub fn sample_rng(seed: u64, epoch: u64, index: u64) -> SampleRng {
    derive(0x5A4D_504C_4500_0001, seed, epoch, index)
}

/// The generator for batch-level ops (MixUp, CutMix) of batch `batch` of `epoch`: a stream
/// separate from every sample stream.
pub fn batch_rng(seed: u64, epoch: u64, batch: u64) -> SampleRng {
    derive(0xBA7C_4000_0000_0002, seed, epoch, batch)
}

/// A generator from a single seed (CLI `apply`, previews, tests).
pub fn seeded(seed: u64) -> SampleRng {
    SampleRng::seed_from_u64(seed)
}

/// Uniform in `[lo, hi)`; `lo` when the interval is empty (torch's `uniform_(a, a)`).
pub fn uniform(rng: &mut SampleRng, lo: f64, hi: f64) -> f64 {
    let u: f64 = rng.random();
    lo + (hi - lo) * u
}

/// Uniform integer in `[0, n)`; `n` must be positive.
pub fn below(rng: &mut SampleRng, n: usize) -> usize {
    rng.random_range(0..n)
}

/// `true` with probability `p`: torchvision applies a random op when `torch.rand(1) < p`.
pub fn coin(rng: &mut SampleRng, p: f64) -> bool {
    let u: f64 = rng.random();
    u < p
}

/// A uniformly random permutation of `0..n` (torch.randperm).
pub fn permutation(rng: &mut SampleRng, n: usize) -> Vec<usize> {
    use rand::seq::SliceRandom;
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(rng);
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_depend_on_every_coordinate_and_nothing_else() {
        let a = sample_rng(7, 1, 42).next_u64();
        assert_eq!(a, sample_rng(7, 1, 42).next_u64());
        assert_ne!(a, sample_rng(8, 1, 42).next_u64());
        assert_ne!(a, sample_rng(7, 2, 42).next_u64());
        assert_ne!(a, sample_rng(7, 1, 43).next_u64());
        assert_ne!(a, batch_rng(7, 1, 42).next_u64());
    }

    #[test]
    fn helpers_stay_in_range_and_cover_it() {
        let mut rng = seeded(1);
        let draws: Vec<f64> = (0..10_000).map(|_| uniform(&mut rng, -2.0, 3.0)).collect();
        assert!(draws.iter().all(|&x| (-2.0..3.0).contains(&x)));
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        assert!((mean - 0.5).abs() < 0.05, "mean {mean}");
        let hits = (0..10_000).filter(|_| coin(&mut rng, 0.3)).count();
        assert!((2_800..3_200).contains(&hits), "hits {hits}");
        let mut p = permutation(&mut rng, 4);
        p.sort();
        assert_eq!(p, vec![0, 1, 2, 3]);
        assert!((0..1000).all(|_| below(&mut rng, 5) < 5));
    }
}
