//! One 256-byte table applied to every byte of an image, with AVX-512 VBMI where the CPU has
//! it: `vpermi2b` looks up 64 bytes in two 128-byte halves of the table at once.

/// Whether [`apply`] has a vector kernel on this CPU (otherwise callers keep their own
/// arithmetic kernel, faster than a scalar table walk).
pub(crate) fn is_fast() -> bool {
    #[cfg(target_arch = "x86_64")]
    if crate::simd::level() >= crate::simd::Level::Avx512
        && std::arch::is_x86_feature_detected!("avx512vbmi")
    {
        return true;
    }
    false
}

/// Replaces every byte `v` of `data` by `lut[v]`.
pub(crate) fn apply(data: &mut [u8], lut: &[u8; 256]) {
    #[cfg(target_arch = "x86_64")]
    if is_fast() {
        // SAFETY: `is_fast` checked AVX-512 F/BW/VBMI.
        return unsafe { apply_vbmi(data, lut) };
    }
    for v in data {
        *v = lut[*v as usize];
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vbmi")]
unsafe fn apply_vbmi(data: &mut [u8], lut: &[u8; 256]) {
    use std::arch::x86_64::*;
    // SAFETY (loads of the table): four 64-byte unaligned loads inside 256 bytes.
    let quarter = |q: usize| unsafe { _mm512_loadu_si512(lut[64 * q..].as_ptr().cast()) };
    let (t0, t1, t2, t3) = (quarter(0), quarter(1), quarter(2), quarter(3));
    let mut chunks = data.chunks_exact_mut(64);
    for chunk in &mut chunks {
        // SAFETY: `chunk` holds exactly 64 bytes.
        unsafe {
            let idx = _mm512_loadu_si512(chunk.as_ptr().cast());
            // Index bits 0-6 pick a byte of (t0, t1) or (t2, t3); bit 7 picks the pair.
            let low = _mm512_permutex2var_epi8(t0, idx, t1);
            let high = _mm512_permutex2var_epi8(t2, idx, t3);
            let out = _mm512_mask_blend_epi8(_mm512_movepi8_mask(idx), low, high);
            _mm512_storeu_si512(chunk.as_mut_ptr().cast(), out);
        }
    }
    for v in chunks.into_remainder() {
        *v = lut[*v as usize];
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn table_lookup_matches_scalar_on_every_byte_and_tail() {
        let lut: [u8; 256] = std::array::from_fn(|v| (v as u8).wrapping_mul(37).wrapping_add(11));
        let mut data: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 256) as u8).collect();
        let want: Vec<u8> = data.iter().map(|&v| lut[v as usize]).collect();
        super::apply(&mut data, &lut);
        assert_eq!(data, want);
    }
}
