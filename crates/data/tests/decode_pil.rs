//! The decoder against Pillow (`Image.open(f).convert("RGB")`, what torchvision's ImageFolder
//! loader gives) on files Pillow encoded: fixtures written by `scripts/augment-fixtures.sh`
//! (`decode_fixtures` in `scripts/augment_fixtures.py`). PNGs must match exactly; JPEGs differ
//! where libjpeg-turbo's IDCT, chroma upsampling and YCbCr conversion differ from zune-jpeg's,
//! by at most the bounds below (measured at quality 90; `decode.rs`'s docs state them).

use spillover_data::decode::decode_rgb;
use std::path::{Path, PathBuf};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/decode")
}

/// The largest |ours - Pillow| allowed per file, by file-name suffix.
fn bound(file: &str) -> u8 {
    let stem = file.rsplit_once('.').unwrap().0;
    let kind = stem.rsplit_once('_').map_or(stem, |(_, k)| k);
    match (file.ends_with(".png"), kind) {
        (true, _) => 0,
        (false, "444") => 2,
        (false, "gray" | "cmyk") => 1,
        // Chroma subsampled (4:2:0, 4:2:2, progressive 4:2:0): zune-jpeg's upsampling is not
        // libjpeg-turbo's "fancy" triangle filter.
        (false, _) => 4,
    }
}

#[test]
fn decoding_matches_pillow_within_the_documented_bounds() {
    let listing: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir().join("decode.json")).unwrap()).unwrap();
    let mut failures = Vec::new();
    for entry in listing["files"].as_array().unwrap() {
        let file = entry["file"].as_str().unwrap();
        let ours = decode_rgb(&std::fs::read(dir().join(file)).unwrap())
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let pil = image::open(dir().join(entry["expected"].as_str().unwrap()))
            .unwrap()
            .into_rgb8();
        assert_eq!(ours.dimensions(), pil.dimensions(), "{file}");
        let diffs: Vec<u8> = ours
            .as_raw()
            .iter()
            .zip(pil.as_raw())
            .map(|(a, b)| a.abs_diff(*b))
            .collect();
        let max = diffs.iter().copied().max().unwrap_or(0);
        let mean = diffs.iter().map(|&d| d as f64).sum::<f64>() / diffs.len() as f64;
        let exact = diffs.iter().filter(|&&d| d == 0).count() as f64 / diffs.len() as f64;
        println!(
            "{file:24} ({:5}) max {max:3}  mean {mean:.3}  identical {:.1} %",
            entry["pil_mode"].as_str().unwrap(),
            100.0 * exact
        );
        if max > bound(file) {
            failures.push(format!("{file}: max diff {max} > {}", bound(file)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
