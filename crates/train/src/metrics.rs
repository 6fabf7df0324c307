//! Loss and accuracy: cross-entropy with label smoothing on the device, top-k on the host.

use burn::tensor::activation::log_softmax;
use burn::tensor::{DType, Device, Tensor, TensorData};

/// Smoothed one-hot targets, `[labels.len(), classes]` row-major: `1 - ε + ε/K` on the label,
/// `ε/K` elsewhere (PyTorch's `CrossEntropyLoss(label_smoothing=ε)`).
pub fn smoothed_targets(labels: &[u32], classes: usize, smoothing: f64) -> Vec<f32> {
    let off = (smoothing / classes as f64) as f32;
    let on = (1.0 - smoothing) as f32 + off;
    let mut t = vec![off; labels.len() * classes];
    for (row, &label) in labels.iter().enumerate() {
        t[row * classes + label as usize] = on;
    }
    t
}

/// Mean cross-entropy of `logits` `[n, k]` against smoothed targets, times `weight` (the
/// shard's share of the global batch in data-parallel training; 1 otherwise).
pub fn cross_entropy(
    logits: Tensor<2>,
    labels: &[u32],
    smoothing: f64,
    weight: f64,
    device: &Device,
) -> Tensor<1> {
    let [n, k] = logits.dims();
    // The loss is computed in f32 whatever the model's precision, as autocast does.
    let logits = logits.cast(DType::F32);
    let targets = Tensor::<2>::from_data(
        TensorData::new(smoothed_targets(labels, k, smoothing), [n, k]),
        (device, DType::F32),
    );
    (log_softmax(logits, 1) * targets)
        .sum()
        .mul_scalar(-weight / n as f64)
}

/// The values of a float tensor of any precision, as f32, row-major.
pub fn to_f32_vec<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor
        .into_data()
        .convert::<f32>()
        .try_to_vec::<f32>()
        .expect("converted to f32")
}

/// Cross-entropy of one row of logits against a smoothed one-hot label, on the host.
pub fn row_cross_entropy(row: &[f32], label: u32, smoothing: f64) -> f64 {
    let max = row.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
    let log_denom = row
        .iter()
        .map(|&v| f64::from(v - max).exp())
        .sum::<f64>()
        .ln();
    let log_p = |v: f32| f64::from(v - max) - log_denom;
    let k = row.len() as f64;
    let mean_log_p = row.iter().map(|&v| log_p(v)).sum::<f64>() / k;
    -((1.0 - smoothing) * log_p(row[label as usize]) + smoothing * mean_log_p)
}

/// Index of the largest value and whether the label is within the top 1 and top 5 of a row.
pub fn rank_hits(row: &[f32], label: u32) -> (usize, bool, bool) {
    let target = row[label as usize];
    // Ties count against the label, so a constant output is never "correct".
    let above = row
        .iter()
        .enumerate()
        .filter(|&(i, &v)| v > target || (v == target && i != label as usize))
        .count();
    let argmax = row
        .iter()
        .enumerate()
        .fold(0, |best, (i, &v)| if v > row[best] { i } else { best });
    (argmax, above == 0, above < 5)
}

/// Softmax probability of entry `index` of a row of logits (stable: shifted by the max).
pub fn softmax_at(row: &[f32], index: usize) -> f32 {
    let max = row.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
    let denom: f64 = row.iter().map(|&v| f64::from(v - max).exp()).sum();
    (f64::from(row[index] - max).exp() / denom) as f32
}

/// Running sums of loss and accuracy over an epoch or an evaluation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    /// Images seen.
    pub images: u64,
    /// Sum of per-batch mean loss × batch size.
    pub loss_sum: f64,
    /// Top-1 hits.
    pub top1: u64,
    /// Top-5 hits.
    pub top5: u64,
}

impl Tally {
    /// Adds a batch: its mean loss and its logits `[n, k]` row-major.
    pub fn add(&mut self, mean_loss: f64, logits: &[f32], labels: &[u32]) {
        let k = logits.len() / labels.len().max(1);
        for (row, &label) in logits.chunks(k).zip(labels) {
            let (_, t1, t5) = rank_hits(row, label);
            self.top1 += u64::from(t1);
            self.top5 += u64::from(t5);
        }
        self.images += labels.len() as u64;
        self.loss_sum += mean_loss * labels.len() as f64;
    }

    /// Mean loss.
    pub fn loss(&self) -> f64 {
        self.loss_sum / self.images.max(1) as f64
    }

    /// Top-1 accuracy in [0, 1].
    pub fn top1(&self) -> f64 {
        self.top1 as f64 / self.images.max(1) as f64
    }

    /// Top-5 accuracy in [0, 1].
    pub fn top5(&self) -> f64 {
        self.top5 as f64 / self.images.max(1) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cross_entropy_matches_the_closed_form() {
        let device = Device::flex();
        // logits [0, ln 3] for one row: softmax = [1/4, 3/4].
        let logits =
            Tensor::<2>::from_data(TensorData::new(vec![0.0f32, 3f32.ln()], [1, 2]), &device);
        let plain: f32 = cross_entropy(logits.clone(), &[1], 0.0, 1.0, &device).into_scalar();
        assert!((plain - -(0.75f32).ln()).abs() < 1e-6, "{plain}");
        // ε = 0.2 over 2 classes: targets [0.1, 0.9].
        let smooth: f32 = cross_entropy(logits, &[1], 0.2, 1.0, &device).into_scalar();
        let expected = -(0.1 * 0.25f32.ln() + 0.9 * 0.75f32.ln());
        assert!((smooth - expected).abs() < 1e-6, "{smooth} vs {expected}");
    }

    #[test]
    fn host_cross_entropy_agrees_with_the_device() {
        let device = Device::flex();
        let row = [0.3f32, -1.2, 2.5, 0.0];
        for smoothing in [0.0, 0.1] {
            let logits = Tensor::<2>::from_data(TensorData::new(row.to_vec(), [1, 4]), &device);
            let dev: f32 = cross_entropy(logits, &[2], smoothing, 1.0, &device).into_scalar();
            let host = row_cross_entropy(&row, 2, smoothing);
            assert!((f64::from(dev) - host).abs() < 1e-5, "{dev} vs {host}");
        }
    }

    #[test]
    fn top_k_counts_ties_against_the_label() {
        let row = [0.1, 0.5, 0.3, 0.5, 0.0, 0.2, 0.9];
        assert_eq!(rank_hits(&row, 6), (6, true, true));
        assert_eq!(rank_hits(&row, 1), (6, false, true)); // 0.9 above, a 0.5 tie
        assert_eq!(rank_hits(&row, 4), (6, false, false));
        assert!(!rank_hits(&[1.0; 3], 0).1);
        let mut t = Tally::default();
        t.add(2.0, &[0.0, 1.0, 1.0, 0.0], &[1, 1]);
        assert_eq!((t.images, t.top1, t.top5), (2, 1, 2));
        assert_eq!(t.loss(), 2.0);
        assert_eq!(t.top1(), 0.5);
    }

    #[test]
    fn softmax_at_is_stable_for_large_logits() {
        // exp(1000) overflows even f64; shifted by the max it is exp(0).
        let p = softmax_at(&[1000.0, 1000.5], 1);
        assert!((p - 1.0 / (1.0 + (-0.5f32).exp())).abs() < 1e-6, "{p}");
    }
}
