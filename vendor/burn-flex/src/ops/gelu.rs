//! GELU and its gradient for f32 with a branch-free erf, so that the loops vectorize. Added
//! by the spillover patch of burn-flex 0.22.1, see `PATCH.md` at the crate root.
//!
//! Upstream calls `libm::erff` (and `expf` in the gradient) per element: scalar code with
//! branches, about 8 % of a ViT training step. Here `1 + erf(z)` is
//!
//! - `1 + z + z * P(z^2)` for `|z| < 1`,
//! - `exp(Q(|z| - 2.5) - z^2)` (that is, `erfc(|z|)`) for `z <= -1`, and `2 - ` that for
//!   `z >= 1`; `erfc(|z|)` is below half an f32 ulp of 1 from `|z| = 4` on, where it is 0,
//!
//! with both branches computed and one selected, and `exp` by range reduction to
//! `[-ln 2 / 2, ln 2 / 2]`, a degree-7 Taylor polynomial and exponent bits. `P` and `Q` are
//! Chebyshev interpolants (degree 6 in `z^2` on `[0, 1]`, degree 8 on `[1, 4]`) of
//! `erf(z) / z - 1` and `ln(erfc(a)) + a^2`, fitted for this patch in f64 against libm.
//! Horner steps are fused multiply-adds (`f32::mul_add`, one rounding), so results are the
//! same on every target; on CPUs without FMA (x86 before Haswell, wasm) `mul_add` is a
//! software routine and these kernels are several times slower. Measured over every 101st
//! f32 in `(0, 6)`: `erf` within 1.05 ulp of the correctly rounded value (1.23 with separate
//! multiplies and adds; libm's `erff`: 0.91 ulp), `exp` within 7e-8 relative; and
//! `1 + erf(z)` for negative `z` to 1.5e-6 relative, where `1 + erff(z)` loses all digits
//! below `z = -3.5`.

use core::f32::consts::{FRAC_1_SQRT_2, LOG2_E};

/// `erf(z) = z + z * P(z^2)` for `|z| < 1`, coefficients from `z^0` up.
const ERF_SMALL: [f32; 7] = [
    0.128_379_17,
    -0.376_126_26,
    0.112_835_94,
    -0.026_854_211,
    0.005_189_087_2,
    -0.000_801_686_43,
    7.875_875_6e-5,
];

/// `ln(erfc(a)) = Q(a - 2.5) - a^2` for `1 <= a <= 4`, coefficients from `(a - 2.5)^0` up.
const ERFC_LOG: [f32; 9] = [
    -1.556_815_3,
    -0.352_680_68,
    0.056_106_295,
    -0.010_858_541,
    0.002_165_303_6,
    -0.000_420_122_52,
    7.729_138e-5,
    -1.331_501_4e-5,
    1.637_151_4e-6,
];

/// `1 / sqrt(2 pi)`, the standard normal density at 0.
const INV_SQRT_2PI: f32 = 0.398_942_28;

#[inline(always)]
fn horner<const N: usize>(coefficients: &[f32; N], s: f32) -> f32 {
    let mut acc = coefficients[N - 1];
    for &c in coefficients[..N - 1].iter().rev() {
        acc = acc.mul_add(s, c);
    }
    acc
}

/// `exp(x)` for `x <= 0` (all GELU needs): 0 below `-87.3`, where f32 goes subnormal.
#[inline(always)]
fn exp_nonpositive(x: f32) -> f32 {
    // 1.5 * 2^23: adding and subtracting it rounds to the nearest integer (SSE2 has no
    // vector round, so `f32::round` would not vectorize).
    const ROUND: f32 = 12_582_912.0;
    // ln 2 split so that `n * LN2_HI` is exact for |n| < 2^8.
    const LN2_HI: f32 = 0.693_145_75;
    const LN2_LO: f32 = 1.428_606_8e-6;
    const TAYLOR: [f32; 8] = [
        1.0,
        1.0,
        1.0 / 2.0,
        1.0 / 6.0,
        1.0 / 24.0,
        1.0 / 120.0,
        1.0 / 720.0,
        1.0 / 5040.0,
    ];
    let clamped = x.max(-87.3);
    let shifted = clamped * LOG2_E + ROUND;
    let n = shifted - ROUND;
    let r = (clamped - n * LN2_HI) - n * LN2_LO;
    // `n` read from the bits of `shifted` (whose ulp is 1, so its low bits hold `n` over
    // those of ROUND) rather than by `n as i32`: Rust's saturating float-to-int cast is
    // scalarised by LLVM (one convert, two compares and moves per lane): 7.5 vs 4.8 ms for
    // the forward on 3.2 M elements, one thread.
    let n_int = shifted.to_bits().wrapping_sub(ROUND.to_bits()) as i32;
    let scale = f32::from_bits(((n_int + 127) as u32) << 23);
    let e = horner(&TAYLOR, r) * scale;
    if x < -87.3 { 0.0 } else { e }
}

/// `erf(z)` for `|z| < 1`.
#[inline(always)]
fn erf_small(z: f32) -> f32 {
    z * horner(&ERF_SMALL, z * z) + z
}

/// `erfc(a)` for `a >= 1`; 0 from 4 on.
#[inline(always)]
fn erfc_tail(a: f32) -> f32 {
    let a_fit = a.min(4.0);
    let tail = exp_nonpositive(horner(&ERFC_LOG, a_fit - 2.5) - a_fit * a_fit);
    if a >= 4.0 { 0.0 } else { tail }
}

/// `1 + erf(z)`, accurate in relative terms also where it is tiny (`z` very negative).
/// Both branches are computed and one selected, so that loops over it vectorize.
#[inline(always)]
fn one_plus_erf(z: f32) -> f32 {
    let a = z.abs();
    let tail = erfc_tail(a);
    let large = if z < 0.0 { tail } else { 2.0 - tail };
    if a < 1.0 { 1.0 + erf_small(z) } else { large }
}

/// `gelu(x) = x / 2 * (1 + erf(x / sqrt 2))`; NaN stays NaN (through the factor `x`).
#[inline(always)]
pub(crate) fn gelu_f32(x: f32) -> f32 {
    0.5 * x * one_plus_erf(x * FRAC_1_SQRT_2)
}

/// `grad * gelu'(x)`, with `gelu'(x) = (1 + erf(x / sqrt 2)) / 2 + x * phi(x)`.
#[inline(always)]
pub(crate) fn gelu_grad_f32(x: f32, grad: f32) -> f32 {
    let cdf = 0.5 * one_plus_erf(x * FRAC_1_SQRT_2);
    let pdf = INV_SQRT_2PI * exp_nonpositive(-0.5 * x * x);
    grad * (cdf + x * pdf)
}

/// Elements per rayon task: enough to amortize the SIMD dispatch and task overhead.
const CHUNK: usize = 1 << 15;

/// `out[i] = gelu(x[i])`, compiled for the best SIMD level the CPU has.
#[allow(clippy::extra_unused_type_parameters)]
#[cfg_attr(feature = "simd", macerator::with_simd)]
fn gelu_seq<#[cfg(feature = "simd")] S: macerator::Simd>(x: &[f32], out: &mut [f32]) {
    update_unrolled(x, out, |v, _| gelu_f32(v));
}

/// `grad[i] = grad[i] * gelu'(x[i])`, compiled for the best SIMD level the CPU has.
#[allow(clippy::extra_unused_type_parameters)]
#[cfg_attr(feature = "simd", macerator::with_simd)]
fn gelu_grad_in_place_seq<#[cfg(feature = "simd")] S: macerator::Simd>(
    x: &[f32],
    grad: &mut [f32],
) {
    update_unrolled(x, grad, gelu_grad_f32);
}

/// Lanes of one vector group in [`update_unrolled`] (an AVX-512 vector of f32).
const GROUP: usize = 16;

/// Elements per step of [`update_unrolled`]: four groups.
const UNROLL: usize = 4 * GROUP;

/// `out[i] = f(x[i], out[i])`, four independent vector groups per step. The kernels are long
/// chains of dependent multiplies and adds; vectorized one vector per iteration (what LLVM
/// does with a plain loop, even a fixed block of 64), the core waits on each chain's latency.
/// Written as four statements per lane, the groups become four vectors in one loop body
/// whose chains overlap. Same arithmetic per element, so the same results.
#[inline(always)]
fn update_unrolled(x: &[f32], out: &mut [f32], f: impl Fn(f32, f32) -> f32) {
    let mut blocks = out.chunks_exact_mut(UNROLL);
    let mut inputs = x.chunks_exact(UNROLL);
    for (o, v) in (&mut blocks).zip(&mut inputs) {
        for j in 0..GROUP {
            o[j] = f(v[j], o[j]);
            o[j + GROUP] = f(v[j + GROUP], o[j + GROUP]);
            o[j + 2 * GROUP] = f(v[j + 2 * GROUP], o[j + 2 * GROUP]);
            o[j + 3 * GROUP] = f(v[j + 3 * GROUP], o[j + 3 * GROUP]);
        }
    }
    for (o, &v) in blocks.into_remainder().iter_mut().zip(inputs.remainder()) {
        *o = f(v, *o);
    }
}

/// Runs `kernel(x chunk, out chunk)` over equal-length slices, in parallel chunks.
fn chunked(x: &[f32], out: &mut [f32], kernel: impl Fn(&[f32], &mut [f32]) + Send + Sync) {
    assert_eq!(x.len(), out.len(), "gelu: operand sizes differ");
    #[cfg(feature = "rayon")]
    {
        use rayon::prelude::*;
        out.par_chunks_mut(CHUNK)
            .zip(x.par_chunks(CHUNK))
            .for_each(|(o, v)| kernel(v, o));
    }
    #[cfg(not(feature = "rayon"))]
    out.chunks_mut(CHUNK)
        .zip(x.chunks(CHUNK))
        .for_each(|(o, v)| kernel(v, o));
}

/// `out = gelu(x)`.
pub(crate) fn gelu(x: &[f32], out: &mut [f32]) {
    chunked(x, out, gelu_seq);
}

/// `grad *= gelu'(x)`.
pub(crate) fn gelu_grad_in_place(x: &[f32], grad: &mut [f32]) {
    chunked(x, grad, gelu_grad_in_place_seq);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in f32 ulps of `got` from the f64 value `want`.
    fn ulps(got: f32, want: f64) -> f64 {
        let rounded = want as f32;
        let ulp = f32::from_bits(rounded.abs().to_bits() + 1) - rounded.abs();
        (got as f64 - want).abs() / ulp as f64
    }

    #[test]
    fn erf_within_about_one_ulp_of_libm_f64() {
        let mut worst = 0.0f64;
        let mut z = 1e-6f32;
        while z < 6.0 {
            for s in [z, -z] {
                let got = if z < 1.0 {
                    erf_small(s)
                } else {
                    (1.0 - erfc_tail(z)).copysign(s)
                };
                worst = worst.max(ulps(got, libm::erf(s as f64)));
            }
            z = f32::from_bits(z.to_bits() + 101);
        }
        assert!(worst < 1.3, "erf off by {worst} ulp");
    }

    #[test]
    fn one_plus_erf_relative_error_and_exp() {
        let mut z = -5.5f32;
        while z < 5.5 {
            let want = libm::erfc(-z as f64);
            let got = one_plus_erf(z) as f64;
            let tol = 2e-6 * want + 1e-7;
            assert!(
                (got - want).abs() <= tol,
                "1 + erf({z}) = {got}, want {want}"
            );
            z += 1.3e-3;
        }
        let mut x = -87.0f32;
        while x <= 0.0 {
            let want = libm::exp(x as f64);
            let got = exp_nonpositive(x) as f64;
            assert!(
                (got - want).abs() <= 1.2e-7 * want,
                "exp({x}) = {got}, want {want}"
            );
            x += 7.1e-3;
        }
        assert_eq!(exp_nonpositive(-100.0), 0.0);
        assert!(gelu_f32(f32::NAN).is_nan());
        assert!(gelu_grad_f32(f32::NAN, 1.0).is_nan());
        assert_eq!(gelu_f32(-20.0), 0.0);
        assert_eq!(gelu_f32(20.0), 20.0);
    }
}
