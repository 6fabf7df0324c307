//! The paper's strength-parameterized recipes and the standard ImageNet pipelines.
//!
//! - `paper_color_jitter(t)`: ColorJitter(0.4t, 0.4t, 0.1t, 0.1t) with p = 0.8t, then
//!   RandomGrayscale(p = 0.5t), then RandomSolarize(threshold 128, p = 0.3t).
//! - `paper_blur(t)`: GaussianBlur(13×13, sigma uniform in [0.1, 0.1 + 3.5t]).
//! - `paper_crop(s)`: RandomResizedCrop with scale (s, 1); s = 0.08 is torchvision's default.
//!
//! The paper's run names encode the strength in percent (`color97.0`, `smoothing10.0`,
//! `crop8.0`); [`from_run_name`] maps them back.

use crate::Augmentation;
use crate::compose::{Pipeline, RandomApply};
use crate::error::{AugmentError, Result};
use crate::ops::blur::gaussian_blur;
use crate::ops::{
    color::{self, HueBackend},
    geometry,
    random::{ColorJitter, FnOp, RandomResizedCrop},
};
use crate::rng;

/// `RandomGrayscale(p)`: grayscale in all three channels with probability `p`.
pub fn random_grayscale(p: f64) -> Box<dyn Augmentation> {
    FnOp::boxed(format!("random_grayscale(p={p})"), move |img, r| {
        if rng::coin(r, p) {
            color::rgb_to_grayscale(img)
        } else {
            img
        }
    })
}

/// `RandomSolarize(threshold, p)`.
pub fn random_solarize(threshold: f64, p: f64) -> Box<dyn Augmentation> {
    FnOp::boxed(
        format!("random_solarize(threshold={threshold}, p={p})"),
        move |img, r| {
            if rng::coin(r, p) {
                color::solarize(img, threshold)
            } else {
                img
            }
        },
    )
}

/// `GaussianBlur(kernel_size, sigma=(lo, hi))`: sigma drawn uniformly per image.
pub fn gaussian_blur_random(kx: usize, ky: usize, sigma: (f64, f64)) -> Box<dyn Augmentation> {
    FnOp::boxed(
        format!("gaussian_blur(kernel_size=[{kx}, {ky}], sigma={sigma:?})"),
        move |img, r| {
            let s = rng::uniform(r, sigma.0, sigma.1);
            gaussian_blur(&img, kx, ky, s, s)
        },
    )
}

/// `RandomHorizontalFlip(p)`.
pub fn random_horizontal_flip(p: f64) -> Box<dyn Augmentation> {
    FnOp::boxed(format!("random_horizontal_flip(p={p})"), move |img, r| {
        if rng::coin(r, p) {
            geometry::horizontal_flip(img)
        } else {
            img
        }
    })
}

fn check_strength(t: f64, what: &str) -> Result<()> {
    if !(0.0..=1.0).contains(&t) {
        return Err(AugmentError::BadParam {
            op: what.into(),
            key: "strength".into(),
            message: format!("must be in [0, 1], got {t}"),
        });
    }
    Ok(())
}

/// The paper's colour recipe at strength `t` in [0, 1], hue on PIL's 8-bit HSV (as the paper's
/// PIL pipeline ran it).
pub fn paper_color_jitter(t: f64) -> Result<Pipeline> {
    paper_color_jitter_on(t, HueBackend::Pil)
}

/// The paper's colour recipe with the hue step on `backend`.
pub fn paper_color_jitter_on(t: f64, backend: HueBackend) -> Result<Pipeline> {
    check_strength(t, "paper_color_jitter")?;
    let jitter = ColorJitter::new(0.4 * t, 0.4 * t, 0.1 * t, 0.1 * t).with_hue_backend(backend);
    Ok(Pipeline::new(vec![
        Box::new(RandomApply::new(vec![Box::new(jitter)], 0.8 * t)),
        random_grayscale(0.5 * t),
        random_solarize(128.0, 0.3 * t),
    ]))
}

/// The paper's blur recipe at strength `t` in [0, 1].
pub fn paper_blur(t: f64) -> Result<Box<dyn Augmentation>> {
    check_strength(t, "paper_blur")?;
    Ok(gaussian_blur_random(13, 13, (0.1, 0.1 + 3.5 * t)))
}

/// The paper's crop recipe: RandomResizedCrop(size) with scale (`s`, 1), `s` in (0, 1].
pub fn paper_crop(s: f64, size: u32) -> Result<RandomResizedCrop> {
    if !(s > 0.0 && s <= 1.0) {
        return Err(AugmentError::BadParam {
            op: "paper_crop".into(),
            key: "scale_min".into(),
            message: format!("must be in (0, 1], got {s}"),
        });
    }
    Ok(RandomResizedCrop {
        scale: (s, 1.0),
        ..RandomResizedCrop::new(size)
    })
}

/// The standard ImageNet training pipeline: RandomResizedCrop(size) → RandomHorizontalFlip.
pub fn imagenet_train(size: u32) -> Pipeline {
    Pipeline::new(vec![
        Box::new(RandomResizedCrop::new(size)),
        random_horizontal_flip(0.5),
    ])
}

/// The evaluation transform: resize the shorter edge to `resize`, then center-crop `crop`
/// (256 → 224 for ImageNet; e.g. 36 → 32 for small synthetic images).
pub fn eval_transform(resize: u32, crop: u32) -> Pipeline {
    Pipeline::new(vec![
        FnOp::boxed(format!("resize({resize})"), move |img, _| {
            let (h, w) = crate::ops::resize::resized_shape(img.height(), img.width(), resize, None);
            crate::ops::resize::resize(&img, h, w)
        }),
        FnOp::boxed(format!("center_crop({crop})"), move |img, _| {
            geometry::center_crop(&img, crop, crop)
        }),
    ])
}

/// The recipe a paper run name stands for: `color97.0` → `paper_color_jitter(0.97)`,
/// `smoothing10.0` → `paper_blur(0.10)`, `crop8.0` → `paper_crop(0.08)` (with `crop_size`).
pub fn from_run_name(name: &str, crop_size: u32) -> Result<Box<dyn Augmentation>> {
    let bad = || {
        AugmentError::BadConfig(format!(
            "`{name}` is not a paper run name; expected color<percent>, smoothing<percent> or crop<percent>, e.g. color97.0"
        ))
    };
    let split = name.find(|c: char| c.is_ascii_digit()).ok_or_else(bad)?;
    let (kind, pct) = name.split_at(split);
    let t = pct.parse::<f64>().map_err(|_| bad())? / 100.0;
    match kind {
        "color" => Ok(Box::new(paper_color_jitter(t)?)),
        "smoothing" => paper_blur(t),
        "crop" => Ok(Box::new(paper_crop(t, crop_size)?)),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Image;

    fn noise() -> Image {
        let mut r = rng::seeded(9);
        Image::from_fn(32, 24, |_, _| {
            image::Rgb([0, 1, 2].map(|_| rng::below(&mut r, 256) as u8))
        })
    }

    #[test]
    fn strength_zero_is_identity_and_strength_one_changes_images() {
        let img = noise();
        let zero = paper_color_jitter(0.0).unwrap();
        let blur0 = paper_blur(0.0).unwrap();
        let full = paper_color_jitter(1.0).unwrap();
        let mut changed = 0;
        for i in 0..50 {
            assert_eq!(
                zero.apply_sample(img.clone(), 1, 0, i).as_raw(),
                img.as_raw()
            );
            if full.apply_sample(img.clone(), 1, 0, i).as_raw() != img.as_raw() {
                changed += 1;
            }
            // sigma 0.1 on a 13-tap kernel: the centre weight is ~1, so blur(0) is near-identity.
            let b = blur0.apply(img.clone(), &mut rng::seeded(i));
            assert!(
                b.as_raw()
                    .iter()
                    .zip(img.as_raw())
                    .all(|(a, b)| a.abs_diff(*b) <= 1)
            );
        }
        // P(nothing applied) = 0.2 * 0.5 * 0.7 = 0.07 at t = 1.
        assert!(changed >= 40, "changed {changed} of 50");
    }

    #[test]
    fn run_names_map_to_recipes() {
        assert!(from_run_name("color97.0", 224).is_ok());
        assert!(from_run_name("smoothing10.0", 224).is_ok());
        let crop = from_run_name("crop8.0", 32).unwrap();
        assert_eq!(
            crop.apply(noise(), &mut rng::seeded(1)).dimensions(),
            (32, 32)
        );
        assert!(
            from_run_name("color150", 224)
                .unwrap_err()
                .to_string()
                .contains("strength")
        );
        assert!(from_run_name("sharpen10", 224).is_err());
        assert!(paper_crop(0.0, 224).is_err());
    }

    #[test]
    fn eval_transform_gives_the_crop_size() {
        let out = eval_transform(36, 32).apply(noise(), &mut rng::seeded(0));
        assert_eq!(out.dimensions(), (32, 32));
    }
}
