//! Criterion benches: each op on a 224×224 image, and the full training pipeline from JPEG
//! bytes (decode ~500×375 q90 → RandomResizedCrop 224 → flip → paper_color_jitter(1.0) →
//! normalize → f32 CHW), next to decode alone. `scripts/bench_augment.py` runs the same
//! pipeline in torchvision; BENCHMARKS.md has both.

use criterion::{Criterion, criterion_group, criterion_main};
use spillover_augment::ops::{affine, blur, color, geometry, resize};
use spillover_augment::{Augmentation, Image, Normalize, Pipeline, presets, rng};
use std::hint::black_box;

/// A natural-ish 500×375 test photo: smooth colour gradients, a few edges and mild noise.
pub fn synthetic_photo(w: u32, h: u32, seed: u64) -> Image {
    let mut r = rng::seeded(seed);
    Image::from_fn(w, h, |x, y| {
        let (fx, fy) = (x as f32 / w as f32, y as f32 / h as f32);
        let n = rng::below(&mut r, 24) as f32 - 12.0;
        let disc = if (fx - 0.6).powi(2) + (fy - 0.4).powi(2) < 0.05 {
            70.0
        } else {
            0.0
        };
        let c = |v: f32| v.clamp(0.0, 255.0) as u8;
        image::Rgb([
            c(40.0 + 170.0 * fx + disc + n),
            c(60.0 + 120.0 * (fy * 6.0).sin().abs() + n),
            c(200.0 - 150.0 * fy + 30.0 * (fx * 20.0).sin() - disc + n),
        ])
    })
}

fn jpeg_bytes(img: &Image) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(img)
        .expect("encode");
    out
}

fn decode(bytes: &[u8]) -> Image {
    image::load_from_memory_with_format(bytes, image::ImageFormat::Jpeg)
        .expect("decode")
        .into_rgb8()
}

fn ops(c: &mut Criterion) {
    let img = resize::resize(&synthetic_photo(500, 375, 1), 224, 224);
    let mut g = c.benchmark_group("op_224");
    g.bench_function("adjust_brightness", |b| {
        b.iter(|| color::adjust_brightness(black_box(img.clone()), 1.3))
    });
    g.bench_function("adjust_contrast", |b| {
        b.iter(|| color::adjust_contrast(black_box(img.clone()), 1.3))
    });
    g.bench_function("adjust_saturation", |b| {
        b.iter(|| color::adjust_saturation(black_box(img.clone()), 1.3))
    });
    g.bench_function("adjust_hue_tensor", |b| {
        b.iter(|| color::adjust_hue_tensor(black_box(img.clone()), 0.05))
    });
    g.bench_function("adjust_hue_pil", |b| {
        b.iter(|| color::adjust_hue_pil(black_box(img.clone()), 0.05))
    });
    g.bench_function("rgb_to_grayscale", |b| {
        b.iter(|| color::rgb_to_grayscale(black_box(img.clone())))
    });
    g.bench_function("solarize", |b| {
        b.iter(|| color::solarize(black_box(img.clone()), 128.0))
    });
    g.bench_function("equalize", |b| {
        b.iter(|| color::equalize(black_box(img.clone())))
    });
    g.bench_function("adjust_sharpness", |b| {
        b.iter(|| color::adjust_sharpness(black_box(img.clone()), 2.0))
    });
    g.bench_function("gaussian_blur_13", |b| {
        b.iter(|| blur::gaussian_blur(black_box(&img), 13, 13, 1.7, 1.7))
    });
    g.bench_function("rotate_bilinear", |b| {
        b.iter(|| {
            affine::rotate(
                black_box(&img),
                17.0,
                affine::Interpolation::Bilinear,
                false,
                None,
                None,
            )
        })
    });
    g.bench_function("horizontal_flip", |b| {
        b.iter(|| geometry::horizontal_flip(black_box(img.clone())))
    });
    g.bench_function("normalize_chw", |b| {
        let n = Normalize::default();
        b.iter(|| n.to_chw(black_box(&img)))
    });
    g.finish();
    let photo = synthetic_photo(500, 375, 1);
    c.bench_function("resized_crop_500x375_to_224", |b| {
        b.iter(|| geometry::resized_crop(black_box(&photo), 20, 30, 300, 400, 224, 224))
    });
}

fn pipeline(c: &mut Criterion) {
    let bytes = jpeg_bytes(&synthetic_photo(500, 375, 7));
    let train: Pipeline = Pipeline::from_toml_str(include_str!(
        "../../../configs/augment/bench_train_color1.0.toml"
    ))
    .expect("valid pipeline");
    let norm = Normalize::default();
    let mut g = c.benchmark_group("train_pipeline");
    g.bench_function("decode_only", |b| b.iter(|| decode(black_box(&bytes))));
    let mut index = 0u64;
    g.bench_function("decode_rrc_flip_colorjitter_normalize", |b| {
        b.iter(|| {
            index += 1;
            let img = train.apply(decode(black_box(&bytes)), &mut rng::sample_rng(0, 0, index));
            norm.to_chw(&img)
        })
    });
    let jitter = presets::paper_color_jitter(1.0).expect("strength in range");
    let crop = resize::resize(&decode(&bytes), 224, 224);
    g.bench_function("paper_color_jitter_1.0_only", |b| {
        b.iter(|| {
            index += 1;
            jitter.apply(black_box(crop.clone()), &mut rng::sample_rng(0, 0, index))
        })
    });
    g.finish();
}

criterion_group!(benches, ops, pipeline);
criterion_main!(benches);
