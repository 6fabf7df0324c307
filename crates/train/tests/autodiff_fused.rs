//! The patched burn-autodiff (vendor/burn-autodiff, PATCH.md): LayerNorm and unmasked
//! attention as one autodiff node each. Output and every gradient against the same math
//! composed from primitive tensor ops (which autodiff differentiates op by op), in f64 (to
//! 1e-10) and in f32 against that f64 composition (to 1e-5); rank 2 and 3 inputs, with and
//! without beta, odd sizes, inputs far from zero mean, a custom attention scale; and the
//! masked attention, which keeps the composition, unchanged.

mod common;

use burn::tensor::module::{attention, attention_fallback, layer_norm};
use burn::tensor::ops::AttentionModuleOptions;
use burn::tensor::{Bool, DType, Device, Tensor, TensorData};
use common::{read_f64 as read, rel_err};
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;

fn values(n: usize, offset: f64, seed: u64) -> Vec<f64> {
    let mut rng = Pcg64::seed_from_u64(seed);
    (0..n)
        .map(|_| offset + 2.0 * rng.random::<f64>() - 1.0)
        .collect()
}

/// A leaf tensor that records gradients.
fn tensor<const D: usize>(
    v: &[f64],
    shape: [usize; D],
    device: &Device,
    dtype: DType,
) -> Tensor<D> {
    common::tensor_from_f64(v, shape, device, dtype).require_grad()
}

/// Output, then the gradients of every input (empty where an input is unused), of `f` for
/// the output gradient `dy`.
fn output_and_grads<const D: usize, const N: usize>(
    inputs: [Tensor<D>; N],
    dy: Tensor<D>,
    f: impl Fn(&[Tensor<D>; N]) -> Tensor<D>,
) -> Vec<Vec<f64>> {
    let y = f(&inputs);
    let grads = (y.clone() * dy).sum().backward();
    let mut out = vec![read(y)];
    out.extend(
        inputs
            .iter()
            .map(|t| t.grad(&grads).map(read).unwrap_or_default()),
    );
    out
}

/// `(x - mean) / sqrt(var + eps) * gamma (+ beta)` over the last dim, from primitive ops.
fn composed_layer_norm<const D: usize>(
    x: Tensor<D>,
    gamma: Tensor<D>,
    beta: Option<Tensor<D>>,
    eps: f64,
) -> Tensor<D> {
    let mean = x.clone().mean_dim(D - 1);
    let centered = x - mean;
    let var = (centered.clone() * centered.clone()).mean_dim(D - 1);
    let y = centered / (var + eps).sqrt() * gamma;
    match beta {
        Some(beta) => y + beta,
        None => y,
    }
}

fn check_layer_norm<const D: usize>(shape: [usize; D], offset: f64, with_beta: bool) {
    let device = Device::flex().autodiff();
    let d = shape[D - 1];
    let n: usize = shape.iter().product();
    let (x, dy) = (values(n, offset, 1), values(n, 0.0, 2));
    let (gamma, beta) = (values(d, 1.0, 3), values(d, 0.0, 4));
    let mut param_shape = [1; D];
    param_shape[D - 1] = d;
    let eps = 1e-6;
    let run = |dtype: DType, fused: bool| {
        let inputs = [
            tensor(&x, shape, &device, dtype),
            tensor(&gamma, param_shape, &device, dtype),
            tensor(&beta, param_shape, &device, dtype),
        ];
        let dy = tensor(&dy, shape, &device, dtype);
        let mut got = output_and_grads(inputs, dy, |[x, gamma, beta]| {
            let beta = with_beta.then(|| beta.clone());
            if fused {
                let flat = |p: &Tensor<D>| p.clone().reshape([d]);
                layer_norm(x.clone(), flat(gamma), beta.as_ref().map(flat), eps)
            } else {
                composed_layer_norm(x.clone(), gamma.clone(), beta, eps)
            }
        });
        if !with_beta {
            assert!(got.pop().unwrap().is_empty(), "beta is unused");
        }
        got
    };
    let want = run(DType::F64, false);
    let names = ["output", "x grad", "gamma grad", "beta grad"];
    for (dtype, tol) in [(DType::F64, 1e-10), (DType::F32, 1e-5)] {
        let got = run(dtype, true);
        assert_eq!(got.len(), want.len());
        for ((g, w), name) in got.iter().zip(&want).zip(names) {
            let err = rel_err(g, w);
            assert!(
                err < tol,
                "{shape:?} {dtype:?} beta={with_beta}: {name} off by {err:e}"
            );
        }
    }
}

#[test]
fn layer_norm_node_matches_composition() {
    check_layer_norm([7, 33], 0.0, true);
    check_layer_norm([3, 5, 19], 40.0, true);
    check_layer_norm([4, 6, 16], -3.0, false);
}

fn check_attention(shape: [usize; 4], scale: Option<f64>) {
    let device = Device::flex().autodiff();
    let n: usize = shape.iter().product();
    let qkv = [values(n, 0.0, 5), values(n, 0.5, 6), values(n, -0.5, 7)];
    let dy = values(n, 0.0, 8);
    let options = AttentionModuleOptions {
        scale,
        ..Default::default()
    };
    let run = |dtype: DType, fused: bool| {
        let inputs = qkv.clone().map(|v| tensor(&v, shape, &device, dtype));
        let dy = tensor(&dy, shape, &device, dtype);
        output_and_grads(inputs, dy, |[q, k, v]| {
            let (q, k, v) = (q.clone(), k.clone(), v.clone());
            if fused {
                attention(q, k, v, None, None, options)
            } else {
                attention_fallback(q, k, v, None, None, options)
            }
        })
    };
    let want = run(DType::F64, false);
    for (dtype, tol) in [(DType::F64, 1e-10), (DType::F32, 1e-5)] {
        let got = run(dtype, true);
        for ((g, w), name) in got.iter().zip(&want).zip(["output", "q", "k", "v"]) {
            let err = rel_err(g, w);
            assert!(err < tol, "{shape:?} {dtype:?}: {name} off by {err:e}");
        }
    }
}

#[test]
fn attention_node_matches_composition() {
    check_attention([2, 3, 13, 8], None);
    check_attention([1, 2, 5, 4], Some(0.3));
}

#[test]
fn masked_attention_still_composes() {
    let device = Device::flex().autodiff();
    let shape = [1, 2, 6, 4];
    let n: usize = shape.iter().product();
    let (q, k, v) = (values(n, 0.0, 9), values(n, 0.0, 10), values(n, 0.0, 11));
    let upper: Vec<bool> = (0..2 * 36).map(|i| (i % 6) > (i % 36) / 6).collect();
    let mask = Tensor::<4, Bool>::from_data(TensorData::new(upper, [1, 2, 6, 6]), &device);
    let t = |v: &[f64]| tensor(v, shape, &device, DType::F64);
    let options = AttentionModuleOptions::default();
    let got = attention(t(&q), t(&k), t(&v), Some(mask.clone()), None, options);
    let want = attention_fallback(t(&q), t(&k), t(&v), Some(mask), None, options);
    assert_eq!(read(got), read(want));
}
