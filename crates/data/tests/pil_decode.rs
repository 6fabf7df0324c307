//! The decoder against Pillow's own output (`Image.open(f).convert("RGB")`) on committed
//! fixtures made by `tests/fixtures/make_fixtures.py`: a YCbCr 4:2:0 JPEG, an Adobe CMYK JPEG
//! (stored inverted, as Photoshop and Pillow write them), a grayscale JPEG and a PNG named
//! `.JPEG`. JPEG decoders may differ by rounding in the IDCT and chroma upsampling, so JPEGs
//! are compared within a small tolerance; the PNG must match exactly.

use spillover_data::decode::decode_rgb;
use std::path::Path;

fn fixture(name: &str) -> (Vec<u8>, u32, u32, Vec<u8>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let bytes = std::fs::read(dir.join(name)).unwrap();
    let oracle = std::fs::read(dir.join(format!("{name}.rgb"))).unwrap();
    let w = u32::from_le_bytes(oracle[0..4].try_into().unwrap());
    let h = u32::from_le_bytes(oracle[4..8].try_into().unwrap());
    (bytes, w, h, oracle[12..].to_vec())
}

/// (largest, mean) absolute difference per channel value.
fn compare(name: &str) -> (u8, f64) {
    let (bytes, w, h, expected) = fixture(name);
    let img = decode_rgb(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(img.dimensions(), (w, h), "{name}");
    let diffs: Vec<u8> = img
        .as_raw()
        .iter()
        .zip(&expected)
        .map(|(a, b)| a.abs_diff(*b))
        .collect();
    (
        *diffs.iter().max().unwrap(),
        diffs.iter().map(|&d| d as f64).sum::<f64>() / diffs.len() as f64,
    )
}

#[test]
fn png_named_jpeg_matches_pillow_exactly() {
    assert_eq!(compare("png_named.JPEG"), (0, 0.0));
}

#[test]
fn jpegs_match_pillow_within_decoder_rounding() {
    for name in ["ycbcr_420.jpg", "cmyk_adobe.jpg", "gray.jpg"] {
        let (max, mean) = compare(name);
        assert!(
            max <= 6 && mean <= 1.0,
            "{name}: largest difference {max}, mean {mean:.3}"
        );
    }
}

#[test]
fn cmyk_is_not_left_inverted() {
    // An inverted (wrong) conversion would be off by far more than rounding on most pixels.
    let (bytes, _, _, expected) = fixture("cmyk_adobe.jpg");
    let img = decode_rgb(&bytes).unwrap();
    let inverted_close = img
        .as_raw()
        .iter()
        .zip(&expected)
        .filter(|(a, b)| (255 - **a).abs_diff(**b) <= 6)
        .count();
    assert!(inverted_close < expected.len() / 4);
}
