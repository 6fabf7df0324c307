//! Fused batch normalization on NCHW (`[batch, channels, ...]`) tensors: inference, training
//! forward (batch statistics) and training backward. Added by the spillover patch of
//! burn-flex 0.22.1, see `PATCH.md` at the crate root.
//!
//! burn-backend's defaults build these out of ~10 tensor ops, among them `swap_dims(0, 1)` +
//! reshape to reduce per channel (a full transposing copy of the activation) and one
//! allocation per elementwise step. Here every channel is a set of `batch` contiguous rows of
//! `spatial` elements; one rayon task per channel reads them in two passes (statistics), then
//! writes the output or input gradient in a third, while the channel is still in cache.
//!
//! Semantics are burn-backend's: the returned variance is the biased one (mean of squared
//! deviations), which is what `burn-nn`'s `BatchNorm` blends into its running variance.

use alloc::vec::Vec;

use burn_backend::{DType, Element};
use burn_std::{Bytes, Shape};
use num_traits::Float;

use crate::{FlexTensor, Layout};

/// Element types with a fused batch norm here (f16 and bf16 go through f32).
pub(crate) trait NormFloat: Element + Float + bytemuck::Pod + Send + Sync {
    fn from_wide(v: f64) -> Self;
    fn to_wide(self) -> f64;
}

impl NormFloat for f32 {
    fn from_wide(v: f64) -> Self {
        v as f32
    }
    fn to_wide(self) -> f64 {
        self as f64
    }
}

impl NormFloat for f64 {
    fn from_wide(v: f64) -> Self {
        v
    }
    fn to_wide(self) -> f64 {
        self
    }
}

/// Lanes of the partial sums: independent accumulators let LLVM vectorize a float sum
/// (it may not reorder a single running sum).
const LANES: usize = 16;

/// Sum of `f(v)` over a row, in `LANES` partial sums.
#[inline(always)]
fn row_sum<E: NormFloat>(row: &[E], f: impl Fn(E) -> E) -> E {
    let mut acc = [E::zero(); LANES];
    let mut chunks = row.chunks_exact(LANES);
    for chunk in &mut chunks {
        for (a, &v) in acc.iter_mut().zip(chunk) {
            *a = *a + f(v);
        }
    }
    let mut total = chunks.remainder().iter().fold(E::zero(), |s, &v| s + f(v));
    for a in acc {
        total = total + a;
    }
    total
}

/// Sum of `f(a, b)` over two rows of equal length, in `LANES` partial sums.
#[inline(always)]
fn row_sum2<E: NormFloat>(a: &[E], b: &[E], f: impl Fn(E, E) -> E) -> E {
    let mut acc = [E::zero(); LANES];
    let mut ca = a.chunks_exact(LANES);
    let mut cb = b.chunks_exact(LANES);
    for (xa, xb) in (&mut ca).zip(&mut cb) {
        for ((s, &u), &v) in acc.iter_mut().zip(xa).zip(xb) {
            *s = *s + f(u, v);
        }
    }
    let mut total = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .fold(E::zero(), |s, (&u, &v)| s + f(u, v));
    for s in acc {
        total = total + s;
    }
    total
}

/// `[batch, channels, spatial...]` seen as `batch * channels` rows of `spatial` elements.
#[derive(Clone, Copy, Debug)]
struct Rows {
    batch: usize,
    channels: usize,
    spatial: usize,
}

impl Rows {
    fn of(shape: &Shape) -> Self {
        assert!(
            shape.num_dims() >= 2,
            "batch_norm: input must be [batch, channels, ...]"
        );
        let batch = shape[0];
        let channels = shape[1];
        let spatial = shape.iter().skip(2).product();
        Self {
            batch,
            channels,
            spatial,
        }
    }

    /// Elements per channel, as f64 for the means (exact up to 2^53).
    fn count(&self) -> f64 {
        (self.batch * self.spatial) as f64
    }

    /// The rows of channel `c`.
    #[inline(always)]
    fn channel<'a, E>(&self, data: &'a [E], c: usize) -> impl Iterator<Item = &'a [E]> + 'a {
        let (channels, spatial) = (self.channels, self.spatial);
        (0..self.batch).map(move |n| {
            let start = (n * channels + c) * spatial;
            &data[start..start + spatial]
        })
    }

    /// Splits `out` into one list of mutable rows per channel (disjoint, so channels can be
    /// written in parallel without unsafe code).
    fn split_mut<'a, E>(&self, out: &'a mut [E]) -> Vec<Vec<&'a mut [E]>> {
        let mut per_channel: Vec<Vec<&mut [E]>> = (0..self.channels)
            .map(|_| Vec::with_capacity(self.batch))
            .collect();
        if self.spatial > 0 {
            for (r, row) in out.chunks_mut(self.spatial).enumerate() {
                per_channel[r % self.channels].push(row);
            }
        }
        per_channel
    }
}

/// Runs `f(channel, rows of out, slot)` for every channel, in parallel when rayon is on;
/// `slots` holds one per-channel result (statistics, parameter gradients).
fn for_each_channel<E: Send, S: Send>(
    rows: Rows,
    out: &mut [E],
    slots: &mut [S],
    f: impl Fn(usize, Vec<&mut [E]>, &mut S) + Send + Sync,
) {
    let work: Vec<_> = rows
        .split_mut(out)
        .into_iter()
        .zip(slots.iter_mut())
        .collect();
    #[cfg(feature = "rayon")]
    {
        use rayon::prelude::*;
        work.into_par_iter()
            .enumerate()
            .for_each(|(c, (out_rows, slot))| f(c, out_rows, slot));
    }
    #[cfg(not(feature = "rayon"))]
    work.into_iter()
        .enumerate()
        .for_each(|(c, (out_rows, slot))| f(c, out_rows, slot));
}

/// `y = (x - mean) * scale + shift` over rows of one channel. Centring first keeps the
/// precision when `|mean|` is large next to the spread (`x * scale + (shift - mean * scale)`
/// would cancel).
#[inline(always)]
fn normalize_rows<'a, E: NormFloat>(
    out_rows: Vec<&mut [E]>,
    x_rows: impl Iterator<Item = &'a [E]>,
    mean: E,
    scale: E,
    shift: E,
) {
    for (dst, src) in out_rows.into_iter().zip(x_rows) {
        for (y, &v) in dst.iter_mut().zip(src) {
            *y = (v - mean) * scale + shift;
        }
    }
}

/// Mean and biased variance of channel `c` (two passes: no cancellation from `E[x^2] - E[x]^2`).
/// Rows are summed in `E`, rows into f64.
#[inline(always)]
fn channel_stats<E: NormFloat>(rows: &Rows, x: &[E], c: usize) -> (E, E) {
    let count = rows.count();
    let sum: f64 = rows
        .channel(x, c)
        .map(|row| row_sum(row, |v| v).to_wide())
        .sum();
    let mean = E::from_wide(sum / count);
    let sq: f64 = rows
        .channel(x, c)
        .map(|row| {
            row_sum(row, |v| {
                let d = v - mean;
                d * d
            })
            .to_wide()
        })
        .sum();
    (mean, E::from_wide(sq / count))
}

// Per-channel kernels. `with_simd` compiles each for the best SIMD level of the CPU (the
// crate itself targets baseline x86-64), so the partial-sum and row loops vectorize wide.

/// Inference on channel `c`: `(x - mean) * scale + shift`.
#[allow(clippy::extra_unused_type_parameters, clippy::too_many_arguments)]
#[cfg_attr(feature = "simd", macerator::with_simd)]
fn normalize_channel<'r, #[cfg(feature = "simd")] S: macerator::Simd, E: NormFloat>(
    rows: &Rows,
    xs: &[E],
    c: usize,
    out_rows: Vec<&'r mut [E]>,
    mean: E,
    scale: E,
    shift: E,
) {
    normalize_rows(out_rows, rows.channel(xs, c), mean, scale, shift);
}

/// Training forward on channel `c`: statistics, then the output rows; returns
/// `(mean, biased variance)`.
#[allow(clippy::extra_unused_type_parameters, clippy::too_many_arguments)]
#[cfg_attr(feature = "simd", macerator::with_simd)]
fn train_channel<'r, #[cfg(feature = "simd")] S: macerator::Simd, E: NormFloat>(
    rows: &Rows,
    xs: &[E],
    c: usize,
    out_rows: Vec<&'r mut [E]>,
    gamma: E,
    beta: E,
    eps: E,
) -> (E, E) {
    let (mean, var) = channel_stats(rows, xs, c);
    normalize_rows(
        out_rows,
        rows.channel(xs, c),
        mean,
        gamma / (var + eps).sqrt(),
        beta,
    );
    (mean, var)
}

/// Training backward on channel `c`: writes the input gradient rows and returns
/// `(gamma grad, beta grad)`.
#[allow(clippy::extra_unused_type_parameters, clippy::too_many_arguments)]
#[cfg_attr(feature = "simd", macerator::with_simd)]
fn backward_channel<'r, #[cfg(feature = "simd")] S: macerator::Simd, E: NormFloat>(
    rows: &Rows,
    xs: &[E],
    dys: &[E],
    c: usize,
    dx_rows: Vec<&'r mut [E]>,
    gamma: E,
    mean: E,
    inv_std: E,
) -> (E, E) {
    // Pass 1: sum dy and sum dy * (x - mean), rows in E, rows into f64.
    let (mut sum_dy, mut sum_dy_xc) = (0.0f64, 0.0f64);
    for (xr, gr) in rows.channel(xs, c).zip(rows.channel(dys, c)) {
        sum_dy += row_sum(gr, |g| g).to_wide();
        sum_dy_xc += row_sum2(xr, gr, |v, g| g * (v - mean)).to_wide();
    }
    let sum_dy_xhat = sum_dy_xc * inv_std.to_wide();
    // Pass 2: dx = a * (dy - mean_dy) + b * (x - mean).
    let count = rows.count();
    let a = gamma * inv_std;
    let mean_dy = E::from_wide(sum_dy / count);
    let b = -a * inv_std * E::from_wide(sum_dy_xhat / count);
    for ((dst, xr), gr) in dx_rows
        .into_iter()
        .zip(rows.channel(xs, c))
        .zip(rows.channel(dys, c))
    {
        for ((d, &v), &g) in dst.iter_mut().zip(xr).zip(gr) {
            *d = a * (g - mean_dy) + b * (v - mean);
        }
    }
    (E::from_wide(sum_dy_xhat), E::from_wide(sum_dy))
}

fn contiguous_slice<E: NormFloat>(tensor: &FlexTensor) -> &[E] {
    let (start, end) = tensor
        .layout()
        .contiguous_offsets()
        .expect("batch_norm: tensor made contiguous above");
    &tensor.storage::<E>()[start..end]
}

fn vector<E: NormFloat>(tensor: FlexTensor, channels: usize, name: &str) -> Vec<E> {
    let tensor = tensor.to_contiguous();
    let values = contiguous_slice::<E>(&tensor);
    assert_eq!(
        values.len(),
        channels,
        "batch_norm: {name} must have one value per channel"
    );
    values.to_vec()
}

fn tensor_of<E: NormFloat>(data: Vec<E>, shape: Shape, dtype: DType) -> FlexTensor {
    FlexTensor::new(Bytes::from_elems(data), Layout::contiguous(shape), dtype)
}

/// Batch norm with given statistics: `(x - mean) / sqrt(var + eps) * gamma + beta`.
pub(crate) fn batch_norm<E: NormFloat>(
    x: FlexTensor,
    gamma: FlexTensor,
    beta: FlexTensor,
    mean: FlexTensor,
    variance: FlexTensor,
    epsilon: f64,
    dtype: DType,
) -> FlexTensor {
    let x = x.to_contiguous();
    let shape = x.layout().shape().clone();
    let rows = Rows::of(&shape);
    let gamma = vector::<E>(gamma, rows.channels, "gamma");
    let beta = vector::<E>(beta, rows.channels, "beta");
    let mean = vector::<E>(mean, rows.channels, "mean");
    let variance = vector::<E>(variance, rows.channels, "variance");
    let eps = E::from_wide(epsilon);
    let xs = contiguous_slice::<E>(&x);
    let mut out = alloc::vec![E::zero(); shape.num_elements()];
    let mut unit = alloc::vec![(); rows.channels];
    for_each_channel(rows, &mut out, &mut unit, |c, out_rows, _| {
        let scale = gamma[c] / (variance[c] + eps).sqrt();
        normalize_channel(&rows, xs, c, out_rows, mean[c], scale, beta[c]);
    });
    tensor_of(out, shape, dtype)
}

/// Batch norm with the batch's own statistics; returns `(output, mean, biased variance)`.
pub(crate) fn batch_norm_train<E: NormFloat>(
    x: FlexTensor,
    gamma: FlexTensor,
    beta: FlexTensor,
    epsilon: f64,
    dtype: DType,
) -> (FlexTensor, FlexTensor, FlexTensor) {
    let x = x.to_contiguous();
    let shape = x.layout().shape().clone();
    let rows = Rows::of(&shape);
    let gamma = vector::<E>(gamma, rows.channels, "gamma");
    let beta = vector::<E>(beta, rows.channels, "beta");
    let eps = E::from_wide(epsilon);
    let xs = contiguous_slice::<E>(&x);

    let mut out = alloc::vec![E::zero(); shape.num_elements()];
    let mut stats = alloc::vec![(E::zero(), E::zero()); rows.channels];
    // Statistics and output in one task per channel, so the output pass reads the rows
    // that the statistics just brought into cache.
    for_each_channel(rows, &mut out, &mut stats, |c, out_rows, slot| {
        *slot = train_channel(&rows, xs, c, out_rows, gamma[c], beta[c], eps);
    });
    let per_channel = Shape::new([rows.channels]);
    let (mean, var): (Vec<E>, Vec<E>) = stats.into_iter().unzip();
    (
        tensor_of(out, shape, dtype),
        tensor_of(mean, per_channel.clone(), dtype),
        tensor_of(var, per_channel, dtype),
    )
}

/// Gradients of [`batch_norm_train`] for input, gamma and beta. Per channel, with
/// `xhat = (x - mean) * inv_std` and `M` elements:
/// `dbeta = sum dy`, `dgamma = sum dy * xhat`,
/// `dx = gamma * inv_std * (dy - dbeta / M - xhat * dgamma / M)`.
pub(crate) fn batch_norm_train_backward<E: NormFloat>(
    x: FlexTensor,
    gamma: FlexTensor,
    mean: FlexTensor,
    variance: FlexTensor,
    epsilon: f64,
    output_grad: FlexTensor,
    dtype: DType,
) -> (FlexTensor, FlexTensor, FlexTensor) {
    let x = x.to_contiguous();
    let dy = output_grad.to_contiguous();
    let shape = x.layout().shape().clone();
    assert_eq!(
        dy.layout().shape(),
        &shape,
        "batch_norm backward: output_grad shape differs from x"
    );
    let rows = Rows::of(&shape);
    let gamma = vector::<E>(gamma, rows.channels, "gamma");
    let mean = vector::<E>(mean, rows.channels, "mean");
    let variance = vector::<E>(variance, rows.channels, "variance");
    let eps = E::from_wide(epsilon);
    let (xs, dys) = (contiguous_slice::<E>(&x), contiguous_slice::<E>(&dy));

    let mut dx = alloc::vec![E::zero(); shape.num_elements()];
    let mut sums = alloc::vec![(E::zero(), E::zero()); rows.channels];
    for_each_channel(rows, &mut dx, &mut sums, |c, dx_rows, slot| {
        let inv_std = E::one() / (variance[c] + eps).sqrt();
        *slot = backward_channel(&rows, xs, dys, c, dx_rows, gamma[c], mean[c], inv_std);
    });
    let per_channel = Shape::new([rows.channels]);
    let (gamma_grad, beta_grad): (Vec<E>, Vec<E>) = sums.into_iter().unzip();
    (
        tensor_of(dx, shape, dtype),
        tensor_of(gamma_grad, per_channel.clone(), dtype),
        tensor_of(beta_grad, per_channel, dtype),
    )
}
