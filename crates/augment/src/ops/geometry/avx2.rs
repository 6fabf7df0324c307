//! Horizontal flip with `pshufb`: five pixels (15 bytes) reversed per shuffle.

use std::arch::x86_64::*;

/// Pixels per shuffle.
const STEP: usize = 5;

/// Reverses pixels `0..5` of 16 bytes (byte 15 is left as zero).
const REVERSE5: [i8; 16] = [12, 13, 14, 9, 10, 11, 6, 7, 8, 3, 4, 5, 0, 1, 2, -1];

/// Reverses the pixel order of every row of `width` RGB pixels in `data`.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn mirror_rows(data: &mut [u8], width: usize) {
    let line = 3 * width;
    // A copy of the row with one spare byte, so every 16-byte load stays inside it.
    let mut src = vec![0u8; line + 1];
    // SAFETY: a 16-byte unaligned load of a 16-byte array.
    let reverse = unsafe { _mm_loadu_si128(REVERSE5.as_ptr().cast()) };
    for row in data.chunks_exact_mut(line) {
        src[..line].copy_from_slice(row);
        let mut i = 0;
        // Destination pixels i..i+5 are source pixels width-i-5..width-i, reversed. The
        // 16-byte store spills one byte into pixel i+5, written by the next step; so stop
        // while a whole step plus that byte still fits.
        while i + STEP < width {
            // SAFETY: the load reads bytes 3(width-i-5)..3(width-i)+1 <= line + 1 of `src`;
            // the store writes bytes 3i..3i+16 <= 3(i+5)+1 <= line of the row.
            unsafe {
                let px = _mm_loadu_si128(src.as_ptr().add(3 * (width - i - STEP)).cast());
                let out = _mm_shuffle_epi8(px, reverse);
                _mm_storeu_si128(row.as_mut_ptr().add(3 * i).cast(), out);
            }
            i += STEP;
        }
        for j in i..width {
            let from = 3 * (width - 1 - j);
            row[3 * j..3 * j + 3].copy_from_slice(&src[from..from + 3]);
        }
    }
}
