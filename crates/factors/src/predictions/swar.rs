//! Eight bytes at a time ("SIMD within a register") for the digit runs of prediction files:
//! every row has an 8-digit ImageNet file number and a ~17-digit probability.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// High bit set in every byte of `v` that is not an ASCII digit.
#[inline]
fn non_digits(v: u64) -> u64 {
    let x = v ^ (0x30 * ONES); // digits become 0..=9
    // x < 10 per byte: adding 0x76 sets the high bit from 10 up; masking first avoids carries.
    (((x & !HIGH).wrapping_add(0x76 * ONES)) | x) & HIGH
}

/// Length of the run of ASCII digits at the start of `s`.
#[inline]
pub(crate) fn digit_run(s: &[u8]) -> usize {
    let mut i = 0;
    while let Some(chunk) = s.get(i..i + 8) {
        let mask = non_digits(u64::from_le_bytes(chunk.try_into().unwrap_or_default()));
        if mask != 0 {
            return i + (mask.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i + s[i..]
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(s.len() - i)
}

/// The value of exactly eight ASCII digits, or `None` if any byte is not a digit.
#[inline]
pub(crate) fn eight_digits(b: &[u8; 8]) -> Option<u32> {
    let v = u64::from_le_bytes(*b);
    if non_digits(v) != 0 {
        return None;
    }
    // Byte 0 is the most significant digit. Combine neighbours: pairs, then quads, then all 8;
    // every partial value fits its lane, so no carry crosses lanes.
    let mut x = v - 0x30 * ONES;
    x = (x.wrapping_mul(10) + (x >> 8)) & 0x00FF_00FF_00FF_00FF;
    x = (x.wrapping_mul(100) + (x >> 16)) & 0x0000_FFFF_0000_FFFF;
    x = (x.wrapping_mul(10_000) + (x >> 32)) & 0xFFFF_FFFF;
    Some(x as u32)
}

/// The run of ASCII digits at the start of `word` (8 bytes, little-endian: byte 0 first):
/// its length and, when it has 1 to 8 digits, its value. Branch-free, for fields such as the
/// class index whose length varies from row to row (a loop would mispredict its exit).
#[inline]
pub(crate) fn leading_number(word: u64) -> (usize, u32) {
    let digits = (non_digits(word).trailing_zeros() / 8) as usize;
    if digits == 0 {
        return (0, 0);
    }
    // Move the digits to the high (least significant) end and pad the front with '0'.
    let shifted = word << (8 * (8 - digits));
    let padding = (0x30 * ONES).checked_shr(8 * digits as u32).unwrap_or(0);
    let padded = (shifted | padding).to_le_bytes();
    (digits, eight_digits(&padded).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_runs_match_the_scalar_definition() {
        let bytes: Vec<u8> = (0u8..=255).collect();
        for len in 0..20 {
            for &other in &bytes {
                for pos in 0..=len {
                    let mut s = vec![b'7'; len];
                    if pos < len {
                        s[pos] = other;
                    }
                    let expected = s.iter().position(|b| !b.is_ascii_digit()).unwrap_or(len);
                    assert_eq!(digit_run(&s), expected, "{s:?}");
                }
            }
        }
    }

    #[test]
    fn leading_numbers_match_the_scalar_definition() {
        for text in [
            "0,1", "7,0.5", "42,", "999,x", "12345,9", "1234567,", "12345678", "x1", ",", "00012,",
        ] {
            let mut bytes = [b'.'; 8];
            let n = text.len().min(8);
            bytes[..n].copy_from_slice(&text.as_bytes()[..n]);
            let run = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
            let value = std::str::from_utf8(&bytes[..run])
                .unwrap()
                .parse()
                .unwrap_or(0);
            assert_eq!(
                leading_number(u64::from_le_bytes(bytes)),
                (run, value),
                "{text}"
            );
        }
    }

    #[test]
    fn eight_digits_parse_or_refuse() {
        assert_eq!(eight_digits(b"00004487"), Some(4487));
        assert_eq!(eight_digits(b"99999999"), Some(99_999_999));
        assert_eq!(eight_digits(b"12345678"), Some(12_345_678));
        for bad in [
            b"0000448x",
            b"/0000000",
            b":0000000",
            b"0000 000",
            b"\xb0\xb0\xb0\xb0\xb0\xb0\xb0\xb0",
        ] {
            assert_eq!(eight_digits(bad), None, "{bad:?}");
        }
        for k in (0..100_000_000u32).step_by(9_973) {
            let text = format!("{k:08}");
            assert_eq!(eight_digits(text.as_bytes().try_into().unwrap()), Some(k));
        }
    }
}
