use burn::module::Param;
use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2dConfig;
use burn::tensor::{Device, Distribution, Tensor};
use std::time::Instant;

fn time(name: &str, mut f: impl FnMut()) {
    f();
    let t = Instant::now();
    for _ in 0..3 {
        f();
    }
    println!("{name}: {:.1} ms", t.elapsed().as_secs_f64() * 1000.0 / 3.0);
}

/// 3x3 conv (pad 1, stride 1) on NCHW as shifted slices + one matmul.
fn conv_im2col_nchw(x: Tensor<4>, w: Tensor<4>) -> Tensor<4> {
    let [n, c, h, wd] = x.dims();
    let [co, _, k, _] = w.dims();
    let xp = x.pad((1, 1, 1, 1), burn::tensor::ops::PadMode::Constant(0.0));
    let mut cols = Vec::new();
    for dy in 0..k {
        for dx in 0..k {
            cols.push(xp.clone().narrow(2, dy, h).narrow(3, dx, wd));
        }
    }
    // [n, c, 9, h, w] -> [n, h, w, c, 9] -> [n*h*w, c*9]
    let col = Tensor::stack::<5>(cols, 2)
        .permute([0, 3, 4, 1, 2])
        .reshape([n * h * wd, c * k * k]);
    let wm = w.reshape([co, c * k * k]).transpose();
    col.matmul(wm).reshape([n, h, wd, co]).permute([0, 3, 1, 2])
}

fn main() {
    let device = Device::flex().autodiff();
    for (c, s) in [(64usize, 32usize), (128, 16), (256, 8), (512, 4)] {
        let x = Tensor::<4>::random([64, c, s, s], Distribution::Default, &device).require_grad();
        let conv = Conv2dConfig::new([c, c], [3, 3])
            .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
            .with_bias(false)
            .init(&device);
        time(&format!("burn conv2d fwd+bwd c{c} s{s}"), || {
            let y = conv.forward(x.clone());
            let g = y.sum().backward();
            let _ = conv.weight.grad(&g).unwrap().into_data();
            let _ = x.grad(&g).unwrap().into_data();
        });
        let w = Param::from_tensor(conv.weight.val());
        time(&format!("im2col nchw fwd+bwd c{c} s{s}"), || {
            let y = conv_im2col_nchw(x.clone(), w.val());
            let g = y.sum().backward();
            let _ = w.val().grad(&g).map(|t| t.into_data());
            let _ = x.grad(&g).unwrap().into_data();
        });
        let y1 = conv.forward(x.clone()).into_data();
        let y2 = conv_im2col_nchw(x.clone(), conv.weight.val()).into_data();
        y1.assert_approx_eq::<f32>(&y2, burn::tensor::Tolerance::rel_abs(1e-4, 1e-4));
    }
}
