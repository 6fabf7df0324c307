//! Batch-level ops on the normalized `[n, c, h, w]` f32 batch, with label mixing:
//! `MixUp` and `CutMix` as torchvision v2 defines them (partner = the batch rolled by one,
//! `lam ~ Beta(alpha, alpha)`; CutMix pastes a box and sets `lam` to the kept area).
//! Draw their randomness from [`crate::rng::batch_rng`] so it is reproducible per batch.

use crate::error::{AugmentError, Result};
use crate::params::Params;
use crate::rng::{self, SampleRng};
use rand_distr::{Beta, Distribution};

/// A batch-level mixing op, built from `{ name = "mix_up", alpha = 0.2 }` or
/// `{ name = "cut_mix", alpha = 1.0 }`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BatchMix {
    MixUp { alpha: f64 },
    CutMix { alpha: f64 },
}

impl BatchMix {
    pub fn from_table(table: &toml::Table) -> Result<Self> {
        let mut t = table.clone();
        let name = match t.remove("name") {
            Some(toml::Value::String(s)) => s,
            _ => {
                return Err(AugmentError::BadConfig(
                    "a batch op needs `name = \"mix_up\"` or `\"cut_mix\"`".into(),
                ));
            }
        };
        let mut p = Params::new(name.clone(), t);
        let alpha = p.f64("alpha", 1.0)?;
        if alpha <= 0.0 {
            return Err(p.bad("alpha", format!("must be positive, got {alpha}")));
        }
        p.finish()?;
        match name.as_str() {
            "mix_up" | "mixup" => Ok(BatchMix::MixUp { alpha }),
            "cut_mix" | "cutmix" => Ok(BatchMix::CutMix { alpha }),
            other => Err(AugmentError::UnknownOp {
                name: other.to_string(),
                closest: crate::error::closest_match(other, ["mix_up", "cut_mix"]),
                valid: "mix_up, cut_mix".into(),
            }),
        }
    }

    /// Mixes `data` (`shape = [n, c, h, w]`) in place and returns the mixed one-hot labels
    /// (`[n, num_classes]`, row-major).
    pub fn apply(
        &self,
        data: &mut [f32],
        shape: [usize; 4],
        labels: &[usize],
        num_classes: usize,
        rng: &mut SampleRng,
    ) -> Result<Vec<f32>> {
        let [n, c, h, w] = shape;
        let per = c * h * w;
        if data.len() != n * per || labels.len() != n {
            return Err(AugmentError::BadBatch(format!(
                "data has {} values and {} labels for shape {shape:?}",
                data.len(),
                labels.len()
            )));
        }
        if let Some(bad) = labels.iter().find(|&&l| l >= num_classes) {
            return Err(AugmentError::BadBatch(format!(
                "label {bad} is not below num_classes = {num_classes}"
            )));
        }
        if n == 0 {
            return Ok(Vec::new());
        }
        let original = data.to_vec();
        let partner = |i: usize| (i + n - 1) % n; // torch.roll(1, 0): sample i meets sample i - 1
        let lam = match *self {
            BatchMix::MixUp { alpha } => {
                let lam = beta(alpha, rng) as f32;
                for i in 0..n {
                    let (dst, src) = (
                        &mut data[i * per..(i + 1) * per],
                        &original[partner(i) * per..(partner(i) + 1) * per],
                    );
                    for (d, s) in dst.iter_mut().zip(src) {
                        *d = s * (1.0 - lam) + *d * lam;
                    }
                }
                lam as f64
            }
            BatchMix::CutMix { alpha } => {
                let lam = beta(alpha, rng);
                let (rx, ry) = (rng::below(rng, w) as i64, rng::below(rng, h) as i64);
                let r = 0.5 * (1.0 - lam).sqrt();
                let (rw, rh) = ((r * w as f64) as i64, (r * h as f64) as i64);
                let (x1, y1) = ((rx - rw).max(0) as usize, (ry - rh).max(0) as usize);
                let (x2, y2) = (
                    (rx + rw).min(w as i64) as usize,
                    (ry + rh).min(h as i64) as usize,
                );
                for i in 0..n {
                    for ch in 0..c {
                        for y in y1..y2 {
                            let row = (ch * h + y) * w;
                            let (dst, src) = (i * per + row, partner(i) * per + row);
                            data[dst + x1..dst + x2].copy_from_slice(&original[src + x1..src + x2]);
                        }
                    }
                }
                1.0 - ((x2 - x1) * (y2 - y1)) as f64 / (w * h) as f64
            }
        };
        let lam = lam as f32;
        let mut mixed = vec![0f32; n * num_classes];
        for i in 0..n {
            mixed[i * num_classes + labels[i]] += lam;
            mixed[i * num_classes + labels[partner(i)]] += 1.0 - lam;
        }
        Ok(mixed)
    }
}

fn beta(alpha: f64, rng: &mut SampleRng) -> f64 {
    Beta::new(alpha, alpha)
        .expect("alpha validated positive")
        .sample(rng)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch() -> (Vec<f32>, [usize; 4]) {
        // Three 1x2x2 samples filled with 0, 1 and 2.
        ((0..3).flat_map(|i| [i as f32; 4]).collect(), [3, 1, 2, 2])
    }

    #[test]
    fn mixup_mixes_pixels_and_labels_with_the_same_lambda() {
        let (mut data, shape) = batch();
        let labels = BatchMix::MixUp { alpha: 1.0 }
            .apply(&mut data, shape, &[0, 1, 2], 3, &mut rng::seeded(4))
            .unwrap();
        // Sample 1 mixes with sample 0: value = lam * 1 + (1 - lam) * 0 = lam.
        let lam = data[4];
        assert!((0.0..=1.0).contains(&lam));
        assert!((labels[3 + 1] - lam).abs() < 1e-6 && (labels[3] - (1.0 - lam)).abs() < 1e-6);
        // Sample 0 mixes with sample 2 (the roll wraps around).
        assert!((data[0] - 2.0 * (1.0 - lam)).abs() < 1e-5);
        for row in labels.chunks(3) {
            assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        }
    }

    #[test]
    fn cutmix_label_weight_is_the_kept_area() {
        for seed in 0..20 {
            let (mut data, shape) = batch();
            let labels = BatchMix::CutMix { alpha: 1.0 }
                .apply(&mut data, shape, &[0, 1, 2], 3, &mut rng::seeded(seed))
                .unwrap();
            let kept = data[4..8].iter().filter(|&&v| v == 1.0).count() as f32 / 4.0;
            assert!(
                (labels[4] - kept).abs() < 1e-6,
                "seed {seed}: {labels:?} {data:?}"
            );
        }
    }

    #[test]
    fn config_errors_name_the_problem() {
        let t: toml::Table = toml::from_str("name = \"mixup_\"").unwrap();
        assert!(
            BatchMix::from_table(&t)
                .unwrap_err()
                .to_string()
                .contains("did you mean")
        );
        let t: toml::Table = toml::from_str("name = \"cut_mix\"\nalpha = -1").unwrap();
        assert!(
            BatchMix::from_table(&t)
                .unwrap_err()
                .to_string()
                .contains("`alpha`")
        );
        let (mut data, shape) = batch();
        assert!(
            BatchMix::MixUp { alpha: 1.0 }
                .apply(&mut data, shape, &[0, 1, 5], 3, &mut rng::seeded(0))
                .is_err()
        );
    }
}
