//! The patched flex conv2d (vendor/burn-flex, PATCH.md: NCHW im2col + gemm forward, gemm
//! input and weight gradients) against a direct f64 convolution and against burn-backend's
//! generic backward formulations (input gradient as a transposed convolution, weight
//! gradient as a convolution with batch and channel dims swapped), on geometries that
//! exercise padding (symmetric and not), stride, dilation, groups, 1x1 and 7x7 kernels,
//! one-sample and multi-sample chunks, and a batch that does not divide into chunks; the
//! 3x3 "same" cases with >= 8 channels run the Winograd F(2x2, 3x3) path.

use burn::tensor::module::{conv_transpose2d, conv2d};
use burn::tensor::ops::{ConvOptions, ConvTransposeOptions};
use burn::tensor::{Device, Tensor, TensorData};

#[derive(Clone, Copy, Debug)]
struct Case {
    batch: usize,
    c_in: usize,
    c_out: usize,
    size: [usize; 2],
    kernel: [usize; 2],
    stride: [usize; 2],
    /// (begin, end) per spatial dim.
    padding: [(usize, usize); 2],
    dilation: [usize; 2],
    groups: usize,
}

impl Case {
    fn options(&self) -> ConvOptions<2> {
        ConvOptions::new_with_padding(self.stride, self.padding, self.dilation, self.groups)
    }

    fn out_size(&self) -> [usize; 2] {
        [0, 1].map(|i| {
            let (b, e) = self.padding[i];
            (self.size[i] + b + e - self.dilation[i] * (self.kernel[i] - 1) - 1) / self.stride[i]
                + 1
        })
    }
}

/// Deterministic values in [-0.5, 0.5).
fn values(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 40) as f32 / (1u64 << 24) as f32 - 0.5
        })
        .collect()
}

/// Direct convolution in f64: output, input gradient and weight gradient for the output
/// gradient `dy`.
// Indices as in the convolution's formula: `co` also picks the bias, the output and the weight.
#[allow(clippy::needless_range_loop)]
fn reference(c: &Case, x: &[f32], w: &[f32], bias: &[f32], dy: &[f32]) -> [Vec<f64>; 3] {
    let [h, wd] = c.size;
    let [oh, ow] = c.out_size();
    let (cpg, opg) = (c.c_in / c.groups, c.c_out / c.groups);
    let mut y = vec![0f64; c.batch * c.c_out * oh * ow];
    let mut dx = vec![0f64; x.len()];
    let mut dw = vec![0f64; w.len()];
    for b in 0..c.batch {
        for co in 0..c.c_out {
            let g = co / opg;
            for i in 0..oh {
                for j in 0..ow {
                    let yi = ((b * c.c_out + co) * oh + i) * ow + j;
                    let mut acc = bias[co] as f64;
                    for ci in 0..cpg {
                        let cx = g * cpg + ci;
                        for ki in 0..c.kernel[0] {
                            let ih = (i * c.stride[0] + ki * c.dilation[0]) as isize
                                - c.padding[0].0 as isize;
                            if ih < 0 || ih >= h as isize {
                                continue;
                            }
                            for kj in 0..c.kernel[1] {
                                let iw = (j * c.stride[1] + kj * c.dilation[1]) as isize
                                    - c.padding[1].0 as isize;
                                if iw < 0 || iw >= wd as isize {
                                    continue;
                                }
                                let xi = ((b * c.c_in + cx) * h + ih as usize) * wd + iw as usize;
                                let wi = ((co * cpg + ci) * c.kernel[0] + ki) * c.kernel[1] + kj;
                                acc += x[xi] as f64 * w[wi] as f64;
                                dx[xi] += dy[yi] as f64 * w[wi] as f64;
                                dw[wi] += dy[yi] as f64 * x[xi] as f64;
                            }
                        }
                    }
                    y[yi] = acc;
                }
            }
        }
    }
    [y, dx, dw]
}

fn tensor(v: &[f32], shape: [usize; 4], device: &Device) -> Tensor<4> {
    Tensor::from_data(TensorData::new(v.to_vec(), shape), device)
}

fn read(t: Tensor<4>) -> Vec<f32> {
    t.into_data().try_to_vec::<f32>().unwrap()
}

/// Max abs difference relative to the reference's magnitude (at least 1).
fn rel_err(got: &[f32], want: &[f64]) -> f64 {
    assert_eq!(got.len(), want.len());
    let scale = want.iter().fold(1f64, |m, v| m.max(v.abs()));
    got.iter()
        .zip(want)
        .map(|(g, w)| (*g as f64 - w).abs())
        .fold(0.0, f64::max)
        / scale
}

fn cases() -> Vec<Case> {
    let base = Case {
        batch: 5,
        c_in: 4,
        c_out: 6,
        size: [7, 6],
        kernel: [3, 3],
        stride: [1, 1],
        padding: [(1, 1), (1, 1)],
        dilation: [1, 1],
        groups: 1,
    };
    vec![
        base,
        Case { batch: 1, ..base },
        Case {
            stride: [2, 2],
            ..base
        },
        Case {
            stride: [2, 1],
            padding: [(0, 0), (2, 2)],
            ..base
        },
        Case {
            kernel: [1, 1],
            padding: [(0, 0), (0, 0)],
            ..base
        },
        Case {
            kernel: [1, 1],
            stride: [2, 2],
            padding: [(0, 0), (0, 0)],
            ..base
        },
        Case {
            c_in: 3,
            c_out: 8,
            size: [11, 9],
            kernel: [7, 7],
            stride: [2, 2],
            padding: [(3, 3), (3, 3)],
            ..base
        },
        Case {
            dilation: [2, 2],
            padding: [(2, 2), (2, 2)],
            ..base
        },
        Case {
            padding: [(0, 1), (1, 0)],
            ..base
        },
        Case { groups: 2, ..base },
        // A larger one: several chunks of several samples (out plane 16); 3x3 "same" with
        // >= 8 channels takes the Winograd path (forward and input gradient).
        Case {
            batch: 37,
            c_in: 16,
            c_out: 24,
            size: [4, 4],
            ..base
        },
        // Winograd with odd sides (partial 2x2 tiles), one sample, more inputs than outputs.
        Case {
            batch: 3,
            c_in: 8,
            c_out: 12,
            size: [7, 5],
            ..base
        },
        Case {
            batch: 1,
            c_in: 20,
            c_out: 8,
            size: [5, 6],
            ..base
        },
    ]
}

#[test]
fn conv2d_forward_and_gradients_match_direct_convolution() {
    let device = Device::flex().autodiff();
    for (n, c) in cases().into_iter().enumerate() {
        let [oh, ow] = c.out_size();
        let xs = [c.batch, c.c_in, c.size[0], c.size[1]];
        let ws = [c.c_out, c.c_in / c.groups, c.kernel[0], c.kernel[1]];
        let x_v = values(xs.iter().product(), 10 + n as u64);
        let w_v = values(ws.iter().product(), 20 + n as u64);
        let b_v = values(c.c_out, 30 + n as u64);
        let dy_v = values(c.batch * c.c_out * oh * ow, 40 + n as u64);
        let [y_ref, dx_ref, dw_ref] = reference(&c, &x_v, &w_v, &b_v, &dy_v);

        let x = tensor(&x_v, xs, &device).require_grad();
        let w = tensor(&w_v, ws, &device).require_grad();
        let bias =
            Tensor::<1>::from_data(TensorData::new(b_v.clone(), [c.c_out]), &device).require_grad();
        let y = conv2d(x.clone(), w.clone(), Some(bias.clone()), c.options());
        assert_eq!(y.dims(), [c.batch, c.c_out, oh, ow], "{c:?}");
        let y_vals = read(y.clone());
        let dy = tensor(&dy_v, [c.batch, c.c_out, oh, ow], &device);
        // d/dy of sum(y * dy) is dy, so the gradients are the backward of dy.
        let grads = (y * dy).sum().backward();
        let dx = read(x.grad(&grads).unwrap());
        let dw = read(w.grad(&grads).unwrap());

        let tol = 2e-5;
        let e = rel_err(&y_vals, &y_ref);
        assert!(e < tol, "forward off by {e:e} for {c:?}");
        let e = rel_err(&dx, &dx_ref);
        assert!(e < tol, "input gradient off by {e:e} for {c:?}");
        let e = rel_err(&dw, &dw_ref);
        assert!(e < tol, "weight gradient off by {e:e} for {c:?}");
        // The bias gradient is the plain sum of dy per channel.
        let db = bias
            .grad(&grads)
            .unwrap()
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        for (co, got) in db.iter().enumerate() {
            let want: f64 = (0..c.batch)
                .flat_map(|b| (0..oh * ow).map(move |p| (b, p)))
                .map(|(b, p)| dy_v[(b * c.c_out + co) * oh * ow + p] as f64)
                .sum();
            assert!(
                (*got as f64 - want).abs() < 1e-4 * want.abs().max(1.0),
                "bias grad {co} {c:?}"
            );
        }
    }
}

/// burn-backend's generic conv2d backward (what flex 0.22.1 ran before the patch),
/// written with public tensor ops, against the patched gradients.
#[test]
fn conv2d_gradients_match_generic_backward() {
    let device = Device::flex();
    let ad = device.clone().autodiff();
    for (n, c) in cases()
        .into_iter()
        .filter(|c| c.padding[0].0 == c.padding[0].1 && c.padding[1].0 == c.padding[1].1)
        .enumerate()
    {
        let [oh, ow] = c.out_size();
        let xs = [c.batch, c.c_in, c.size[0], c.size[1]];
        let ws = [c.c_out, c.c_in / c.groups, c.kernel[0], c.kernel[1]];
        let x_v = values(xs.iter().product(), 50 + n as u64);
        let w_v = values(ws.iter().product(), 60 + n as u64);
        let dy_v = values(c.batch * c.c_out * oh * ow, 70 + n as u64);

        let x = tensor(&x_v, xs, &ad).require_grad();
        let w = tensor(&w_v, ws, &ad).require_grad();
        let y = conv2d(x.clone(), w.clone(), None, c.options());
        let grads = (y * tensor(&dy_v, [c.batch, c.c_out, oh, ow], &ad))
            .sum()
            .backward();
        let dx = read(x.grad(&grads).unwrap());
        let dw = read(w.grad(&grads).unwrap());

        // Input gradient: the transposed convolution of dy, with the output padding that
        // restores the input size.
        let pad = [c.padding[0].0, c.padding[1].0];
        let padding_out = [0, 1].map(|i| {
            let used = (c.out_size()[i] - 1) * c.stride[i] + c.dilation[i] * (c.kernel[i] - 1) + 1;
            c.size[i] + 2 * pad[i] - used
        });
        let generic_dx = conv_transpose2d(
            tensor(&dy_v, [c.batch, c.c_out, oh, ow], &device),
            tensor(&w_v, ws, &device),
            None,
            ConvTransposeOptions::new(c.stride, pad, padding_out, c.dilation, c.groups),
        );
        let want: Vec<f64> = read(generic_dx).iter().map(|v| *v as f64).collect();
        let e = rel_err(&dx, &want);
        assert!(e < 2e-5, "input gradient vs generic off by {e:e} for {c:?}");

        // Weight gradient (groups = 1): a convolution of x by dy with batch and channels
        // swapped, stride and dilation exchanged, cropped to the kernel size.
        if c.groups == 1 {
            let swapped = conv2d(
                tensor(&x_v, xs, &device).swap_dims(0, 1),
                tensor(&dy_v, [c.batch, c.c_out, oh, ow], &device).swap_dims(0, 1),
                None,
                ConvOptions::new(c.dilation, pad, c.stride, 1),
            )
            .swap_dims(0, 1)
            .slice([0..ws[0], 0..ws[1], 0..ws[2], 0..ws[3]]);
            let want: Vec<f64> = read(swapped).iter().map(|v| *v as f64).collect();
            let e = rel_err(&dw, &want);
            assert!(
                e < 2e-5,
                "weight gradient vs generic off by {e:e} for {c:?}"
            );
        }
    }
}
