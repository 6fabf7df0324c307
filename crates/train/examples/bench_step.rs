// Training-step throughput of one model on one backend, for `scripts/bench_train.py`.
//
// ```text
// cargo run --release -p spillover-train --example bench_step -- resnet18s 64 32 10 3 flex
// ```
// Arguments: model (`resnet18s`, `resnet50`, `vit_tiny`), batch, image size, timed steps,
// warm-up steps, backend (`flex`, `wgpu`, `wgpu-cpu`). Prints one JSON line.

use std::time::Instant;

use burn::optim::ModuleOptimizer;
use spillover_models::{ModelConfig, ResNetConfig, VitConfig};
use spillover_train::config::{OptimKind, OptimSection};
use spillover_train::data::TensorBatch;
use spillover_train::device::{self, BackendChoice};
use spillover_train::step::train_step;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: &str| args.get(i).cloned().unwrap_or_else(|| default.to_string());
    let model_name = arg(0, "resnet18s");
    let batch: usize = arg(1, "64").parse().expect("batch");
    let size: usize = arg(2, "32").parse().expect("image size");
    let steps: usize = arg(3, "10").parse().expect("steps");
    let warmup: usize = arg(4, "3").parse().expect("warm-up steps");
    let backend: BackendChoice = arg(5, "flex").parse().expect("backend");
    let classes = 1000;

    // As `spillover_train::run` does.
    spillover_train::alloc::keep_buffers_in_heap();
    let selected = device::select(backend, Some(1));
    if let Some(w) = &selected.warning {
        eprintln!("warning: {w}");
    }
    let device = selected.devices[0].clone().autodiff();
    let config = match model_name.as_str() {
        "resnet18s" => ModelConfig::ResNet(ResNetConfig::new(18, classes).with_small_input(true)),
        "resnet50" => ModelConfig::ResNet(ResNetConfig::new(50, classes)),
        "vit_tiny" => ModelConfig::Vit(VitConfig::tiny(
            size,
            if size <= 64 { 4 } else { 16 },
            classes,
        )),
        other => panic!("unknown model {other}"),
    };
    let mut model = config.init(&device).expect("model");
    let optim_cfg = OptimSection {
        kind: OptimKind::Sgd,
        weight_decay: 5e-5,
        ..OptimSection::default()
    };
    let mut optim: ModuleOptimizer = spillover_train::optim::build(&optim_cfg, &model);
    let make_batch = |i: usize| TensorBatch {
        images: (0..batch * 3 * size * size)
            .map(|j| ((j * 7 + i) % 255) as f32 / 255.0 - 0.5)
            .collect(),
        labels: (0..batch).map(|j| ((j + i) % classes) as u32).collect(),
        file_names: vec![String::new(); batch],
        shape: [batch, 3, size, size],
    };
    let devices = [device.clone()];
    let mut step = |model: spillover_models::Classifier, i: usize| {
        train_step(model, &mut optim, make_batch(i), 0.01, 0.0, &devices)
            .expect("step")
            .model
    };
    let compile = Instant::now();
    for i in 0..warmup {
        model = step(model, i);
    }
    let warmup_s = compile.elapsed().as_secs_f64();
    let start = Instant::now();
    for i in 0..steps {
        model = step(model, warmup + i);
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{{\"framework\":\"burn\",\"backend\":\"{}\",\"model\":\"{model_name}\",\"batch\":{batch},\"size\":{size},\"steps\":{steps},\"seconds\":{secs:.3},\"images_per_sec\":{:.2},\"warmup_seconds\":{warmup_s:.1}}}",
        selected.name,
        (steps * batch) as f64 / secs
    );
}
