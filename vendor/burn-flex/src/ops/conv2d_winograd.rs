//! Winograd F(2x2, 3x3) for the 3x3, stride-1, "same" (padding 1) convolutions that make
//! up most of a ResNet: 16 gemms of `c_out x c_in` by `c_in x tiles` instead of one of
//! `c_out x 9 c_in` by `c_in x 4 tiles`, i.e. 2.25x fewer multiply-adds, for the forward
//! pass and (with the kernel flipped and transposed) the input gradient. Added by the
//! spillover patch of burn-flex 0.22.1, see `PATCH.md` at the crate root.
//!
//! With `d` a 4x4 input tile, `g` a 3x3 kernel and `Y` the 2x2 output tile (Lavin & Gray,
//! "Fast Algorithms for Convolutional Neural Networks", 2016):
//! `Y = A^T [ (G g G^T) .* (B^T d B) ] A`, summed over input channels inside the gemms.

use alloc::vec;
use alloc::vec::Vec;

/// Elements of one chunk's transformed input (16 x c_in x tiles) to aim for.
const V_BUDGET: usize = 1 << 18;
/// Tiles (gemm columns) per chunk to aim for even above the budget: each chunk's 16 gemms pack
/// all of `U` (16 `c_out x c_in` matrices, 16 MiB at 512 channels), so on 4x4 feature maps (4
/// tiles per sample) chunks of 8 samples spent their time packing `U`. Measured on the 4x4,
/// 512-channel layer (forward + gradients, 1 / 2 threads): 175 / 94 ms with no minimum, 157 /
/// 87 ms with 64, 158 / 86 ms with 256, which however slowed the 8x8 layer by 10 %.
const MIN_COLUMNS: usize = 64;
/// Gap between consecutive ones of the 16 matrices (elements). The transforms touch all 16
/// at once; without a gap their addresses are a multiple of 4 KiB apart, so they compete
/// for the same L1 sets (this made the transforms 10x slower).
const SKEW: usize = 16;

/// Shape of a same-size 3x3 convolution `[batch, c_in, h, w] -> [batch, c_out, h, w]`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Same3x3 {
    pub batch: usize,
    pub c_in: usize,
    pub c_out: usize,
    pub h: usize,
    pub w: usize,
}

impl Same3x3 {
    fn tiles_h(&self) -> usize {
        self.h.div_ceil(2)
    }

    fn tiles_w(&self) -> usize {
        self.w.div_ceil(2)
    }

    fn tiles(&self) -> usize {
        self.tiles_h() * self.tiles_w()
    }

    /// Samples per chunk: within the budget but at least [`MIN_COLUMNS`] tiles, and at least
    /// one chunk per thread.
    fn chunk(&self, threads: usize) -> usize {
        let per_sample = 16 * self.c_in.max(self.c_out) * self.tiles();
        let per_thread = self.batch.div_ceil(threads.max(1)).max(1);
        let for_columns = MIN_COLUMNS.div_ceil(self.tiles().max(1));
        (V_BUDGET / per_sample.max(1))
            .max(for_columns)
            .clamp(1, per_thread)
    }
}

/// `U = G g G^T` for every (c_out, c_in) kernel, as 16 row-major `c_out x c_in` matrices
/// (`w` is `[c_out, c_in, 3, 3]`). The input gradient needs the transform of the flipped,
/// transposed kernel; that is `U` itself, read transposed and with the 4x4 index permuted
/// (see [`flipped`]), so it is never computed.
fn transform_kernels(w: &[f32], c_out: usize, c_in: usize) -> Vec<f32> {
    let plane = c_out * c_in;
    let mut u = vec![0f32; 16 * plane];
    // Row `co` of all 16 matrices, from the contiguous kernels of output channel `co`. Rows
    // are disjoint, so they run in parallel (this was ~10 % of a two-thread ResNet-18 step
    // on one thread: 2.8 M kernels per step). The address travels as an integer.
    let base = u.as_mut_ptr() as usize;
    let fill_row = |co: usize| {
        let u = base as *mut f32;
        for (ci, k) in w[co * c_in * 9..][..c_in * 9].chunks_exact(9).enumerate() {
            // t = G g (4x3), then u = t G^T (4x4); G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1].
            let mut t = [[0f32; 3]; 4];
            for b in 0..3 {
                let (g0, g1, g2) = (k[b], k[3 + b], k[6 + b]);
                t[0][b] = g0;
                t[1][b] = 0.5 * (g0 + g1 + g2);
                t[2][b] = 0.5 * (g0 - g1 + g2);
                t[3][b] = g2;
            }
            for (a, row) in t.iter().enumerate() {
                let v = [
                    row[0],
                    0.5 * (row[0] + row[1] + row[2]),
                    0.5 * (row[0] - row[1] + row[2]),
                    row[2],
                ];
                for (b, val) in v.into_iter().enumerate() {
                    // SAFETY: in bounds (e < 16, co < c_out, ci < c_in); only this row's
                    // task writes row co of each matrix, and `u` outlives the loop.
                    unsafe { *u.add((a * 4 + b) * plane + co * c_in + ci) = val };
                }
            }
        }
    };
    #[cfg(feature = "rayon")]
    if plane >= 4096 {
        use rayon::prelude::*;
        (0..c_out).into_par_iter().for_each(fill_row);
        return u;
    }
    (0..c_out).for_each(fill_row);
    u
}

/// The index into `U` of matrix `e` of the flipped kernel's transform. Reversing the columns
/// of `G` swaps its rows 0 and 3 (`G J = P G`), so `G (J g J) G^T = P (G g G^T) P`: entry
/// `(a, b)` of the flipped transform is entry `(p(a), p(b))` of `U`.
fn flipped(e: usize) -> usize {
    const P: [usize; 4] = [3, 1, 2, 0];
    P[e / 4] * 4 + P[e % 4]
}

/// `B^T d B` of every 4x4 tile of samples `b0..b0 + nb`: `v` becomes 16 row-major
/// `c x (nb * tiles)` matrices, `c * nb * tiles + SKEW` elements apart. Each row of tiles is
/// transformed as whole rows, vertically then horizontally on even/odd columns, so that
/// every loop runs over contiguous memory and vectorizes. `scratch` is reused.
fn transform_input(
    x: &[f32],
    s: &Same3x3,
    c: usize,
    b0: usize,
    nb: usize,
    v: &mut [f32],
    scratch: &mut Vec<f32>,
) {
    let (th, tw) = (s.tiles_h(), s.tiles_w());
    // Zero-bordered plane: one row/column of padding before, one or two after.
    let (ph, pw) = (2 * th + 2, 2 * tw + 2);
    let half = tw + 1;
    let p_total = nb * th * tw;
    let stride = c * p_total + SKEW;
    scratch.clear();
    scratch.resize(ph * pw + 4 * pw + 8 * half, 0.0);
    let (pad, rest) = scratch.split_at_mut(ph * pw);
    let (t, eo) = rest.split_at_mut(4 * pw);
    for bl in 0..nb {
        for ch in 0..c {
            let plane = &x[((b0 + bl) * c + ch) * s.h * s.w..][..s.h * s.w];
            for (r, row) in plane.chunks_exact(s.w).enumerate() {
                pad[(r + 1) * pw + 1..][..s.w].copy_from_slice(row);
            }
            for i in 0..th {
                let d = |r: usize| &pad[(2 * i + r) * pw..][..pw];
                let (d0, d1, d2, d3) = (d(0), d(1), d(2), d(3));
                // Vertical: t = B^T d, B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1].
                let (t0, t123) = t.split_at_mut(pw);
                let (t1, t23) = t123.split_at_mut(pw);
                let (t2, t3) = t23.split_at_mut(pw);
                for q in 0..pw {
                    t0[q] = d0[q] - d2[q];
                    t1[q] = d1[q] + d2[q];
                    t2[q] = d2[q] - d1[q];
                    t3[q] = d1[q] - d3[q];
                }
                let p0 = (bl * th + i) * tw;
                for a in 0..4 {
                    let row = &t[a * pw..][..pw];
                    let (even, odd) = eo[2 * a * half..][..2 * half].split_at_mut(half);
                    for k in 0..half {
                        even[k] = row[2 * k];
                        odd[k] = row[2 * k + 1];
                    }
                    let (even, odd) = (&*even, &*odd);
                    // Horizontal on tile j: columns 2j..2j+4 = even[j], odd[j], even[j+1], odd[j+1].
                    let out = |b: usize| (a * 4 + b) * stride + ch * p_total + p0;
                    let o = &mut v[out(0)..][..tw];
                    for j in 0..tw {
                        o[j] = even[j] - even[j + 1];
                    }
                    let o = &mut v[out(1)..][..tw];
                    for j in 0..tw {
                        o[j] = odd[j] + even[j + 1];
                    }
                    let o = &mut v[out(2)..][..tw];
                    for j in 0..tw {
                        o[j] = even[j + 1] - odd[j];
                    }
                    let o = &mut v[out(3)..][..tw];
                    for j in 0..tw {
                        o[j] = odd[j] - odd[j + 1];
                    }
                }
            }
        }
    }
}

/// `A^T m A` of every tile: writes samples `0..nb` of `y` (`[nb, c, h, w]`) from the 16
/// row-major `c x (nb * tiles)` matrices in `m`, laid out as [`transform_input`]'s; like
/// it, whole rows of tiles at a time.
fn transform_output(
    m: &[f32],
    s: &Same3x3,
    c: usize,
    nb: usize,
    y: &mut [f32],
    scratch: &mut Vec<f32>,
) {
    let (th, tw) = (s.tiles_h(), s.tiles_w());
    let p_total = nb * th * tw;
    let stride = c * p_total + SKEW;
    scratch.clear();
    scratch.resize(10 * tw, 0.0);
    let (sums, pair) = scratch.split_at_mut(8 * tw);
    let (even, odd) = pair.split_at_mut(tw);
    for bl in 0..nb {
        for ch in 0..c {
            let plane = &mut y[(bl * c + ch) * s.h * s.w..][..s.h * s.w];
            for i in 0..th {
                let p0 = (bl * th + i) * tw;
                let mat = |e: usize| &m[e * stride + ch * p_total + p0..][..tw];
                // Vertical: A^T = [1 1 1 0; 0 1 -1 -1]; sums[r * 4 + b] is row r of A^T m.
                for b in 0..4 {
                    let (m0, m1, m2, m3) = (mat(b), mat(4 + b), mat(8 + b), mat(12 + b));
                    let (s0, s1) = sums.split_at_mut(4 * tw);
                    let (s0, s1) = (&mut s0[b * tw..][..tw], &mut s1[b * tw..][..tw]);
                    for j in 0..tw {
                        s0[j] = m0[j] + m1[j] + m2[j];
                        s1[j] = m1[j] - m2[j] - m3[j];
                    }
                }
                for r in 0..2 {
                    let yr = 2 * i + r;
                    if yr >= s.h {
                        break;
                    }
                    let row = |b: usize| &sums[(r * 4 + b) * tw..][..tw];
                    let (a0, a1, a2, a3) = (row(0), row(1), row(2), row(3));
                    for j in 0..tw {
                        even[j] = a0[j] + a1[j] + a2[j];
                        odd[j] = a1[j] - a2[j] - a3[j];
                    }
                    let out = &mut plane[yr * s.w..][..s.w];
                    for (q, val) in out.iter_mut().enumerate() {
                        *val = if q % 2 == 0 { even[q / 2] } else { odd[q / 2] };
                    }
                }
            }
        }
    }
}

/// The same-size 3x3 convolution of `x` (`[batch, c_in, h, w]`) by `w` (`[c_out, c_in, 3,
/// 3]`), or with `input_grad` the gradient with respect to the input of that convolution
/// for the output gradient `x` (`[batch, c_out, h, w]`; the result is `[batch, c_in, h, w]`).
pub(crate) fn conv3x3_same(
    x: &[f32],
    w: &[f32],
    s: &Same3x3,
    input_grad: bool,
    threads: usize,
) -> Vec<f32> {
    let u = transform_kernels(w, s.c_out, s.c_in);
    let plane = s.c_out * s.c_in;
    // The gemms map `c_src` channels in to `c_dst` channels out. Their left operand is U[e]
    // (`c_out x c_in`, row-major) forward, and U[flipped(e)] read transposed (`c_in x
    // c_out`) for the input gradient: (column stride, row stride).
    let (c_src, c_dst, lhs_strides) = if input_grad {
        (s.c_out, s.c_in, (s.c_in as isize, 1))
    } else {
        (s.c_in, s.c_out, (1, s.c_in as isize))
    };
    let lhs_matrix = |e: usize| if input_grad { flipped(e) } else { e };
    let out_sample = c_dst * s.h * s.w;
    let mut y = vec![0f32; s.batch * out_sample];
    if y.is_empty() {
        return y;
    }
    let chunk = s.chunk(threads);
    let n_chunks = s.batch.div_ceil(chunk);
    let par = super::conv2d_gemm::inner_parallelism(n_chunks);
    let run = |y_chunk: &mut [f32], (v, m, pad): &mut (Vec<f32>, Vec<f32>, Vec<f32>), b0: usize| {
        let nb = y_chunk.len() / out_sample;
        let p = nb * s.tiles();
        let (v_stride, m_stride) = (c_src * p + SKEW, c_dst * p + SKEW);
        v.resize(16 * v_stride, 0.0);
        m.resize(16 * m_stride, 0.0);
        transform_input(x, s, c_src, b0, nb, v, pad);
        for e in 0..16 {
            // m[e] (c_dst x p) = u[e] (c_dst x c_src) * v[e] (c_src x p)
            unsafe {
                gemm::gemm(
                    c_dst,
                    p,
                    c_src,
                    m[e * m_stride..].as_mut_ptr(),
                    1,
                    p as isize,
                    false,
                    u[lhs_matrix(e) * plane..].as_ptr(),
                    lhs_strides.0,
                    lhs_strides.1,
                    v[e * v_stride..].as_ptr(),
                    1,
                    p as isize,
                    0.0,
                    1.0,
                    false,
                    false,
                    false,
                    par,
                );
            }
        }
        transform_output(m, s, c_dst, nb, y_chunk, pad);
    };
    super::conv2d_gemm::for_each_sample_chunk(&mut y, out_sample, chunk, run);
    y
}
