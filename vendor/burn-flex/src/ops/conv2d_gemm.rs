//! Gemm-based dense 2D convolution: forward, input gradient and weight gradient. Added
//! by the spillover patch of burn-flex 0.22.1, see `PATCH.md` at the crate root.
//!
//! Upstream 0.22.1 specialises only the conv2d forward (NHWC im2col tiles). The backward
//! passes fell back to burn-backend's generic formulations: the input gradient as a
//! transposed convolution, and the weight gradient as a forward convolution with the
//! batch and channel dims swapped, i.e. an im2col whose "kernel" is the whole image and
//! whose "output" is only `kh x kw` wide, which ends in a tall, 9-column gemm per input
//! channel. Here all three are plain gemms over im2col columns of the NCHW data, with a
//! chunk of samples per gemm so that small feature maps still give wide gemms:
//!
//! - forward: `Y[g] = W[g] (c_out/g x K) * col(x)[g] (K x N)`
//! - weight: `dW[g] = sum over chunks of dY[g] (c_out/g x N) * col(x)[g]^T (N x K)`
//! - input:  `dX = col2im(W[g]^T (K x c_out/g) * dY[g] (c_out/g x N))`
//!
//! with `K = c_in/g * kh * kw` and `N = samples per chunk * out_h * out_w`. Chunks run
//! in parallel on rayon; the weight gradient sums one accumulator per fixed run of chunks
//! in a fixed order, so results are deterministic for a given thread count.

use alloc::vec;
use alloc::vec::Vec;

use burn_backend::{DType, Element};
use burn_std::{Bytes, Shape};

use crate::{FlexTensor, Layout};
use burn_backend::ops::ConvOptions;
use burn_backend::ops::conv::calculate_conv_output_size_asymmetric;

/// Elements of one chunk's im2col buffer to aim for (4 MiB of f32): big enough for wide
/// gemms, small enough to stay in L2/L3 while the gemm reads it back.
const COL_BUDGET: usize = 1 << 20;
/// Never make a chunk narrower than this many columns unless the batch runs out.
const MIN_COLS: usize = 256;

/// Below this many input or output channels, same-size 3x3 convolutions stay on im2col
/// (the Winograd gemms would be too thin).
const WINOGRAD_MIN_CHANNELS: usize = 8;

/// `FLEX_CONV_WINOGRAD=0` keeps every convolution on im2col + gemm (for comparisons).
fn winograd_enabled() -> bool {
    #[cfg(feature = "std")]
    {
        static ENABLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *ENABLED.get_or_init(|| std::env::var("FLEX_CONV_WINOGRAD").map_or(true, |v| v != "0"))
    }
    #[cfg(not(feature = "std"))]
    {
        true
    }
}

/// Element types with a native gemm here (f16 and bf16 go through f32).
pub(crate) trait GemmFloat:
    Element + bytemuck::Pod + Copy + Send + Sync + 'static + core::ops::AddAssign
{
    const ZERO: Self;
    const ONE: Self;
}

impl GemmFloat for f32 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
}

impl GemmFloat for f64 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
}

/// Shapes and options of one conv2d, with the derived gemm sizes.
#[derive(Clone, Copy, Debug)]
struct Geometry {
    batch: usize,
    c_in: usize,
    in_h: usize,
    in_w: usize,
    c_out: usize,
    k_h: usize,
    k_w: usize,
    out_h: usize,
    out_w: usize,
    stride: [usize; 2],
    pad: [usize; 2],
    dilation: [usize; 2],
    groups: usize,
}

impl Geometry {
    /// Output size is taken from `output_grad`, so asymmetric padding needs only the
    /// begin side here (the end side just decides how many outputs exist).
    fn new(x: &Shape, weight: &Shape, output_grad: &Shape, options: &ConvOptions<2>) -> Self {
        assert_eq!(x.num_dims(), 4, "conv2d backward: x must be 4D");
        assert_eq!(weight.num_dims(), 4, "conv2d backward: weight must be 4D");
        assert_eq!(
            output_grad.num_dims(),
            4,
            "conv2d backward: grad must be 4D"
        );
        let g = Self {
            batch: x[0],
            c_in: x[1],
            in_h: x[2],
            in_w: x[3],
            c_out: weight[0],
            k_h: weight[2],
            k_w: weight[3],
            out_h: output_grad[2],
            out_w: output_grad[3],
            stride: options.stride,
            pad: options.padding_begin(),
            dilation: options.dilation,
            groups: options.groups,
        };
        assert_eq!(
            g.c_in % g.groups,
            0,
            "conv2d backward: c_in not divisible by groups"
        );
        assert_eq!(
            g.c_out % g.groups,
            0,
            "conv2d backward: c_out not divisible by groups"
        );
        assert_eq!(
            weight[1],
            g.c_in / g.groups,
            "conv2d backward: weight c_in mismatch"
        );
        assert_eq!(
            output_grad[0], g.batch,
            "conv2d backward: grad batch mismatch"
        );
        assert_eq!(
            output_grad[1], g.c_out,
            "conv2d backward: grad c_out mismatch"
        );
        g
    }

    /// The Winograd shape when this is a 3x3, stride-1, padding-1 ("same") dense
    /// convolution with enough channels for the 16 small gemms to pay off.
    fn same_3x3(&self) -> Option<super::conv2d_winograd::Same3x3> {
        let same = self.k_h == 3
            && self.k_w == 3
            && self.stride == [1, 1]
            && self.dilation == [1, 1]
            && self.pad == [1, 1]
            && self.groups == 1
            && self.out_h == self.in_h
            && self.out_w == self.in_w
            && self.c_in.min(self.c_out) >= WINOGRAD_MIN_CHANNELS
            && winograd_enabled();
        same.then_some(super::conv2d_winograd::Same3x3 {
            batch: self.batch,
            c_in: self.c_in,
            c_out: self.c_out,
            h: self.in_h,
            w: self.in_w,
        })
    }

    fn in_plane(&self) -> usize {
        self.in_h * self.in_w
    }

    fn out_plane(&self) -> usize {
        self.out_h * self.out_w
    }

    /// Input channels per group.
    fn cpg(&self) -> usize {
        self.c_in / self.groups
    }

    /// Output channels per group.
    fn opg(&self) -> usize {
        self.c_out / self.groups
    }

    /// Rows of one group's im2col matrix (= columns of its weight matrix).
    fn col_rows(&self) -> usize {
        self.cpg() * self.k_h * self.k_w
    }

    /// Samples per chunk: wide enough for the gemm, within the column budget, and at
    /// least one chunk per thread when the batch allows.
    fn chunk(&self, threads: usize) -> usize {
        let plane = self.out_plane().max(1);
        let cols = (COL_BUDGET / self.col_rows().max(1)).max(MIN_COLS);
        let per_thread = self.batch.div_ceil(threads.max(1));
        (cols / plane).clamp(1, per_thread.max(1))
    }

    /// `[lo, hi)` of output positions along one axis whose input index
    /// `o * stride + k * dilation - pad` falls inside `[0, size)`.
    fn valid(out: usize, size: usize, stride: usize, offset: isize) -> (usize, usize) {
        // o * stride + offset >= 0  and  o * stride + offset < size
        let lo = if offset >= 0 {
            0
        } else {
            ((-offset) as usize).div_ceil(stride)
        };
        let limit = size as isize - offset; // o * stride < limit
        let hi = if limit <= 0 {
            0
        } else {
            (limit as usize).div_ceil(stride)
        };
        (lo.min(out), hi.min(out).max(lo.min(out)))
    }
}

pub(super) fn threads() -> usize {
    #[cfg(feature = "rayon")]
    {
        rayon::current_num_threads()
    }
    #[cfg(not(feature = "rayon"))]
    {
        1
    }
}

/// Parallelism for the gemm inside one chunk: all threads when there is a single chunk,
/// none when the chunks themselves run in parallel.
pub(super) fn inner_parallelism(chunks: usize) -> gemm::Parallelism {
    #[cfg(feature = "rayon")]
    if chunks == 1 && threads() > 1 {
        return gemm::Parallelism::Rayon(threads());
    }
    let _ = chunks;
    gemm::Parallelism::None
}

/// Calls `run(chunk, scratch, first_sample)` on consecutive chunks of `out`, each
/// `samples` samples of `sample_len` elements, in parallel on rayon with one `scratch` per
/// worker (reused across its chunks).
pub(super) fn for_each_sample_chunk<T: Send, S: Default + Send>(
    out: &mut [T],
    sample_len: usize,
    samples: usize,
    run: impl Fn(&mut [T], &mut S, usize) + Send + Sync,
) {
    #[cfg(feature = "rayon")]
    {
        use rayon::prelude::*;
        out.par_chunks_mut(samples * sample_len)
            .enumerate()
            .for_each_init(S::default, |scratch, (i, part)| {
                run(part, scratch, i * samples)
            });
    }
    #[cfg(not(feature = "rayon"))]
    {
        let mut scratch = S::default();
        for (i, part) in out.chunks_mut(samples * sample_len).enumerate() {
            run(part, &mut scratch, i * samples);
        }
    }
}

/// Adds `bias[c]` to every plane of channel `c` of an NCHW output.
fn add_bias<T: GemmFloat>(y: &mut [T], bias: &[T], plane: usize) {
    for (i, values) in y.chunks_mut(plane).enumerate() {
        let b = bias[i % bias.len()];
        values.iter_mut().for_each(|v| *v += b);
    }
}

/// Fills `col` (`col_rows x n`, row-major; `n = nb * out_plane`) with the im2col
/// columns of samples `b0..b0 + nb`, input channels of group `g`.
fn im2col<T: GemmFloat>(x: &[T], geo: &Geometry, g: usize, b0: usize, nb: usize, col: &mut [T]) {
    let (oh_n, ow_n, plane) = (geo.out_h, geo.out_w, geo.out_plane());
    let n = nb * plane;
    let mut row = 0;
    for c in g * geo.cpg()..(g + 1) * geo.cpg() {
        for ki in 0..geo.k_h {
            let off_h = (ki * geo.dilation[0]) as isize - geo.pad[0] as isize;
            let (h_lo, h_hi) = Geometry::valid(oh_n, geo.in_h, geo.stride[0], off_h);
            for kj in 0..geo.k_w {
                let off_w = (kj * geo.dilation[1]) as isize - geo.pad[1] as isize;
                let (w_lo, w_hi) = Geometry::valid(ow_n, geo.in_w, geo.stride[1], off_w);
                let dst_row = &mut col[row * n..(row + 1) * n];
                for bl in 0..nb {
                    let src = &x[((b0 + bl) * geo.c_in + c) * geo.in_plane()..][..geo.in_plane()];
                    let dst = &mut dst_row[bl * plane..(bl + 1) * plane];
                    dst[..h_lo * ow_n].fill(T::ZERO);
                    dst[h_hi * ow_n..].fill(T::ZERO);
                    for oh in h_lo..h_hi {
                        let ih = (oh * geo.stride[0]) as isize + off_h;
                        let src_row = &src[ih as usize * geo.in_w..][..geo.in_w];
                        let out = &mut dst[oh * ow_n..(oh + 1) * ow_n];
                        out[..w_lo].fill(T::ZERO);
                        out[w_hi..].fill(T::ZERO);
                        if w_lo < w_hi {
                            let iw0 = ((w_lo * geo.stride[1]) as isize + off_w) as usize;
                            if geo.stride[1] == 1 {
                                out[w_lo..w_hi].copy_from_slice(&src_row[iw0..iw0 + w_hi - w_lo]);
                            } else {
                                for (o, v) in out[w_lo..w_hi].iter_mut().enumerate() {
                                    *v = src_row[iw0 + o * geo.stride[1]];
                                }
                            }
                        }
                    }
                }
                row += 1;
            }
        }
    }
}

/// Adds the columns in `col` (as laid out by [`im2col`]) back into `dx`, which holds the
/// input gradient of samples `b0..b0 + nb` only (`nb * c_in * in_plane` elements).
fn col2im<T: GemmFloat>(col: &[T], geo: &Geometry, g: usize, nb: usize, dx: &mut [T]) {
    let (oh_n, ow_n, plane) = (geo.out_h, geo.out_w, geo.out_plane());
    let n = nb * plane;
    let mut row = 0;
    for c in g * geo.cpg()..(g + 1) * geo.cpg() {
        for ki in 0..geo.k_h {
            let off_h = (ki * geo.dilation[0]) as isize - geo.pad[0] as isize;
            let (h_lo, h_hi) = Geometry::valid(oh_n, geo.in_h, geo.stride[0], off_h);
            for kj in 0..geo.k_w {
                let off_w = (kj * geo.dilation[1]) as isize - geo.pad[1] as isize;
                let (w_lo, w_hi) = Geometry::valid(ow_n, geo.in_w, geo.stride[1], off_w);
                let src_row = &col[row * n..(row + 1) * n];
                row += 1;
                if w_lo >= w_hi {
                    continue;
                }
                let iw0 = ((w_lo * geo.stride[1]) as isize + off_w) as usize;
                for bl in 0..nb {
                    let dst = &mut dx[(bl * geo.c_in + c) * geo.in_plane()..][..geo.in_plane()];
                    let src = &src_row[bl * plane..(bl + 1) * plane];
                    for oh in h_lo..h_hi {
                        let ih = ((oh * geo.stride[0]) as isize + off_h) as usize;
                        let dst_row = &mut dst[ih * geo.in_w..(ih + 1) * geo.in_w];
                        let vals = &src[oh * ow_n + w_lo..oh * ow_n + w_hi];
                        if geo.stride[1] == 1 {
                            for (d, &v) in dst_row[iw0..iw0 + vals.len()].iter_mut().zip(vals) {
                                *d += v;
                            }
                        } else {
                            for (o, &v) in vals.iter().enumerate() {
                                dst_row[iw0 + o * geo.stride[1]] += v;
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The output gradient of samples `b0..b0 + nb` as a `c_out x (nb * out_plane)` matrix:
/// borrowed when `nb == 1` (NCHW already is that matrix), gathered otherwise.
fn grad_matrix<'a, T: GemmFloat>(
    dy: &'a [T],
    geo: &Geometry,
    b0: usize,
    nb: usize,
    buf: &'a mut Vec<T>,
) -> &'a [T] {
    let plane = geo.out_plane();
    let sample = geo.c_out * plane;
    if nb == 1 {
        return &dy[b0 * sample..(b0 + 1) * sample];
    }
    let n = nb * plane;
    buf.clear();
    buf.resize(geo.c_out * n, T::ZERO);
    for bl in 0..nb {
        for co in 0..geo.c_out {
            let src = &dy[(b0 + bl) * sample + co * plane..][..plane];
            buf[co * n + bl * plane..][..plane].copy_from_slice(src);
        }
    }
    buf
}

/// `(first sample, samples)` of each chunk of `chunk` samples.
fn chunks_of(batch: usize, chunk: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..batch.div_ceil(chunk)).map(move |i| (i * chunk, chunk.min(batch - i * chunk)))
}

/// The output gradient of samples `b0..b0 + nb` transposed: `(nb * out_plane) x c_out`,
/// so that the weight-gradient gemm reads both operands along their contiguous axis
/// (with `dY` as stored, both would be contiguous along the reduction axis and gemm
/// would spend most of its time packing).
fn grad_matrix_t<T: GemmFloat>(dy: &[T], geo: &Geometry, b0: usize, nb: usize, buf: &mut Vec<T>) {
    let plane = geo.out_plane();
    let c_out = geo.c_out;
    buf.clear();
    buf.resize(nb * plane * c_out, T::ZERO);
    // Blocks of 16 positions keep the strided writes within a few cache lines.
    const BLOCK: usize = 16;
    for bl in 0..nb {
        let src = &dy[(b0 + bl) * c_out * plane..][..c_out * plane];
        let dst = &mut buf[bl * plane * c_out..][..plane * c_out];
        for p0 in (0..plane).step_by(BLOCK) {
            let p1 = (p0 + BLOCK).min(plane);
            for co in 0..c_out {
                for p in p0..p1 {
                    dst[p * c_out + co] = src[co * plane + p];
                }
            }
        }
    }
}

/// Gradient of conv2d with respect to `weight`, `[c_out, c_in / groups, k_h, k_w]`.
fn weight_grad<T: GemmFloat>(x: &[T], dy: &[T], geo: &Geometry) -> Vec<T> {
    let rows = geo.col_rows();
    let opg = geo.opg();
    let len = geo.c_out * rows;
    let chunk = geo.chunk(threads());
    let n_chunks = geo.batch.div_ceil(chunk);
    let par = inner_parallelism(n_chunks);

    // Accumulates one chunk's contribution into `acc_t`, the gradient transposed per
    // group (`rows x opg`, column-major output for gemm).
    let accumulate =
        |acc_t: &mut Vec<T>, col: &mut Vec<T>, dy_t: &mut Vec<T>, b0: usize, nb: usize| {
            let n = nb * geo.out_plane();
            col.resize(rows * n, T::ZERO);
            grad_matrix_t(dy, geo, b0, nb, dy_t);
            for g in 0..geo.groups {
                im2col(x, geo, g, b0, nb, col);
                // acc_t[g] (as opg x rows, column-major) += dY[g] (opg x n) * col^T (n x rows)
                unsafe {
                    gemm::gemm(
                        opg,
                        rows,
                        n,
                        acc_t[g * opg * rows..].as_mut_ptr(),
                        opg as isize,
                        1,
                        true,
                        dy_t[g * opg..].as_ptr(),
                        geo.c_out as isize,
                        1,
                        col.as_ptr(),
                        n as isize,
                        1,
                        T::ONE,
                        T::ONE,
                        false,
                        false,
                        false,
                        par,
                    );
                }
            }
        };

    #[cfg(feature = "rayon")]
    let partials = {
        use rayon::prelude::*;
        let starts: Vec<(usize, usize)> = chunks_of(geo.batch, chunk).collect();
        // One accumulator per fixed run of chunks, summed in order: the result does not
        // depend on how rayon schedules the runs (a `fold` would split where it steals).
        let per_run = n_chunks.div_ceil(threads());
        starts
            .par_chunks(per_run)
            .map(|run| {
                let (mut acc, mut col, mut dy_t) = (vec![T::ZERO; len], Vec::new(), Vec::new());
                for &(b0, nb) in run {
                    accumulate(&mut acc, &mut col, &mut dy_t, b0, nb);
                }
                acc
            })
            .collect::<Vec<Vec<T>>>()
    };
    #[cfg(not(feature = "rayon"))]
    let partials = {
        let (mut acc, mut col, mut dy_t) = (vec![T::ZERO; len], Vec::new(), Vec::new());
        for (b0, nb) in chunks_of(geo.batch, chunk) {
            accumulate(&mut acc, &mut col, &mut dy_t, b0, nb);
        }
        vec![acc]
    };
    sum_transposed(&partials, geo.groups, opg, rows)
}

/// `grad[g][co][r] = sum over parts of part[g][r][co]` (the partials are `rows x opg` per
/// group, the gradient `opg x rows`), added in part order. spillover: in parallel over
/// blocks of 16 output channels, which read one cache line of each partial row at a time
/// (it ran on one thread, writing with a stride of `rows`: ~2 % of a two-thread ResNet step).
fn sum_transposed<T: GemmFloat>(
    partials: &[Vec<T>],
    groups: usize,
    opg: usize,
    rows: usize,
) -> Vec<T> {
    const BLOCK: usize = 16;
    let mut grad = vec![T::ZERO; groups * opg * rows];
    if partials.is_empty() {
        return grad;
    }
    let block = |g: usize, co0: usize, dst: &mut [T]| {
        for r in 0..rows {
            let at = g * opg * rows + r * opg + co0;
            for (k, dst_row) in dst.chunks_exact_mut(rows).enumerate() {
                let mut sum = partials[0][at + k];
                for part in &partials[1..] {
                    sum += part[at + k];
                }
                dst_row[r] = sum;
            }
        }
    };
    for (g, dst) in grad.chunks_mut(opg * rows).enumerate() {
        #[cfg(feature = "rayon")]
        {
            use rayon::prelude::*;
            dst.par_chunks_mut(BLOCK * rows)
                .enumerate()
                .for_each(|(i, dst)| block(g, i * BLOCK, dst));
        }
        #[cfg(not(feature = "rayon"))]
        for (i, dst) in dst.chunks_mut(BLOCK * rows).enumerate() {
            block(g, i * BLOCK, dst);
        }
    }
    grad
}

/// Gradient of conv2d with respect to `x`, `[batch, c_in, in_h, in_w]`.
fn input_grad<T: GemmFloat>(w: &[T], dy: &[T], geo: &Geometry) -> Vec<T> {
    let rows = geo.col_rows();
    let opg = geo.opg();
    let sample = geo.c_in * geo.in_plane();
    let chunk = geo.chunk(threads());
    let n_chunks = geo.batch.div_ceil(chunk);
    let par = inner_parallelism(n_chunks);
    let mut dx = vec![T::ZERO; geo.batch * sample];
    if dx.is_empty() {
        return dx;
    }

    // Computes the input gradient of one chunk of samples into `dx_chunk`.
    let run = |dx_chunk: &mut [T], col: &mut Vec<T>, gather: &mut Vec<T>, b0: usize| {
        let nb = dx_chunk.len() / sample;
        let n = nb * geo.out_plane();
        col.resize(rows * n, T::ZERO);
        let dy_m = grad_matrix(dy, geo, b0, nb, gather);
        for g in 0..geo.groups {
            // col (rows x n) = W[g]^T (rows x opg) * dy_m[g] (opg x n)
            unsafe {
                gemm::gemm(
                    rows,
                    n,
                    opg,
                    col.as_mut_ptr(),
                    1,
                    n as isize,
                    false,
                    w[g * opg * rows..].as_ptr(),
                    rows as isize,
                    1,
                    dy_m[g * opg * n..].as_ptr(),
                    1,
                    n as isize,
                    T::ZERO,
                    T::ONE,
                    false,
                    false,
                    false,
                    par,
                );
            }
            col2im(col, geo, g, nb, dx_chunk);
        }
    };

    for_each_sample_chunk(
        &mut dx,
        sample,
        chunk,
        |dx_chunk, (col, gather): &mut (Vec<T>, Vec<T>), b0| run(dx_chunk, col, gather, b0),
    );
    dx
}

/// conv2d forward, `[batch, c_out, out_h, out_w]`: per group, `Y^T = col^T * W^T`, so
/// gemm writes the NCHW output directly (through a buffer when a chunk holds several
/// samples).
fn forward<T: GemmFloat>(x: &[T], w: &[T], bias: Option<&[T]>, geo: &Geometry) -> Vec<T> {
    let rows = geo.col_rows();
    let opg = geo.opg();
    let plane = geo.out_plane();
    let sample = geo.c_out * plane;
    let chunk = geo.chunk(threads());
    let n_chunks = geo.batch.div_ceil(chunk);
    let par = inner_parallelism(n_chunks);
    let mut y = vec![T::ZERO; geo.batch * sample];
    if y.is_empty() {
        return y;
    }

    let run = |y_chunk: &mut [T], col: &mut Vec<T>, buf: &mut Vec<T>, b0: usize| {
        let nb = y_chunk.len() / sample;
        let n = nb * plane;
        col.resize(rows * n, T::ZERO);
        // With one sample the chunk's output already is the c_out x n matrix.
        let direct = nb == 1;
        if !direct {
            buf.resize(geo.c_out * n, T::ZERO);
        }
        for g in 0..geo.groups {
            im2col(x, geo, g, b0, nb, col);
            let dst = if direct {
                &mut y_chunk[..]
            } else {
                &mut buf[..]
            };
            // dst[g] (opg x n, as n x opg column-major) = W[g] (opg x rows) * col (rows x n)
            unsafe {
                gemm::gemm(
                    n,
                    opg,
                    rows,
                    dst[g * opg * n..].as_mut_ptr(),
                    n as isize,
                    1,
                    false,
                    col.as_ptr(),
                    n as isize,
                    1,
                    w[g * opg * rows..].as_ptr(),
                    rows as isize,
                    1,
                    T::ZERO,
                    T::ONE,
                    false,
                    false,
                    false,
                    par,
                );
            }
        }
        if !direct {
            for bl in 0..nb {
                for co in 0..geo.c_out {
                    y_chunk[bl * sample + co * plane..][..plane]
                        .copy_from_slice(&buf[co * n + bl * plane..][..plane]);
                }
            }
        }
        if let Some(bias) = bias {
            add_bias(y_chunk, bias, plane);
        }
    };

    for_each_sample_chunk(
        &mut y,
        sample,
        chunk,
        |y_chunk, (col, buf): &mut (Vec<T>, Vec<T>), b0| run(y_chunk, col, buf, b0),
    );
    y
}

/// conv2d forward for f32/f64 tensors (any padding, stride, dilation and groups).
pub(crate) fn conv2d<T: GemmFloat>(
    x: FlexTensor,
    weight: FlexTensor,
    bias: Option<FlexTensor>,
    options: &ConvOptions<2>,
    dtype: DType,
) -> FlexTensor {
    let (x, weight) = (x.to_contiguous(), weight.to_contiguous());
    let bias = bias.map(|b| b.to_contiguous());
    let (xs, ws) = (x.layout().shape(), weight.layout().shape());
    let out = |i: usize| {
        let (k, s, p, d) = (
            ws[i + 2],
            options.stride[i],
            options.padding[i],
            options.dilation[i],
        );
        calculate_conv_output_size_asymmetric(k, s, p, d, xs[i + 2])
    };
    let (out_h, out_w) = (out(0), out(1));
    let out_shape = Shape::from(vec![xs[0], ws[0], out_h, out_w]);
    let geo = Geometry::new(xs, ws, &out_shape, options);
    if let (DType::F32, Some(same)) = (dtype, geo.same_3x3()) {
        let mut y = super::conv2d_winograd::conv3x3_same(
            x.storage::<f32>(),
            weight.storage::<f32>(),
            &same,
            false,
            threads(),
        );
        if let Some(bias) = &bias {
            add_bias(&mut y, bias.storage::<f32>(), geo.out_plane());
        }
        return FlexTensor::new(Bytes::from_elems(y), Layout::contiguous(out_shape), dtype);
    }
    let y = forward::<T>(
        x.storage(),
        weight.storage(),
        bias.as_ref().map(|b| b.storage()),
        &geo,
    );
    FlexTensor::new(Bytes::from_elems(y), Layout::contiguous(out_shape), dtype)
}

/// `conv2d_weight_backward` for f32/f64 tensors.
pub(crate) fn conv2d_weight_backward<T: GemmFloat>(
    x: FlexTensor,
    weight: FlexTensor,
    output_grad: FlexTensor,
    options: &ConvOptions<2>,
    dtype: DType,
) -> FlexTensor {
    let (x, dy) = (x.to_contiguous(), output_grad.to_contiguous());
    let w_shape = weight.layout().shape().clone();
    let geo = Geometry::new(x.layout().shape(), &w_shape, dy.layout().shape(), options);
    let grad = weight_grad::<T>(x.storage(), dy.storage(), &geo);
    FlexTensor::new(Bytes::from_elems(grad), Layout::contiguous(w_shape), dtype)
}

/// `conv2d_x_backward` for f32/f64 tensors.
pub(crate) fn conv2d_x_backward<T: GemmFloat>(
    x: FlexTensor,
    weight: FlexTensor,
    output_grad: FlexTensor,
    options: &ConvOptions<2>,
    dtype: DType,
) -> FlexTensor {
    let (weight, dy) = (weight.to_contiguous(), output_grad.to_contiguous());
    let x_shape = x.layout().shape().clone();
    let geo = Geometry::new(
        &x_shape,
        weight.layout().shape(),
        dy.layout().shape(),
        options,
    );
    if let (DType::F32, Some(same)) = (dtype, geo.same_3x3()) {
        let grad = super::conv2d_winograd::conv3x3_same(
            dy.storage::<f32>(),
            weight.storage::<f32>(),
            &same,
            true,
            threads(),
        );
        return FlexTensor::new(Bytes::from_elems(grad), Layout::contiguous(x_shape), dtype);
    }
    let grad = input_grad::<T>(weight.storage(), dy.storage(), &geo);
    FlexTensor::new(Bytes::from_elems(grad), Layout::contiguous(x_shape), dtype)
}

#[cfg(test)]
mod tests {
    use super::Geometry;

    #[test]
    fn valid_ranges_match_brute_force() {
        for out in 0..6 {
            for size in 0..7 {
                for stride in 1..4 {
                    for offset in -4isize..4 {
                        let inside = |o: usize| {
                            let i = (o * stride) as isize + offset;
                            i >= 0 && i < size as isize
                        };
                        let (lo, hi) = Geometry::valid(out, size, stride, offset);
                        for o in 0..out {
                            assert_eq!(
                                inside(o),
                                o >= lo && o < hi,
                                "{out} {size} {stride} {offset} {o}"
                            );
                        }
                    }
                }
            }
        }
    }
}
