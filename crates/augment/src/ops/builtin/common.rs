//! What the built-in ops' files share: the imports they use, parameter documentation that
//! several ops repeat, and parameter readers (`fill`, `center`, `interpolation`, ...).

pub(super) use super::Builtin;
pub(super) use crate::compose;
pub(super) use crate::error::Result;
pub(super) use crate::ops::affine::{self, Interpolation};
pub(super) use crate::ops::random::{self, FnOp};
pub(super) use crate::ops::{auto_augment, color, erasing, geometry, resize};
pub(super) use crate::params::{Params, Size};
pub(super) use crate::presets;
pub(super) use crate::registry::Registry;
pub(super) use crate::rng;
pub(super) use crate::{Augmentation, Image};

pub(super) const FILL: (&str, &str, &str) = (
    "fill",
    "none",
    "colour outside the image: a number or [r, g, b]",
);
pub(super) const INTERP_NEAREST: (&str, &str, &str) = (
    "interpolation",
    "\"nearest\"",
    "\"nearest\" or \"bilinear\"",
);
pub(super) const CENTER: (&str, &str, &str) = ("center", "image centre", "[x, y] pivot in pixels");
pub(super) const BACKEND: (&str, &str, &str) = (
    "backend",
    "\"pil\"",
    "hue arithmetic: \"pil\" (8-bit HSV, as on PIL images: the paper's pipeline) or \"tensor\" (float HSV, as on uint8 tensors)",
);
pub(super) const INTERP_BILINEAR: (&str, &str, &str) =
    ("interpolation", "\"bilinear\"", "only \"bilinear\"");

/// A functional op with one factor parameter in `[lo, hi]`.
pub(super) fn factor_op(
    p: &mut Params,
    name: &'static str,
    key: &'static str,
    lo: f64,
    hi: f64,
    f: fn(Image, f64) -> Image,
) -> Result<Box<dyn Augmentation>> {
    let factor = p.f64_in(key, None, lo, hi)?;
    Ok(FnOp::boxed(format!("{name}({factor})"), move |i, _| {
        f(i, factor)
    }))
}

pub(super) fn maybe(
    p: &mut Params,
    name: &'static str,
    f: fn(Image) -> Image,
) -> Result<Box<dyn Augmentation>> {
    let prob = p.probability("p", 0.5)?;
    Ok(FnOp::boxed(
        name,
        move |i, r| if rng::coin(r, prob) { f(i) } else { i },
    ))
}

/// `backend = "pil" | "tensor"` of the hue ops.
pub(crate) fn hue_backend(p: &mut Params) -> Result<color::HueBackend> {
    let name = p.choice(
        "backend",
        color::HueBackend::NAMES[0],
        &color::HueBackend::NAMES,
    )?;
    Ok(color::HueBackend::parse(name).expect("one of NAMES"))
}

pub(super) fn grayscale_from(p: &mut Params, _: &Registry) -> Result<Box<dyn Augmentation>> {
    p.int_in("num_output_channels", Some(1), 1, 3)
        .and_then(|n| {
            if n == 2 {
                Err(p.bad("num_output_channels", "must be 1 or 3"))
            } else {
                Ok(n)
            }
        })?;
    Ok(FnOp::boxed("rgb_to_grayscale", |i, _| {
        color::rgb_to_grayscale(i)
    }))
}

/// `d` → `[-d, d]` (d >= 0), or `[min, max]`.
pub(super) fn symmetric_range(
    p: &mut Params,
    key: &'static str,
    required: bool,
) -> Result<Option<(f64, f64)>> {
    match p.f64_list(key)? {
        None if required => Err(p.missing(key)),
        None => Ok(None),
        Some(v) if v.len() == 1 && v[0] >= 0.0 => Ok(Some((-v[0], v[0]))),
        Some(v) if v.len() == 2 && v[0] <= v[1] => Ok(Some((v[0], v[1]))),
        Some(_) => Err(p.bad(
            key,
            "expected a non-negative number or [min, max] with min <= max",
        )),
    }
}

pub(super) fn crop_box(p: &mut Params) -> Result<(i64, i64, u32, u32)> {
    let t = p.int_in("top", None, -(1 << 30), 1 << 30)?;
    let l = p.int_in("left", None, -(1 << 30), 1 << 30)?;
    let h = p.int_in("height", None, 1, 1 << 30)? as u32;
    let w = p.int_in("width", None, 1, 1 << 30)? as u32;
    Ok((t, l, h, w))
}

pub(super) fn antialias_only(p: &mut Params) -> Result<()> {
    if !p.bool("antialias", true)? {
        return Err(p.bad(
            "antialias",
            "only antialias = true (torchvision's default) is implemented",
        ));
    }
    p.choice("interpolation", "bilinear", &["bilinear"])?;
    Ok(())
}

pub(super) fn interpolation(p: &mut Params, default: &'static str) -> Result<Interpolation> {
    Ok(Interpolation::parse(p.choice(
        "interpolation",
        default,
        &["nearest", "bilinear"],
    )?))
}

pub(super) fn pair(p: &mut Params, key: &'static str, default: [f64; 2]) -> Result<[f64; 2]> {
    match p.f64_list(key)? {
        None => Ok(default),
        Some(v) if v.len() == 2 => Ok([v[0], v[1]]),
        Some(_) => Err(p.bad(key, "expected [x, y]")),
    }
}

pub(super) fn center(p: &mut Params) -> Result<Option<[f64; 2]>> {
    if p.has("center") {
        pair(p, "center", [0.0, 0.0]).map(Some)
    } else {
        Ok(None)
    }
}

pub(super) fn fill(p: &mut Params, default: Option<[f32; 3]>) -> Result<Option<[f32; 3]>> {
    match p.f64_list("fill")? {
        None => Ok(default),
        Some(v) if v.len() == 1 => Ok(Some([v[0] as f32; 3])),
        Some(v) if v.len() == 3 => Ok(Some([v[0] as f32, v[1] as f32, v[2] as f32])),
        Some(_) => Err(p.bad("fill", "expected a number or [r, g, b]")),
    }
}

pub(super) fn erase_value(p: &mut Params, key: &'static str) -> Result<erasing::EraseValue> {
    match p.text_or_numbers(key)? {
        None => Ok(erasing::EraseValue::Color([0.0; 3])),
        Some(Err(s)) if s == "random" => Ok(erasing::EraseValue::Random),
        Some(Ok(v)) if v.len() == 1 => Ok(erasing::EraseValue::Color([v[0]; 3])),
        Some(Ok(v)) if v.len() == 3 => Ok(erasing::EraseValue::Color([v[0], v[1], v[2]])),
        Some(_) => Err(p.bad(key, "expected a number, [r, g, b] or \"random\"")),
    }
}
