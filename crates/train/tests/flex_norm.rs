//! The patched flex batch norm (vendor/burn-flex, PATCH.md: fused per-channel inference,
//! training forward and training backward) through Burn's autodiff, against a direct f64
//! reference: output, batch statistics, and the input, gamma and beta gradients, on ranks 2
//! to 5, batch 1, odd sizes, rows shorter and longer than the kernels' 16 lanes, inputs far
//! from zero mean, a non-contiguous input, and f64 and f16 tensors; plus `nn::BatchNorm`'s
//! running statistics (momentum, biased variance) as burn-nn defines them. And the patched
//! f32 GELU (vectorizable erf) and its gradient against flex's f64 GELU (libm's `erf`).

mod common;

use burn::nn::{BatchNorm, BatchNormConfig};
use burn::tensor::activation::gelu;
use burn::tensor::module::{batch_norm, batch_norm_train};
use burn::tensor::{DType, Device};
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;

use common::{read_f64 as read, rel_err, tensor_from_f64 as tensor};

const EPS: f64 = 1e-5;

/// `n` values uniform in `[offset - 0.5, offset + 0.5)`.
fn values(n: usize, offset: f64, seed: u64) -> Vec<f64> {
    let mut rng = Pcg64::seed_from_u64(seed);
    (0..n).map(|_| offset + rng.random::<f64>() - 0.5).collect()
}

/// Batch norm in f64 over `[batch, channels, spatial]` data: output, mean, biased variance,
/// and the input, gamma and beta gradients for the output gradient `dy`.
struct Reference {
    y: Vec<f64>,
    mean: Vec<f64>,
    var: Vec<f64>,
    dx: Vec<f64>,
    dgamma: Vec<f64>,
    dbeta: Vec<f64>,
}

fn reference(shape: &[usize], x: &[f64], gamma: &[f64], beta: &[f64], dy: &[f64]) -> Reference {
    let (n, c) = (shape[0], shape[1]);
    let s: usize = shape[2..].iter().product();
    let m = (n * s) as f64;
    let idx = |b: usize, ch: usize, p: usize| (b * c + ch) * s + p;
    let mut r = Reference {
        y: vec![0.0; x.len()],
        mean: vec![0.0; c],
        var: vec![0.0; c],
        dx: vec![0.0; x.len()],
        dgamma: vec![0.0; c],
        dbeta: vec![0.0; c],
    };
    for ch in 0..c {
        let all = || (0..n).flat_map(move |b| (0..s).map(move |p| idx(b, ch, p)));
        let mean = all().map(|i| x[i]).sum::<f64>() / m;
        let var = all().map(|i| (x[i] - mean).powi(2)).sum::<f64>() / m;
        let inv = 1.0 / (var + EPS).sqrt();
        let xhat = |i: usize| (x[i] - mean) * inv;
        let dbeta: f64 = all().map(|i| dy[i]).sum();
        let dgamma: f64 = all().map(|i| dy[i] * xhat(i)).sum();
        for i in all() {
            r.y[i] = xhat(i) * gamma[ch] + beta[ch];
            r.dx[i] = gamma[ch] * inv * (dy[i] - dbeta / m - xhat(i) * dgamma / m);
        }
        (r.mean[ch], r.var[ch], r.dgamma[ch], r.dbeta[ch]) = (mean, var, dgamma, dbeta);
    }
    r
}

/// Trains one batch norm through autodiff and checks everything against [`reference`].
/// `swap` builds the input as a transposed view, so flex sees a non-contiguous tensor.
fn check<const D: usize>(shape: [usize; D], offset: f64, dtype: DType, swap: bool, tol: f64) {
    let device = Device::flex().autodiff();
    let c = shape[1];
    let count: usize = shape.iter().product();
    let seed = count as u64 + c as u64;
    // Inputs rounded to `dtype`, so that the reference sees what the kernels see.
    let plain = Device::flex();
    let exact = |v: Vec<f64>| read(tensor(&v, [v.len()], &plain, dtype));
    let (x_v, dy_v) = (
        exact(values(count, offset, seed)),
        exact(values(count, 0.0, seed + 1)),
    );
    let (g_v, b_v) = (
        exact(values(c, 1.0, seed + 2)),
        exact(values(c, 0.0, seed + 3)),
    );
    let want = reference(&shape, &x_v, &g_v, &b_v, &dy_v);

    let x = if swap {
        // The same values, stored as [channels, batch, ...] and viewed as [batch, channels, ...].
        let mut t_shape = shape;
        t_shape.swap(0, 1);
        let s = count / (shape[0] * c);
        let mut stored = vec![0.0; count];
        for (i, v) in x_v.iter().enumerate() {
            let (b, ch, p) = (i / (c * s), i / s % c, i % s);
            stored[(ch * shape[0] + b) * s + p] = *v;
        }
        tensor(&stored, t_shape, &device, dtype)
            .swap_dims(0, 1)
            .require_grad()
    } else {
        tensor(&x_v, shape, &device, dtype).require_grad()
    };
    let gamma = tensor(&g_v, [c], &device, dtype).require_grad();
    let beta = tensor(&b_v, [c], &device, dtype).require_grad();
    let out = batch_norm_train(x.clone(), gamma.clone(), beta.clone(), EPS);
    assert_eq!(out.output.dtype(), dtype);
    let what = format!("{shape:?} offset {offset} {dtype:?} swapped {swap}");
    let checks = [
        ("output", read(out.output.clone()), &want.y),
        ("mean", read(out.mean), &want.mean),
        ("variance", read(out.variance), &want.var),
    ];
    // d/dy of sum(y * dy) is dy, so the gradients are the backward of dy.
    let grads = (out.output * tensor(&dy_v, shape, &device, dtype))
        .sum()
        .backward();
    let grad_checks = [
        ("x grad", read(x.grad(&grads).unwrap()), &want.dx),
        (
            "gamma grad",
            read(gamma.grad(&grads).unwrap()),
            &want.dgamma,
        ),
        ("beta grad", read(beta.grad(&grads).unwrap()), &want.dbeta),
    ];
    for (name, got, want) in checks.iter().chain(&grad_checks) {
        let e = rel_err(got, want);
        assert!(e < tol, "{name} off by {e:e} for {what}");
    }

    // Inference with the batch's statistics gives the training output.
    let y = batch_norm(
        tensor(&x_v, shape, &plain, dtype),
        tensor(&g_v, [c], &plain, dtype),
        tensor(&b_v, [c], &plain, dtype),
        tensor(&want.mean, [c], &plain, dtype),
        tensor(&want.var, [c], &plain, dtype),
        EPS,
    );
    let e = rel_err(&read(y), &want.y);
    assert!(e < tol, "inference output off by {e:e} for {what}");
}

#[test]
fn batch_norm_f32_matches_f64_reference() {
    let f32 = DType::F32;
    check([1, 3, 5, 5], 0.0, f32, false, 1e-5);
    check([4, 7, 3, 5], 0.3, f32, false, 1e-5);
    check([9, 4], 0.0, f32, false, 1e-5);
    check([1, 6], 2.0, f32, false, 1e-5);
    check([5, 3, 33], -1.5, f32, false, 1e-5);
    check([3, 4, 2, 3, 2], 0.0, f32, false, 1e-5);
    check([2, 5, 16, 16], 0.0, f32, false, 1e-5);
    // Far from zero mean: a one-pass E[x^2] - E[x]^2 would lose the variance here.
    check([64, 8, 8, 8], 50.0, f32, false, 1e-5);
    check([7, 5, 6, 3], 0.5, f32, true, 1e-5);
    check([1, 3, 4, 4], 0.0, f32, true, 1e-5);
}

#[test]
fn batch_norm_f64_and_f16() {
    check([4, 7, 3, 5], 0.3, DType::F64, false, 1e-12);
    check([3, 4, 2, 3, 2], -2.0, DType::F64, true, 1e-12);
    // f16 runs in f32 and rounds inputs and results to 11 bits.
    check([4, 6, 5, 5], 0.0, DType::F16, false, 3e-3);
}

/// `nn::BatchNorm` blends the batch mean and the *biased* batch variance into its running
/// statistics with `momentum`: `running = (1 - momentum) * running + momentum * batch`.
#[test]
fn batch_norm_module_running_statistics() {
    let device = Device::flex().autodiff();
    let shape = [6, 5, 4, 3];
    let x_v = values(shape.iter().product(), 1.5, 7);
    let want = reference(&shape, &x_v, &[1.0; 5], &[0.0; 5], &x_v);
    let momentum = 0.25;
    let bn: BatchNorm = BatchNormConfig::new(5)
        .with_momentum(momentum)
        .init(&device);
    let x = tensor(&x_v, shape, &device, DType::F32);
    let _ = bn.forward(x.clone());
    let running_mean = read(bn.running_mean.value_sync());
    let running_var = read(bn.running_var.value_sync());
    let mean: Vec<f64> = want.mean.iter().map(|m| momentum * m).collect();
    let var: Vec<f64> = want
        .var
        .iter()
        .map(|v| (1.0 - momentum) + momentum * v)
        .collect();
    assert!(
        rel_err(&running_mean, &mean) < 1e-6,
        "{running_mean:?} vs {mean:?}"
    );
    assert!(
        rel_err(&running_var, &var) < 1e-6,
        "{running_var:?} vs {var:?}"
    );

    // On a device without autodiff the layer normalizes with those running statistics.
    let y = read(bn.forward(tensor(&x_v, shape, &Device::flex(), DType::F32)));
    let s = 12;
    let want_y: Vec<f64> = x_v
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let ch = i / s % 5;
            (v - mean[ch]) / (var[ch] + EPS).sqrt()
        })
        .collect();
    let e = rel_err(&y, &want_y);
    assert!(e < 1e-5, "eval output off by {e:e}");
}

/// f32 GELU and its gradient through autodiff against the same graph in f64, elementwise:
/// within 4e-7 of the f64 value relative to `max(1, |value|)`, over `[-9, 9]` (both tails),
/// on a size that is not a multiple of the SIMD width and spans several parallel chunks, and
/// on a transposed (non-contiguous) view.
#[test]
fn gelu_f32_matches_f64() {
    let device = Device::flex().autodiff();
    let n = 70_001;
    let x_v: Vec<f64> = (0..n)
        .map(|i| -9.0 + 18.0 * i as f64 / (n - 1) as f64)
        .collect();
    let dy_v = values(n, 0.0, 99);
    // Returns gelu(x) and d/dx sum(gelu(x) * dy), in the order of `x_v`.
    let run = |dtype: DType, swap: bool| {
        let dy = tensor(&dy_v, [n], &device, dtype);
        if !swap {
            let x = tensor(&x_v, [n], &device, dtype).require_grad();
            let y = gelu(x.clone());
            let grads = (y.clone() * dy).sum().backward();
            return (read(y), read(x.grad(&grads).unwrap()));
        }
        // The first 70_000 values stored as [7, 10_000] and viewed as [10_000, 7].
        let (rows, cols) = (10_000, 7);
        let mut stored = vec![0.0; rows * cols];
        for (i, v) in x_v[..rows * cols].iter().enumerate() {
            stored[(i % cols) * rows + i / cols] = *v;
        }
        let x = tensor(&stored, [cols, rows], &device, dtype)
            .swap_dims(0, 1)
            .require_grad();
        let y = gelu(x.clone());
        // Burn's `slice` takes one range per dimension: this is a 1-d tensor's one range.
        #[allow(clippy::single_range_in_vec_init)]
        let dy = dy.slice([0..rows * cols]).reshape([rows, cols]);
        let grads = (y.clone() * dy).sum().backward();
        (read(y), read(x.grad(&grads).unwrap()))
    };
    let (y64, dx64) = run(DType::F64, false);
    for swap in [false, true] {
        let (y32, dx32) = run(DType::F32, swap);
        for (name, got, want) in [("gelu", &y32, &y64), ("gelu grad", &dx32, &dx64)] {
            for (i, (g, w)) in got.iter().zip(want.iter()).enumerate() {
                assert!(
                    (g - w).abs() <= 4e-7 * w.abs().max(1.0),
                    "{name}({}) = {g}, f64 gives {w} (swapped {swap})",
                    x_v[i]
                );
            }
        }
    }
}
