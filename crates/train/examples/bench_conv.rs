// One 3x3 convolution layer (stride 1, padding 1, no bias), forward + backward (input and
// weight gradients), on flex: where ResNet training time goes. For `scripts/bench_train.py
// --conv-layers`, which times PyTorch on the same shapes.
//
//   cargo run --release -p spillover-train --example bench_conv -- 64x64x32 128x16x64
//
// Each argument is batch x channels x side; prints one JSON line per shape.

use std::time::Instant;

use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2dConfig;
use burn::tensor::{Device, Distribution, Tensor};

fn main() {
    let device = Device::flex().autodiff();
    for arg in std::env::args().skip(1) {
        let dims: Vec<usize> = arg.split('x').map(|v| v.parse().expect("BxCxS")).collect();
        let [b, c, s] = dims[..] else {
            panic!("expected BxCxS, got {arg}")
        };
        let x = Tensor::<4>::random([b, c, s, s], Distribution::Default, &device).require_grad();
        let conv = Conv2dConfig::new([c, c], [3, 3])
            .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
            .with_bias(false)
            .init(&device);
        let step = || {
            let grads = conv.forward(x.clone()).sum().backward();
            let _ = conv.weight.grad(&grads).expect("weight grad").into_data();
            let _ = x.grad(&grads).expect("input grad").into_data();
        };
        step();
        let reps = 3;
        let start = Instant::now();
        for _ in 0..reps {
            step();
        }
        let ms = start.elapsed().as_secs_f64() * 1000.0 / reps as f64;
        println!("{{\"shape\":\"{arg}\",\"ms\":{ms:.1}}}");
    }
}
