//! The default GPU path (wgpu) on a machine without a GPU: Mesa's lavapipe is a Vulkan driver
//! that runs on the CPU (`--backend wgpu-cpu`). A deliberately tiny ViT and ResNet take a few
//! optimizer steps on wgpu and on flex from the same weights and batches; the losses must agree.
//! Skips with a printed reason when no CPU Vulkan adapter exists (scripts/setup.sh installs
//! `mesa-vulkan-drivers`).

use burn::tensor::Device;
use spillover_models::{ModelConfig, ResNetConfig, VitConfig};
use spillover_train::config::{OptimKind, OptimSection};
use spillover_train::data::TensorBatch;
use spillover_train::device::{self, BackendChoice};
use spillover_train::step::train_step;

fn batch(i: usize) -> TensorBatch {
    let n = 8;
    TensorBatch {
        images: (0..n * 3 * 8 * 8)
            .map(|j| (((j * 31 + i * 7) % 97) as f32 / 97.0) - 0.5)
            .collect(),
        labels: (0..n as u32).map(|j| (j + i as u32) % 4).collect(),
        file_names: vec![String::new(); n],
        shape: [n, 3, 8, 8],
    }
}

fn losses(config: &ModelConfig, device: &Device, steps: usize) -> Vec<f64> {
    let device = device.clone().autodiff();
    let mut model = config.init(&device).unwrap();
    let optim_cfg = OptimSection {
        kind: OptimKind::Sgd,
        lr: 0.1,
        momentum: 0.9,
        ..OptimSection::default()
    };
    let mut optim = spillover_train::optim::build(&optim_cfg, &model);
    let mut out = Vec::new();
    for i in 0..steps {
        let step = train_step(
            model,
            &mut optim,
            batch(i),
            0.1,
            0.1,
            std::slice::from_ref(&device),
        )
        .unwrap();
        model = step.model;
        out.push(step.loss);
    }
    out
}

/// The lavapipe device, or `None` (with the reason printed) when there is none.
fn lavapipe(test: &str) -> Option<Device> {
    static ENV: std::sync::Once = std::sync::Once::new();
    ENV.call_once(|| {
        // SAFETY: runs before any test of this binary touches the environment or a device; the
        // other test blocks on this `Once` meanwhile.
        unsafe {
            // Kernels compile once per shape on a CPU Vulkan device; tuning among variants
            // would multiply that for nothing.
            std::env::set_var("CUBECL_AUTOTUNE_LEVEL", "minimal");
            if std::env::var_os("XDG_RUNTIME_DIR").is_none() {
                std::env::set_var("XDG_RUNTIME_DIR", std::env::temp_dir());
            }
        }
    });
    let selected = device::select(BackendChoice::WgpuCpu, Some(1));
    if selected.is_flex() {
        println!("SKIPPED {test}: {}", selected.warning.unwrap_or_default());
        return None;
    }
    Some(selected.devices[0].clone())
}

fn assert_wgpu_matches_flex(name: &str, config: ModelConfig) {
    let Some(wgpu) = lavapipe(name) else { return };
    let started = std::time::Instant::now();
    let on_wgpu = losses(&config, &wgpu, 3);
    let wgpu_secs = started.elapsed().as_secs_f64();
    let on_flex = losses(&config, &Device::flex(), 3);
    println!(
        "{name}: wgpu {on_wgpu:?} ({wgpu_secs:.1} s, mostly kernel compilation) flex {on_flex:?}"
    );
    for (w, f) in on_wgpu.iter().zip(&on_flex) {
        assert!(
            (w - f).abs() < 2e-3 * f.abs().max(1.0),
            "{name}: wgpu {on_wgpu:?} vs flex {on_flex:?}"
        );
    }
    assert!(on_flex[2] != on_flex[0], "the steps changed the model");
}

#[test]
fn tiny_vit_on_lavapipe_trains_like_flex() {
    let config = VitConfig::new(8, 4, 4)
        .with_dim(16)
        .with_depth(1)
        .with_heads(2)
        .with_seed(3);
    assert_wgpu_matches_flex("tiny_vit_on_lavapipe", ModelConfig::Vit(config));
}

#[test]
fn tiny_resnet_on_lavapipe_trains_like_flex() {
    let config = ResNetConfig::new(18, 4)
        .with_small_input(true)
        .with_width(4)
        .with_seed(3);
    assert_wgpu_matches_flex("tiny_resnet_on_lavapipe", ModelConfig::ResNet(config));
}
