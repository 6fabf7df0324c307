use burn::module::Module;
use burn::tensor::{Device, Distribution, Tensor};
use spillover_models::{ModelConfig, ResNetConfig};
use std::time::Instant;

fn main() {
    let device = Device::flex().autodiff();
    let model = ModelConfig::ResNet(ResNetConfig::new(18, 1000).with_small_input(true))
        .init(&device)
        .unwrap();
    let x = Tensor::<4>::random([64, 3, 32, 32], Distribution::Default, &device);
    for _ in 0..2 {
        let t = Instant::now();
        let y = model.forward(x.clone());
        let loss = y.sum();
        let _ = loss.clone().into_scalar::<f32>();
        let fwd = t.elapsed();
        let t = Instant::now();
        let g = loss.backward();
        let grads = burn::optim::GradientsParams::from_grads(g, &model);
        drop(grads);
        let bwd = t.elapsed();
        println!(
            "forward {:.0} ms, backward {:.0} ms",
            fwd.as_secs_f64() * 1e3,
            bwd.as_secs_f64() * 1e3
        );
    }
    let inner = model.valid();
    let xi = Tensor::<4>::random(
        [64, 3, 32, 32],
        Distribution::Default,
        &device.clone().inner(),
    );
    let t = Instant::now();
    let _ = inner.forward(xi).into_data();
    println!(
        "inference forward {:.0} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
}
