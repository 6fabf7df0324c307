//! Data-parallel steps (one shard per device, gradients summed by `step_multi`) give the same
//! training trajectory as one device on the whole batch. Two replicas on the one flex device
//! exercise the code path a multi-GPU node takes. ViT has no BatchNorm, whose per-shard batch
//! statistics would legitimately differ.

mod common;

use burn::tensor::Device;
use common::{max_diff, patterns, weights};
use spillover_models::{ModelConfig, VitConfig};
use spillover_train::config::{OptimKind, OptimSection};
use spillover_train::data::TensorBatch;
use spillover_train::step::train_step;

#[test]
fn two_replicas_follow_the_single_device_trajectory() {
    let split = patterns(32, 4, 8, 9);
    let batch = |i: usize| {
        let idx: Vec<usize> = (0..16).map(|j| (i * 16 + j) % 32).collect();
        let per = 3 * 8 * 8;
        TensorBatch {
            images: idx
                .iter()
                .flat_map(|&k| split.images[k * per..(k + 1) * per].to_vec())
                .collect(),
            labels: idx.iter().map(|&k| split.labels[k]).collect(),
            file_names: idx.iter().map(|&k| split.file_names[k].clone()).collect(),
            shape: [16, 3, 8, 8],
        }
    };
    let config = ModelConfig::Vit(
        VitConfig::new(8, 4, 4)
            .with_dim(16)
            .with_depth(2)
            .with_heads(2)
            .with_seed(1),
    );
    let optim_cfg = OptimSection {
        kind: OptimKind::Adamw,
        lr: 1e-2,
        weight_decay: 0.01,
        ..OptimSection::default()
    };
    let train = |replicas: usize| {
        let device = Device::flex().autodiff();
        let devices = vec![device.clone(); replicas];
        let mut model = config.init(&device).unwrap();
        let mut optim = spillover_train::optim::build(&optim_cfg, &model);
        let mut losses = Vec::new();
        for i in 0..4 {
            let out = train_step(model, &mut optim, batch(i), 1e-2, 0.1, &devices).unwrap();
            model = out.model;
            losses.push(out.loss);
            assert_eq!(out.logits.len(), 16 * 4);
        }
        (weights(&model), losses)
    };
    let (single_w, single_l) = train(1);
    let (dp_w, dp_l) = train(2);
    for (a, b) in single_l.iter().zip(&dp_l) {
        assert!((a - b).abs() < 1e-5, "losses {single_l:?} vs {dp_l:?}");
    }
    assert!(single_l[3] < single_l[0], "it trains: {single_l:?}");
    let diff = max_diff(&single_w, &dp_w);
    assert!(diff < 1e-4, "weights differ by {diff}");
}
