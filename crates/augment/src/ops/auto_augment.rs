//! `RandAugment`, `TrivialAugmentWide` and `AugMix` with torchvision v2's augmentation spaces,
//! magnitude bins and sampling (`randint` over the op list, sign flip when `rand <= 0.5`).

use super::affine::{Interpolation, affine, rotate};
use super::color;
use crate::rng::{self, SampleRng};
use crate::{Augmentation, Image};
use rand_distr::{Distribution, Gamma};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Identity,
    ShearX,
    ShearY,
    TranslateX,
    TranslateY,
    Rotate,
    Brightness,
    Color,
    Contrast,
    Sharpness,
    Posterize,
    Solarize,
    AutoContrast,
    Equalize,
}

use Op::*;

const WIDE_SPACE: [Op; 14] = [
    Identity,
    ShearX,
    ShearY,
    TranslateX,
    TranslateY,
    Rotate,
    Brightness,
    Color,
    Contrast,
    Sharpness,
    Posterize,
    Solarize,
    AutoContrast,
    Equalize,
];
const AUGMIX_PARTIAL: [Op; 9] = [
    ShearX,
    ShearY,
    TranslateX,
    TranslateY,
    Rotate,
    Posterize,
    Solarize,
    AutoContrast,
    Equalize,
];
const AUGMIX_ALL: [Op; 13] = [
    ShearX,
    ShearY,
    TranslateX,
    TranslateY,
    Rotate,
    Posterize,
    Solarize,
    AutoContrast,
    Equalize,
    Brightness,
    Color,
    Contrast,
    Sharpness,
];

/// Which table of magnitude ranges to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Space {
    RandAugment,
    Wide,
    AugMix,
}

fn linspace(a: f64, b: f64, n: usize, i: usize) -> f64 {
    if n <= 1 {
        a
    } else {
        (a as f32 + ((b - a) as f32 / (n - 1) as f32) * i as f32) as f64
    }
}

/// Magnitude `bin` of `op` out of `bins` for an `h`×`w` image, and whether it is signed.
fn magnitude(space: Space, op: Op, bins: usize, bin: usize, h: u32, w: u32) -> Option<(f64, bool)> {
    let (w, h) = (w as f64, h as f64);
    let lin = |hi: f64| Some((linspace(0.0, hi, bins, bin), true));
    let poster = |top: f64| {
        let v = top - bin as f64 / ((bins as f64 - 1.0) / 4.0);
        Some((v.round_ties_even(), false))
    };
    match (space, op) {
        (_, Identity | AutoContrast | Equalize) => None,
        (Space::Wide, ShearX | ShearY | Brightness | Color | Contrast | Sharpness) => lin(0.99),
        (_, ShearX | ShearY) => lin(0.3),
        (_, Brightness | Color | Contrast | Sharpness) => lin(0.9),
        (Space::RandAugment, TranslateX) => lin(150.0 / 331.0 * w),
        (Space::RandAugment, TranslateY) => lin(150.0 / 331.0 * h),
        (Space::Wide, TranslateX | TranslateY) => lin(32.0),
        (Space::AugMix, TranslateX) => lin(w / 3.0),
        (Space::AugMix, TranslateY) => lin(h / 3.0),
        (Space::Wide, Rotate) => lin(135.0),
        (_, Rotate) => lin(30.0),
        (Space::RandAugment, Posterize) => poster(8.0),
        (Space::Wide, Posterize) => {
            let v = 8.0 - bin as f64 / ((bins as f64 - 1.0) / 6.0);
            Some((v.round_ties_even(), false))
        }
        (Space::AugMix, Posterize) => poster(4.0),
        (_, Solarize) => Some((linspace(1.0, 0.0, bins, bin), false)),
    }
}

/// `_AutoAugmentBase._apply_image_or_video_transform`.
fn apply_op(img: Image, op: Op, mag: f64, interp: Interpolation, fill: Option<[f32; 3]>) -> Image {
    match op {
        Identity => img,
        ShearX => affine(
            &img,
            0.0,
            [0.0, 0.0],
            1.0,
            [mag.atan().to_degrees(), 0.0],
            interp,
            fill,
            Some([0.0, 0.0]),
        ),
        ShearY => affine(
            &img,
            0.0,
            [0.0, 0.0],
            1.0,
            [0.0, mag.atan().to_degrees()],
            interp,
            fill,
            Some([0.0, 0.0]),
        ),
        TranslateX => affine(
            &img,
            0.0,
            [mag.trunc(), 0.0],
            1.0,
            [0.0, 0.0],
            interp,
            fill,
            None,
        ),
        TranslateY => affine(
            &img,
            0.0,
            [0.0, mag.trunc()],
            1.0,
            [0.0, 0.0],
            interp,
            fill,
            None,
        ),
        Rotate => rotate(&img, mag, interp, false, None, fill),
        Brightness => color::adjust_brightness(img, 1.0 + mag),
        Color => color::adjust_saturation(img, 1.0 + mag),
        Contrast => color::adjust_contrast(img, 1.0 + mag),
        Sharpness => color::adjust_sharpness(img, 1.0 + mag),
        Posterize => color::posterize(img, mag.clamp(0.0, 8.0) as u8),
        Solarize => color::solarize(img, 255.0 * mag),
        AutoContrast => color::autocontrast(img),
        Equalize => color::equalize(img),
    }
}

fn signed(rng: &mut SampleRng, (m, is_signed): (f64, bool)) -> f64 {
    if is_signed && rng::uniform(rng, 0.0, 1.0) <= 0.5 {
        -m
    } else {
        m
    }
}

/// `RandAugment(num_ops, magnitude, num_magnitude_bins, interpolation, fill)`.
#[derive(Debug, Clone)]
pub struct RandAugment {
    pub num_ops: usize,
    pub magnitude: usize,
    pub num_magnitude_bins: usize,
    pub interpolation: Interpolation,
    pub fill: Option<[f32; 3]>,
}

impl Augmentation for RandAugment {
    fn apply(&self, mut img: Image, rng: &mut SampleRng) -> Image {
        for _ in 0..self.num_ops {
            let op = WIDE_SPACE[rng::below(rng, WIDE_SPACE.len())];
            let mag = magnitude(
                Space::RandAugment,
                op,
                self.num_magnitude_bins,
                self.magnitude,
                img.height(),
                img.width(),
            )
            .map_or(0.0, |m| signed(rng, m));
            img = apply_op(img, op, mag, self.interpolation, self.fill);
        }
        img
    }
}

/// `TrivialAugmentWide(num_magnitude_bins, interpolation, fill)`.
#[derive(Debug, Clone)]
pub struct TrivialAugmentWide {
    pub num_magnitude_bins: usize,
    pub interpolation: Interpolation,
    pub fill: Option<[f32; 3]>,
}

impl Augmentation for TrivialAugmentWide {
    fn apply(&self, img: Image, rng: &mut SampleRng) -> Image {
        let op = WIDE_SPACE[rng::below(rng, WIDE_SPACE.len())];
        let bins = self.num_magnitude_bins;
        let mag = if magnitude(Space::Wide, op, bins, 0, img.height(), img.width()).is_some() {
            let bin = rng::below(rng, bins);
            signed(
                rng,
                magnitude(Space::Wide, op, bins, bin, img.height(), img.width())
                    .expect("op has magnitudes"),
            )
        } else {
            0.0
        };
        apply_op(img, op, mag, self.interpolation, self.fill)
    }
}

/// `AugMix(severity, mixture_width, chain_depth, alpha, all_ops, interpolation, fill)`.
#[derive(Debug, Clone)]
pub struct AugMix {
    pub severity: usize,
    pub mixture_width: usize,
    /// `<= 0` draws a depth in 1..=3 per chain.
    pub chain_depth: i64,
    pub alpha: f64,
    pub all_ops: bool,
    pub interpolation: Interpolation,
    pub fill: Option<[f32; 3]>,
}

const AUGMIX_PARAMETER_MAX: usize = 10;

fn dirichlet(rng: &mut SampleRng, alpha: f64, n: usize) -> Vec<f64> {
    let gamma = Gamma::new(alpha, 1.0).expect("alpha validated positive");
    let draws: Vec<f64> = (0..n).map(|_| gamma.sample(rng)).collect();
    let total: f64 = draws.iter().sum();
    draws.iter().map(|d| d / total).collect()
}

impl Augmentation for AugMix {
    fn apply(&self, img: Image, rng: &mut SampleRng) -> Image {
        let space: &[Op] = if self.all_ops {
            &AUGMIX_ALL
        } else {
            &AUGMIX_PARTIAL
        };
        let m = dirichlet(rng, self.alpha, 2);
        let weights: Vec<f32> = dirichlet(rng, self.alpha, self.mixture_width)
            .iter()
            .map(|w| (w * m[1]) as f32)
            .collect();
        let m0 = m[0] as f32;
        let mut mix: Vec<f32> = img.as_raw().iter().map(|&v| m0 * v as f32).collect();
        for &wi in &weights {
            let depth = if self.chain_depth > 0 {
                self.chain_depth as usize
            } else {
                1 + rng::below(rng, 3)
            };
            let mut aug = img.clone();
            for _ in 0..depth {
                let op = space[rng::below(rng, space.len())];
                let (h, w) = (img.height(), img.width());
                let mag = if magnitude(Space::AugMix, op, AUGMIX_PARAMETER_MAX, 0, h, w).is_some() {
                    let bin = rng::below(rng, self.severity);
                    signed(
                        rng,
                        magnitude(Space::AugMix, op, AUGMIX_PARAMETER_MAX, bin, h, w)
                            .expect("op has magnitudes"),
                    )
                } else {
                    0.0
                };
                aug = apply_op(aug, op, mag, self.interpolation, self.fill);
            }
            for (acc, &v) in mix.iter_mut().zip(aug.as_raw()) {
                *acc += wi * v as f32;
            }
        }
        let bytes = mix.into_iter().map(color::to_u8).collect();
        Image::from_raw(img.width(), img.height(), bytes).expect("same size as the input")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magnitude_tables_match_torchvision() {
        // RandAugment default: bin 9 of 31 -> shear 0.09, rotate 9 degrees, posterize 8 - 9/7.5 = 6.8 -> 7.
        let m = |op| magnitude(Space::RandAugment, op, 31, 9, 224, 224).unwrap();
        assert!((m(ShearX).0 - 0.09).abs() < 1e-6 && m(ShearX).1);
        assert!((m(Rotate).0 - 9.0).abs() < 1e-5);
        assert_eq!(m(Posterize), (7.0, false));
        assert!((m(Solarize).0 - 0.7).abs() < 1e-6);
        assert!((m(TranslateX).0 - 150.0 / 331.0 * 224.0 * 0.3).abs() < 1e-3);
        assert_eq!(
            magnitude(Space::Wide, Posterize, 31, 30, 8, 8),
            Some((2.0, false))
        );
        assert_eq!(
            magnitude(Space::AugMix, Posterize, 10, 0, 8, 8),
            Some((4.0, false))
        );
        assert_eq!(magnitude(Space::RandAugment, Equalize, 31, 9, 8, 8), None);
    }

    #[test]
    fn augmix_mixes_with_weights_summing_to_one() {
        let img = Image::from_pixel(16, 16, image::Rgb([100, 100, 100]));
        let op = AugMix {
            severity: 3,
            mixture_width: 3,
            chain_depth: 1,
            alpha: 1.0,
            all_ops: false,
            interpolation: Interpolation::Bilinear,
            fill: None,
        };
        let mut r = rng::seeded(5);
        for _ in 0..20 {
            let out = op.apply(img.clone(), &mut r);
            // Colour ops keep a flat grey grey; a geometric op may blacken a border.
            assert!(
                out.pixels()
                    .all(|p| p.0[0] <= 100 && p.0[0] == p.0[1] && p.0[1] == p.0[2])
            );
        }
    }
}
