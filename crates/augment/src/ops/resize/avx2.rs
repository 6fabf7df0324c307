//! The horizontal resampling pass with AVX2 intrinsics, straight from interleaved RGB rows.
//!
//! Per output pixel, 16 input bytes (pixels `k..k+5`) are broadcast to both 128-bit lanes;
//! `vpshufb` widens pixels `k, k+1` (low lane) and `k+2, k+3` (high lane) to i16 pairs
//! `[r_k, r_k+1, g_k, g_k+1, b_k, b_k+1, 0, 0]`, and `vpmaddwd` with the matching weight pairs
//! adds four taps into i32 `[r, g, b, 0]` sums. Two rows share each weight load. Integer sums do
//! not depend on their order, so the result equals the portable pass bit for bit (zero
//! weights pad every output to the same number of four-tap groups).

use super::{Rows, Taps};
use std::arch::x86_64::*;

/// Taps per group: one `vpmaddwd` of a 256-bit vector.
const GROUP: usize = 4;

/// `vpshufb` pattern: low lane pixels 0 and 1, high lane pixels 2 and 3, as i16 pairs per channel.
const WIDEN: [i8; 32] = [
    0, -1, 3, -1, 1, -1, 4, -1, 2, -1, 5, -1, -1, -1, -1, -1, //
    6, -1, 9, -1, 7, -1, 10, -1, 8, -1, 11, -1, -1, -1, -1, -1,
];

/// The taps of one pass laid out for the kernel.
struct Plan {
    /// Byte offset in the row of each output's first input pixel.
    offsets: Vec<usize>,
    /// `groups` weight vectors per output, matching [`WIDEN`].
    weights: Vec<[i16; 16]>,
    /// Bytes a row must hold (from its start) for every load to stay inside it.
    reach: usize,
}

fn plan(t: &Taps, out_w: usize, groups: usize) -> Plan {
    let mut weights = vec![[0i16; 16]; out_w * groups];
    for o in 0..out_w {
        let ws = &t.weights[o * t.ksize..o * t.ksize + t.len[o]];
        for (k, &w) in ws.iter().enumerate() {
            // The precision is chosen so that every weight fits an i16.
            let lane = &mut weights[o * groups + k / GROUP][8 * ((k % GROUP) / 2)..];
            for c in 0..3 {
                lane[2 * c + k % 2] = w as i16;
            }
        }
    }
    let offsets: Vec<usize> = t.start[..out_w].iter().map(|&s| 3 * s).collect();
    let reach = offsets
        .iter()
        .max()
        .map_or(0, |&o| o + 3 * GROUP * (groups - 1) + 16);
    Plan {
        offsets,
        weights,
        reach,
    }
}

/// Resamples `input` horizontally into `mid` (`out_w` pixels per row).
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn horizontal_pass(input: &Rows, t: &Taps, out_w: usize, mid: &mut [u8]) {
    let &Rows {
        raw,
        stride,
        row_lo,
        rows,
        ..
    } = input;
    if out_w == 0 || rows == 0 {
        return;
    }
    let groups = t.len[..out_w]
        .iter()
        .max()
        .map_or(1, |&l| l.div_ceil(GROUP));
    let plan = plan(t, out_w, groups);
    let line = 3 * out_w;
    // Rows too close to the end of `raw` for the loads are copied into a padded buffer first.
    let mut padded = Vec::new();
    let mut row_at = |r: usize, slot: usize| -> *const u8 {
        let start = (row_lo + r) * stride;
        if start + plan.reach <= raw.len() {
            return raw[start..].as_ptr();
        }
        let pad = plan.reach.max(stride);
        padded.resize(2 * pad, 0);
        let have = (raw.len() - start).min(pad);
        padded[slot * pad..slot * pad + have].copy_from_slice(&raw[start..start + have]);
        padded[slot * pad..].as_ptr()
    };
    for r in (0..rows).step_by(2) {
        // An odd last row is paired with itself and stored once.
        let r2 = (r + 1).min(rows - 1);
        let (a, b) = (row_at(r, 0), row_at(r2, 1));
        let (dst_a, dst_b) = mid[r * line..].split_at_mut(line);
        let dst_b = if r2 == r {
            None
        } else {
            Some(&mut dst_b[..line])
        };
        // SAFETY: AVX2 is enabled for this function; `a` and `b` hold `plan.reach` bytes.
        unsafe {
            match groups {
                1 => two_rows::<1>(a, b, &plan, t.precision, dst_a, dst_b),
                2 => two_rows::<2>(a, b, &plan, t.precision, dst_a, dst_b),
                3 => two_rows::<3>(a, b, &plan, t.precision, dst_a, dst_b),
                _ => two_rows_any(a, b, &plan, groups, t.precision, dst_a, dst_b),
            }
        }
    }
}

/// Two rows through [`two_rows_any`] with the group count known at compile time.
#[target_feature(enable = "avx2")]
unsafe fn two_rows<const G: usize>(
    a: *const u8,
    b: *const u8,
    plan: &Plan,
    precision: u32,
    dst_a: &mut [u8],
    dst_b: Option<&mut [u8]>,
) {
    // SAFETY: forwarded from the caller.
    unsafe { two_rows_any(a, b, plan, G, precision, dst_a, dst_b) }
}

/// # Safety
/// AVX2; `a` and `b` must be readable for `plan.reach` bytes.
#[inline(always)]
unsafe fn two_rows_any(
    a: *const u8,
    b: *const u8,
    plan: &Plan,
    groups: usize,
    precision: u32,
    dst_a: &mut [u8],
    dst_b: Option<&mut [u8]>,
) {
    // SAFETY (whole body): loads stay within `plan.reach` bytes of `a`/`b` and within
    // `plan.weights` (`groups` per output); stores stay within the `3 * out_w` bytes of each
    // destination row (asserted), the 4-byte ones only where a later pixel follows.
    unsafe {
        let widen = _mm256_loadu_si256(WIDEN.as_ptr().cast());
        let half = _mm256_set1_epi32(1 << (precision - 1));
        let shift = _mm_cvtsi32_si128(precision as i32);
        let out_w = plan.offsets.len();
        assert!(dst_a.len() >= 3 * out_w && dst_b.as_ref().is_none_or(|d| d.len() >= 3 * out_w));
        let (pa, pb) = (dst_a.as_mut_ptr(), dst_b.map(|d| d.as_mut_ptr()));
        let mut w = plan.weights.as_ptr();
        for (o, &off) in plan.offsets.iter().enumerate() {
            let mut acc_a = _mm256_setzero_si256();
            let mut acc_b = _mm256_setzero_si256();
            for g in 0..groups {
                let wv = _mm256_loadu_si256(w.cast());
                w = w.add(1);
                let at = off + 3 * GROUP * g;
                let xa = _mm256_broadcastsi128_si256(_mm_loadu_si128(a.add(at).cast()));
                let xb = _mm256_broadcastsi128_si256(_mm_loadu_si128(b.add(at).cast()));
                acc_a =
                    _mm256_add_epi32(acc_a, _mm256_madd_epi16(_mm256_shuffle_epi8(xa, widen), wv));
                acc_b =
                    _mm256_add_epi32(acc_b, _mm256_madd_epi16(_mm256_shuffle_epi8(xb, widen), wv));
            }
            // Low lane: row a's [r, g, b, 0]; high lane: row b's.
            let sum = _mm256_add_epi32(
                _mm256_permute2x128_si256::<0x20>(acc_a, acc_b),
                _mm256_permute2x128_si256::<0x31>(acc_a, acc_b),
            );
            let value = _mm256_sra_epi32(_mm256_add_epi32(sum, half), shift);
            // Saturating packs clamp to [0, 255], as `finish` does.
            let packed = _mm256_packs_epi32(value, value);
            let bytes = _mm256_packus_epi16(packed, packed);
            let ra = _mm256_cvtsi256_si32(bytes) as u32;
            let rb = _mm256_extract_epi32::<4>(bytes) as u32;
            if o + 1 < out_w {
                pa.add(3 * o).cast::<u32>().write_unaligned(ra);
                if let Some(pb) = pb {
                    pb.add(3 * o).cast::<u32>().write_unaligned(rb);
                }
            } else {
                // The row's last pixel: exactly three bytes.
                std::ptr::copy_nonoverlapping(ra.to_le_bytes().as_ptr(), pa.add(3 * o), 3);
                if let Some(pb) = pb {
                    std::ptr::copy_nonoverlapping(rb.to_le_bytes().as_ptr(), pb.add(3 * o), 3);
                }
            }
        }
    }
}
