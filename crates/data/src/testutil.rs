//! Small image folders for tests: real JPEG/PNG files plus the oddities ImageNet has.

use image::codecs::jpeg::JpegEncoder;
use image::{ExtendedColorType, ImageEncoder};
use std::path::Path;

/// A JPEG of `w` x `h` with a gradient (grayscale when `gray`).
pub fn jpeg(w: u32, h: u32, gray: bool) -> Vec<u8> {
    let channels = if gray { 1 } else { 3 };
    let px: Vec<u8> = (0..w * h * channels)
        .map(|i| ((i / channels) % w * 255 / w.max(1) + i % channels * 40) as u8)
        .collect();
    let mut out = Vec::new();
    let color = if gray {
        ExtendedColorType::L8
    } else {
        ExtendedColorType::Rgb8
    };
    JpegEncoder::new_with_quality(&mut out, 90)
        .write_image(&px, w, h, color)
        .unwrap();
    out
}

/// `root/<wnid>/<name>` for classes `n0`, `n1`, `n2` with 4 good images each, plus, in `n1`,
/// a grayscale JPEG, a PNG named `.JPEG`, a truncated JPEG and a text file named `.JPEG`.
/// Returns the names of the two bad files.
pub fn imagenet_like(root: &Path) -> [String; 2] {
    for c in 0..3 {
        let dir = root.join(format!("n{c}"));
        std::fs::create_dir_all(&dir).unwrap();
        for k in 0..4 {
            std::fs::write(
                dir.join(format!("n{c}_{k}.JPEG")),
                jpeg(40 + 7 * k, 30 + 5 * c, false),
            )
            .unwrap();
        }
        std::fs::write(dir.join("notes.txt"), "not an image extension: ignored").unwrap();
    }
    let odd = root.join("n1");
    std::fs::write(odd.join("n1_gray.JPEG"), jpeg(32, 24, true)).unwrap();
    let rgb: Vec<u8> = (0..20 * 10 * 3).map(|i| i as u8).collect();
    std::fs::write(
        odd.join("n1_png.JPEG"),
        crate::world::write::encode_png(&rgb, 20, 10),
    )
    .unwrap();
    let full = jpeg(64, 48, false);
    std::fs::write(odd.join("n1_truncated.JPEG"), &full[..full.len() / 2]).unwrap();
    std::fs::write(
        odd.join("n1_zzz_garbage.JPEG"),
        b"<html>404 not found</html>",
    )
    .unwrap();
    ["n1_truncated.JPEG".into(), "n1_zzz_garbage.JPEG".into()]
}
