//! One optimizer step, on one device or data-parallel over several.
//!
//! Data parallelism is Burn's multi-device strategy: the batch is split into one shard per
//! device, each device runs forward and backward on its fork of the model in its own thread,
//! and `ModuleOptimizer::step_multi` sums the gradients (each parameter on a fixed device) and
//! updates the one model. Each shard's loss is weighted by its share of the batch, so the summed
//! gradient is the full-batch gradient. BatchNorm statistics are per shard, as in PyTorch DDP
//! without SyncBatchNorm.

use burn::module::Module;
use burn::optim::{GradientsParams, ModuleOptimizer, MultiGradientsParams};
use burn::tensor::{Device, Tensor, TensorData};
use spillover_models::Classifier;

use crate::TrainError;
use crate::data::TensorBatch;
use crate::metrics::{cross_entropy, to_f32_vec};

/// What a step returns besides the updated model.
pub struct StepOutput {
    /// The model after the update.
    pub model: Classifier,
    /// Mean loss over the batch (before the update).
    pub loss: f64,
    /// Logits `[n, classes]` row-major, in batch order.
    pub logits: Vec<f32>,
}

/// Input images of `batch` as a tensor on `device`.
pub fn images_tensor(batch: TensorBatch, device: &Device) -> Tensor<4> {
    Tensor::from_data(TensorData::new(batch.images, batch.shape), device)
}

fn forward_backward(
    model: &Classifier,
    shard: TensorBatch,
    smoothing: f64,
    weight: f64,
    device: &Device,
) -> (GradientsParams, f64, Vec<f32>) {
    let labels = shard.labels.clone();
    let logits = model.forward(images_tensor(shard, device));
    let loss = cross_entropy(logits.clone(), &labels, smoothing, weight, device);
    let grads = GradientsParams::from_grads(loss.backward(), model);
    let loss: f32 = loss.into_scalar();
    (grads, f64::from(loss), to_f32_vec(logits))
}

/// Shard boundaries: `parts` near-equal contiguous ranges of `n`, empty ones dropped.
pub fn shard_bounds(n: usize, parts: usize) -> Vec<(usize, usize)> {
    let parts = parts.max(1);
    (0..parts)
        .map(|i| (i * n / parts, (i + 1) * n / parts))
        .filter(|(a, b)| b > a)
        .collect()
}

/// Forward, backward and update on `batch` at learning rate `lr`. `devices` are autodiff
/// devices; the model lives on the first.
pub fn train_step(
    model: Classifier,
    optim: &mut ModuleOptimizer,
    batch: TensorBatch,
    lr: f64,
    smoothing: f64,
    devices: &[Device],
) -> Result<StepOutput, TrainError> {
    let n = batch.len();
    let shards = shard_bounds(n, devices.len());
    if shards.len() == 1 {
        let (grads, loss, logits) = forward_backward(&model, batch, smoothing, 1.0, &devices[0]);
        let model = optim.step(lr, model, grads);
        return Ok(StepOutput {
            model,
            loss,
            logits,
        });
    }
    let results = std::thread::scope(|scope| {
        let handles: Vec<_> = shards
            .iter()
            .zip(devices)
            .map(|(&(a, b), device)| {
                let replica = model.clone().fork(device);
                let shard = batch.slice(a, b);
                let weight = (b - a) as f64 / n as f64;
                let device = device.clone();
                scope.spawn(move || {
                    let (grads, loss, logits) =
                        forward_backward(&replica, shard, smoothing, weight, &device);
                    (grads, device, loss, logits)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join()).collect::<Vec<_>>()
    });
    let mut multi = MultiGradientsParams::default();
    let mut loss = 0.0;
    let mut logits = Vec::with_capacity(n * 16);
    for result in results {
        let (grads, device, shard_loss, shard_logits) = result.map_err(|_| {
            TrainError::Backend("a data-parallel replica panicked; see the message above".into())
        })?;
        multi.grads.push((grads, device));
        loss += shard_loss;
        logits.extend(shard_logits);
    }
    let model = optim.step_multi(lr, model, multi);
    Ok(StepOutput {
        model,
        loss,
        logits,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_the_batch() {
        assert_eq!(shard_bounds(10, 3), [(0, 3), (3, 6), (6, 10)]);
        assert_eq!(shard_bounds(2, 4), [(0, 1), (1, 2)]);
        assert_eq!(shard_bounds(5, 1), [(0, 5)]);
    }
}
