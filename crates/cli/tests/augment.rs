//! `spillover augment apply` / `preview` decode images with the training loader's decoder
//! (`spillover_data::decode`): a truncated JPEG is refused as the loader refuses it, and a PNG
//! named `.JPEG` (ImageNet has some) is read as the loader reads it.

use spillover_augment::image::{self, ImageFormat, RgbImage};
use std::path::Path;
use std::process::{Command, Output};

fn spillover(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spillover"))
        .args(args)
        .output()
        .expect("runs the binary")
}

/// Large enough that two thirds of its JPEG end inside the scan data.
fn photo() -> RgbImage {
    RgbImage::from_fn(160, 120, |x, y| {
        let n = x.wrapping_mul(7919) ^ y.wrapping_mul(104_729);
        image::Rgb([
            (x * 3) as u8 ^ (n % 31) as u8,
            (y * 2) as u8,
            (n % 251) as u8,
        ])
    })
}

fn encode(img: &RgbImage, format: ImageFormat) -> Vec<u8> {
    let mut bytes = std::io::Cursor::new(Vec::new());
    img.write_to(&mut bytes, format).unwrap();
    bytes.into_inner()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

const OP: &str = "{ name = \"horizontal_flip\" }";

#[test]
fn apply_and_preview_refuse_a_truncated_jpeg_like_the_loader() {
    let dir = tempfile::tempdir().unwrap();
    let full = encode(&photo(), ImageFormat::Jpeg);
    let cut = dir.path().join("cut.jpg");
    std::fs::write(&cut, &full[..full.len() * 2 / 3]).unwrap();
    // The loader's decoder refuses it ...
    let loader = spillover_data::decode::load_rgb(&cut)
        .unwrap_err()
        .to_string();
    assert!(loader.contains("truncated"), "{loader}");
    // ... and so do apply and preview, with the same message.
    let out = dir.path().join("out.png");
    let o = spillover(&["augment", "apply", "--op", OP, path(&cut), path(&out)]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "apply accepted a truncated JPEG");
    assert!(
        stderr.contains("truncated") && stderr.contains("cut.jpg"),
        "{stderr}"
    );
    assert!(!out.exists());

    let config = dir.path().join("p.toml");
    std::fs::write(&config, "[[augment]]\nname = \"horizontal_flip\"\n").unwrap();
    let grid = dir.path().join("grid.png");
    let o = spillover(&[
        "augment",
        "preview",
        "--config",
        path(&config),
        path(&cut),
        "--n",
        "2",
        "--out",
        path(&grid),
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "preview accepted a truncated JPEG");
    assert!(stderr.contains("truncated"), "{stderr}");
}

#[test]
fn apply_and_preview_read_a_png_named_jpeg_like_the_loader() {
    let dir = tempfile::tempdir().unwrap();
    let img = photo();
    let misnamed = dir.path().join("n01_000123.JPEG");
    std::fs::write(&misnamed, encode(&img, ImageFormat::Png)).unwrap();
    let out = dir.path().join("out.png");
    let o = spillover(&["augment", "apply", "--op", OP, path(&misnamed), path(&out)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let got = image::open(&out).unwrap().into_rgb8();
    assert_eq!(
        got,
        image::imageops::flip_horizontal(&img),
        "PNG decoded exactly, flipped"
    );

    let config = dir.path().join("p.toml");
    std::fs::write(&config, "[[augment]]\nname = \"horizontal_flip\"\n").unwrap();
    let grid = dir.path().join("grid.png");
    let o = spillover(&[
        "augment",
        "preview",
        "--config",
        path(&config),
        path(&misnamed),
        "--n",
        "2",
        "--out",
        path(&grid),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(grid.exists());
}

#[test]
fn a_bad_pipeline_entry_is_named_with_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.png");
    std::fs::write(&input, encode(&photo(), ImageFormat::Png)).unwrap();
    let config = dir.path().join("p.toml");
    std::fs::write(
        &config,
        "[[augment]]\nname = \"horizontal_flip\"\n[[augment]]\nname = \"gaussian_blur\"\nkernel_size = 4\nsigma = 1.0\n",
    )
    .unwrap();
    let o = spillover(&[
        "augment",
        "preview",
        "--config",
        path(&config),
        path(&input),
        "--out",
        path(&dir.path().join("g.png")),
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        stderr.contains("p.toml")
            && stderr.contains("[[augment]] entry 2 (`gaussian_blur`)")
            && stderr.contains("must be odd")
            && !stderr.contains("unknown parameter"),
        "{stderr}"
    );
}

#[test]
fn list_says_which_hue_backend_is_the_default() {
    let o = spillover(&["augment", "list"]);
    assert!(o.status.success());
    let out = String::from_utf8_lossy(&o.stdout);
    let hue = out
        .split("\nadjust_hue ")
        .nth(1)
        .expect("adjust_hue is listed");
    assert!(hue.contains("backend = \"pil\""), "{out}");
    assert!(
        out.contains("PIL's 8-bit HSV by default") && out.contains("backend = \"tensor\""),
        "{out}"
    );
    assert!(out.contains("output_size = required"), "{out}");
}
