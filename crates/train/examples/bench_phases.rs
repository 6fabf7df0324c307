// Forward, backward and optimizer time of one training step, for `scripts/bench_phases.py`
// (the split of `bench_step`'s number, to compare with PyTorch phase by phase).
//
// ```text
// RAYON_NUM_THREADS=1 cargo run --release -p spillover-train --example bench_phases -- vit_tiny 8
// ```
// Arguments: model (`resnet18s`, `vit_tiny`), timed steps (after 2 warm-up). Batch 64, 32 px,
// the flex backend, SGD as in `bench_step`. Prints one JSON line, milliseconds per step.

use std::time::Instant;

use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Tensor, TensorData};
use spillover_models::{ModelConfig, ResNetConfig, VitConfig};
use spillover_train::config::{OptimKind, OptimSection};
use spillover_train::metrics::cross_entropy;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let name = args.first().map_or("vit_tiny", String::as_str).to_string();
    let steps: usize = args.get(1).map_or(Ok(8), |s| s.parse()).expect("steps");
    let (batch, size, classes) = (64, 32, 1000);

    spillover_train::alloc::keep_buffers_in_heap();
    let device = Device::flex().autodiff();
    let config = match name.as_str() {
        "resnet18s" => ModelConfig::ResNet(ResNetConfig::new(18, classes).with_small_input(true)),
        "vit_tiny" => ModelConfig::Vit(VitConfig::tiny(size, 4, classes)),
        other => panic!("unknown model {other}"),
    };
    let mut model = config.init(&device).expect("model");
    let optim_cfg = OptimSection {
        kind: OptimKind::Sgd,
        weight_decay: 5e-5,
        ..OptimSection::default()
    };
    let mut optim: ModuleOptimizer = spillover_train::optim::build(&optim_cfg, &model);
    let images: Vec<f32> = (0..batch * 3 * size * size)
        .map(|j| ((j * 7) % 255) as f32 / 255.0 - 0.5)
        .collect();
    let labels: Vec<u32> = (0..batch).map(|j| (j % classes) as u32).collect();
    let mut totals = [0.0f64; 3];
    for step in 0..steps + 2 {
        let start = Instant::now();
        let x = TensorData::new(images.clone(), [batch, 3, size, size]);
        let logits = model.forward(Tensor::<4>::from_data(x, &device));
        let loss = cross_entropy(logits, &labels, 0.0, 1.0, &device);
        // Read the loss back, as PyTorch's `loss.item()`, so that the forward has run.
        let _: f32 = loss.clone().into_scalar();
        let forward = Instant::now();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        let backward = Instant::now();
        model = optim.step(0.01, model, grads);
        let end = Instant::now();
        if step >= 2 {
            totals[0] += (forward - start).as_secs_f64();
            totals[1] += (backward - forward).as_secs_f64();
            totals[2] += (end - backward).as_secs_f64();
        }
    }
    let ms = |t: f64| t * 1e3 / steps as f64;
    println!(
        "{{\"framework\":\"burn\",\"model\":\"{name}\",\"forward_ms\":{:.1},\"backward_ms\":{:.1},\"optimizer_ms\":{:.1}}}",
        ms(totals[0]),
        ms(totals[1]),
        ms(totals[2])
    );
}
