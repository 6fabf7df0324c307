//! The random transforms whose sampling the paper's recipes depend on: `ColorJitter` and
//! `RandomResizedCrop`, plus a closure-backed op type for the simpler ones.

use super::color::{self, HueBackend};
use super::geometry::{random_resized_crop_box, resized_crop};
use crate::error::Result;
use crate::params::Params;
use crate::rng::{self, SampleRng};
use crate::{Augmentation, Image};
use std::fmt;

/// An op defined by a closure; `name` is what `Debug` shows.
pub struct FnOp<F> {
    name: String,
    f: F,
}

impl<F: Fn(Image, &mut SampleRng) -> Image + Send + Sync> FnOp<F> {
    pub fn boxed(name: impl Into<String>, f: F) -> Box<dyn Augmentation>
    where
        F: 'static,
    {
        Box::new(FnOp {
            name: name.into(),
            f,
        })
    }
}

impl<F> fmt::Debug for FnOp<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.name)
    }
}

impl<F: Fn(Image, &mut SampleRng) -> Image + Send + Sync> Augmentation for FnOp<F> {
    fn apply(&self, image: Image, rng: &mut SampleRng) -> Image {
        (self.f)(image, rng)
    }
}

/// `ColorJitter`: factor ranges for brightness, contrast, saturation (around 1) and hue (around
/// 0); `None` means "not applied". Each call draws `randperm(4)` and then the four factors, and
/// applies them in the permuted order. The hue step follows `hue_backend` (PIL by default).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ColorJitter {
    pub brightness: Option<(f64, f64)>,
    pub contrast: Option<(f64, f64)>,
    pub saturation: Option<(f64, f64)>,
    pub hue: Option<(f64, f64)>,
    pub hue_backend: HueBackend,
}

impl ColorJitter {
    /// torchvision's constructor semantics: a number `v` means `[max(0, 1 - v), 1 + v]`
    /// (hue: `[-v, v]`, within [-0.5, 0.5]).
    pub fn new(brightness: f64, contrast: f64, saturation: f64, hue: f64) -> Self {
        let around_one = |v: f64| (v > 0.0).then(|| ((1.0 - v).max(0.0), 1.0 + v));
        ColorJitter {
            brightness: around_one(brightness),
            contrast: around_one(contrast),
            saturation: around_one(saturation),
            hue: (hue > 0.0).then_some((-hue, hue)),
            hue_backend: HueBackend::default(),
        }
    }

    /// The same jitter with its hue step on `backend`.
    pub fn with_hue_backend(self, backend: HueBackend) -> Self {
        ColorJitter {
            hue_backend: backend,
            ..self
        }
    }

    pub(crate) fn from_params(p: &mut Params) -> Result<Self> {
        Ok(ColorJitter {
            brightness: jitter_range(p, "brightness", 1.0, (0.0, f64::INFINITY), true)?,
            contrast: jitter_range(p, "contrast", 1.0, (0.0, f64::INFINITY), true)?,
            saturation: jitter_range(p, "saturation", 1.0, (0.0, f64::INFINITY), true)?,
            hue: jitter_range(p, "hue", 0.0, (-0.5, 0.5), false)?,
            hue_backend: super::hue_backend(p)?,
        })
    }
}

/// `ColorJitter._check_input`.
fn jitter_range(
    p: &mut Params,
    key: &'static str,
    center: f64,
    bound: (f64, f64),
    clip: bool,
) -> Result<Option<(f64, f64)>> {
    let Some(v) = p.f64_list(key)? else {
        return Ok(None);
    };
    let (lo, hi) = match v[..] {
        [x] if x < 0.0 => return Err(p.bad(key, format!("must be non-negative, got {x}"))),
        [x] => {
            let lo = center - x;
            (if clip { lo.max(0.0) } else { lo }, center + x)
        }
        [a, b] => (a, b),
        _ => return Err(p.bad(key, "expected a number or [min, max]")),
    };
    if !(bound.0 <= lo && lo <= hi && hi <= bound.1) {
        return Err(p.bad(
            key,
            format!(
                "range [{lo}, {hi}] must be ordered and within [{}, {}]",
                bound.0, bound.1
            ),
        ));
    }
    Ok((!(lo == center && hi == center)).then_some((lo, hi)))
}

impl Augmentation for ColorJitter {
    fn apply(&self, mut image: Image, rng: &mut SampleRng) -> Image {
        let order = rng::permutation(rng, 4);
        let mut draw = |r: Option<(f64, f64)>| r.map(|(lo, hi)| rng::uniform(rng, lo, hi));
        let factors = [
            draw(self.brightness),
            draw(self.contrast),
            draw(self.saturation),
            draw(self.hue),
        ];
        for i in order {
            let Some(f) = factors[i] else { continue };
            image = match i {
                0 => color::adjust_brightness(image, f),
                1 => color::adjust_contrast(image, f),
                2 => color::adjust_saturation(image, f),
                _ => color::adjust_hue(image, f, self.hue_backend),
            };
        }
        image
    }
}

/// `RandomResizedCrop(size, scale, ratio)` with antialiased bilinear resizing.
#[derive(Debug, Clone, PartialEq)]
pub struct RandomResizedCrop {
    pub height: u32,
    pub width: u32,
    pub scale: (f64, f64),
    pub ratio: (f64, f64),
}

impl RandomResizedCrop {
    /// torchvision's defaults: scale (0.08, 1), ratio (3/4, 4/3).
    pub fn new(size: u32) -> Self {
        RandomResizedCrop {
            height: size,
            width: size,
            scale: (0.08, 1.0),
            ratio: (3.0 / 4.0, 4.0 / 3.0),
        }
    }

    pub(crate) fn from_params(p: &mut Params) -> Result<Self> {
        let (height, width) = p.size("size", None)?.square_or_exact();
        let scale = p.range("scale", (0.08, 1.0))?;
        if scale.0 <= 0.0 {
            return Err(p.bad("scale", format!("must be positive, got {}", scale.0)));
        }
        let ratio = p.range("ratio", (3.0 / 4.0, 4.0 / 3.0))?;
        if ratio.0 <= 0.0 {
            return Err(p.bad("ratio", format!("must be positive, got {}", ratio.0)));
        }
        p.choice("interpolation", "bilinear", &["bilinear"])?;
        if !p.bool("antialias", true)? {
            return Err(p.bad(
                "antialias",
                "only antialiased bilinear resizing is implemented",
            ));
        }
        Ok(RandomResizedCrop {
            height,
            width,
            scale,
            ratio,
        })
    }
}

impl Augmentation for RandomResizedCrop {
    fn apply(&self, image: Image, rng: &mut SampleRng) -> Image {
        let b = random_resized_crop_box(image.height(), image.width(), self.scale, self.ratio, rng);
        resized_crop(
            &image,
            b.top as i64,
            b.left as i64,
            b.height,
            b.width,
            self.height,
            self.width,
        )
    }
}
