//! The built-in ops: kernels (one module per family) and their registration by name.
//!
//! Deterministic ops use `torchvision.transforms.v2.functional` names and parameter names;
//! random transforms use their class names in snake_case. Where a class and a function share
//! a name (`resize`, `center_crop`, `gaussian_blur`) the class semantics apply: e.g.
//! `gaussian_blur { sigma = 1.7 }` is fixed, `sigma = [0.1, 2.0]` is drawn per image.

pub mod affine;
pub mod auto_augment;
pub mod blur;
pub mod color;
pub mod erasing;
pub mod geometry;
mod lut;
pub mod random;
pub mod resize;

use crate::compose;
use crate::error::Result;
use crate::params::{Params, Size};
use crate::presets;
use crate::registry::{OpDoc, ParamDoc, Registry};
use crate::rng;
use crate::{Augmentation, Image};
use affine::Interpolation;
use random::FnOp;

type Ctor = fn(&mut Params, &Registry) -> Result<Box<dyn Augmentation>>;

/// (name, summary, [(key, default, help)], constructor)
type Builtin = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str, &'static str)],
    Ctor,
);

pub(crate) fn register_builtins(r: &mut Registry) {
    for (name, summary, params, ctor) in BUILTINS {
        let doc = OpDoc {
            name: name.to_string(),
            summary: summary.to_string(),
            params: params
                .iter()
                .map(|&(key, default, help)| ParamDoc { key, default, help })
                .collect(),
        };
        r.register_documented(doc, *ctor)
            .expect("built-in names are unique");
    }
}

const FILL: (&str, &str, &str) = (
    "fill",
    "none",
    "colour outside the image: a number or [r, g, b]",
);
const INTERP_NEAREST: (&str, &str, &str) = (
    "interpolation",
    "\"nearest\"",
    "\"nearest\" or \"bilinear\"",
);
const CENTER: (&str, &str, &str) = ("center", "image centre", "[x, y] pivot in pixels");
const BACKEND: (&str, &str, &str) = (
    "backend",
    "\"pil\"",
    "hue arithmetic: \"pil\" (8-bit HSV, as on PIL images: the paper's pipeline) or \"tensor\" (float HSV, as on uint8 tensors)",
);
const INTERP_BILINEAR: (&str, &str, &str) = ("interpolation", "\"bilinear\"", "only \"bilinear\"");

const BUILTINS: &[Builtin] = &[
    // --- functional, deterministic ---
    (
        "adjust_brightness",
        "multiply by brightness_factor",
        &[("brightness_factor", "required", ">= 0")],
        |p, _| {
            factor_op(
                p,
                "adjust_brightness",
                "brightness_factor",
                0.0,
                f64::MAX,
                color::adjust_brightness,
            )
        },
    ),
    (
        "adjust_contrast",
        "blend with the mean grey",
        &[("contrast_factor", "required", ">= 0")],
        |p, _| {
            let f = p.f64_in("contrast_factor", None, 0.0, f64::MAX)?;
            Ok(FnOp::boxed(format!("adjust_contrast({f})"), move |i, _| {
                color::adjust_contrast(i, f)
            }))
        },
    ),
    (
        "adjust_saturation",
        "blend with the pixel's grey",
        &[("saturation_factor", "required", ">= 0")],
        |p, _| {
            factor_op(
                p,
                "adjust_saturation",
                "saturation_factor",
                0.0,
                f64::MAX,
                color::adjust_saturation,
            )
        },
    ),
    (
        "adjust_hue",
        "rotate hue in HSV (PIL's 8-bit HSV unless backend = \"tensor\")",
        &[("hue_factor", "required", "in [-0.5, 0.5]"), BACKEND],
        |p, _| {
            let f = p.f64_in("hue_factor", None, -0.5, 0.5)?;
            let backend = hue_backend(p)?;
            Ok(FnOp::boxed(
                format!("adjust_hue({f}, {})", backend.name()),
                move |i, _| color::adjust_hue(i, f, backend),
            ))
        },
    ),
    (
        "adjust_sharpness",
        "blend with a 3x3 smoothing",
        &[("sharpness_factor", "required", ">= 0; 0 blurs, 2 sharpens")],
        |p, _| {
            factor_op(
                p,
                "adjust_sharpness",
                "sharpness_factor",
                0.0,
                f64::MAX,
                color::adjust_sharpness,
            )
        },
    ),
    (
        "rgb_to_grayscale",
        "luma in all channels",
        &[("num_output_channels", "1", "1 or 3; images stay RGB")],
        grayscale_from,
    ),
    (
        "grayscale",
        "class Grayscale: luma in all channels",
        &[("num_output_channels", "1", "1 or 3; images stay RGB")],
        grayscale_from,
    ),
    (
        "solarize",
        "invert values >= threshold",
        &[("threshold", "required", "in [0, 255]")],
        |p, _| {
            let t = p.f64_in("threshold", None, 0.0, 255.0)?;
            Ok(FnOp::boxed(format!("solarize({t})"), move |i, _| {
                color::solarize(i, t)
            }))
        },
    ),
    (
        "posterize",
        "keep the top bits",
        &[("bits", "required", "0..=8")],
        |p, _| {
            let b = p.int_in("bits", None, 0, 8)? as u8;
            Ok(FnOp::boxed(format!("posterize({b})"), move |i, _| {
                color::posterize(i, b)
            }))
        },
    ),
    ("invert", "255 - x", &[], |_, _| {
        Ok(FnOp::boxed("invert", |i, _| color::invert(i)))
    }),
    (
        "equalize",
        "histogram equalization per channel",
        &[],
        |_, _| Ok(FnOp::boxed("equalize", |i, _| color::equalize(i))),
    ),
    (
        "autocontrast",
        "stretch each channel to [0, 255]",
        &[],
        |_, _| Ok(FnOp::boxed("autocontrast", |i, _| color::autocontrast(i))),
    ),
    ("horizontal_flip", "mirror left-right", &[], |_, _| {
        Ok(FnOp::boxed("horizontal_flip", |i, _| {
            geometry::horizontal_flip(i)
        }))
    }),
    ("vertical_flip", "mirror top-bottom", &[], |_, _| {
        Ok(FnOp::boxed("vertical_flip", |i, _| {
            geometry::vertical_flip(i)
        }))
    }),
    (
        "gaussian_blur",
        "Gaussian blur; sigma a number (fixed) or [min, max] (drawn per image)",
        &[
            ("kernel_size", "required", "odd, a number or [kx, ky]"),
            ("sigma", "[0.1, 2.0]", "> 0"),
        ],
        blur_from,
    ),
    (
        "crop",
        "crop a box (zero padding outside)",
        &[
            ("top", "required", ""),
            ("left", "required", ""),
            ("height", "required", ""),
            ("width", "required", ""),
        ],
        |p, _| {
            let (t, l, h, w) = crop_box(p)?;
            Ok(FnOp::boxed(
                format!("crop({t}, {l}, {h}, {w})"),
                move |i, _| geometry::crop(&i, t, l, h, w),
            ))
        },
    ),
    (
        "resized_crop",
        "crop a box, then antialiased bilinear resize",
        &[
            ("top", "required", ""),
            ("left", "required", ""),
            ("height", "required", ""),
            ("width", "required", ""),
            ("size", "required", "n or [h, w]"),
            INTERP_BILINEAR,
            ("antialias", "true", "only true"),
        ],
        |p, _| {
            let (t, l, h, w) = crop_box(p)?;
            let (oh, ow) = p.size("size", None)?.square_or_exact();
            antialias_only(p)?;
            Ok(FnOp::boxed(
                format!("resized_crop({t}, {l}, {h}, {w}, [{oh}, {ow}])"),
                move |i, _| geometry::resized_crop(&i, t, l, h, w, oh, ow),
            ))
        },
    ),
    (
        "resize",
        "antialiased bilinear resize; size n sets the shorter edge",
        &[
            ("size", "required", "n (shorter edge) or [h, w]"),
            ("max_size", "none", "cap on the longer edge"),
            INTERP_BILINEAR,
            ("antialias", "true", "only true"),
        ],
        |p, _| {
            let size = p.size("size", None)?;
            let max_size = if p.has("max_size") {
                Some(p.u64("max_size", None)? as u32)
            } else {
                None
            };
            antialias_only(p)?;
            Ok(FnOp::boxed(format!("resize({size:?})"), move |i, _| {
                let (h, w) = match size {
                    Size::Edge(e) => resize::resized_shape(i.height(), i.width(), e, max_size),
                    Size::Exact { height, width } => (height, width),
                };
                resize::resize(&i, h, w)
            }))
        },
    ),
    (
        "center_crop",
        "crop the centre (zero padding if larger)",
        &[
            (
                "output_size",
                "required",
                "n or [h, w] (the functional's name)",
            ),
            (
                "size",
                "none",
                "CenterCrop's name for output_size; give one of the two",
            ),
        ],
        |p, _| {
            let (h, w) = match (p.has("output_size"), p.has("size")) {
                (true, true) => {
                    return Err(p.bad(
                        "size",
                        "give output_size (center_crop's name) or size (CenterCrop's), not both",
                    ));
                }
                (false, true) => p.size("size", None)?,
                _ => p.size("output_size", None)?,
            }
            .square_or_exact();
            Ok(FnOp::boxed(
                format!("center_crop([{h}, {w}])"),
                move |i, _| geometry::center_crop(&i, h, w),
            ))
        },
    ),
    (
        "rotate",
        "rotate counter-clockwise by angle degrees",
        &[
            ("angle", "required", "degrees"),
            INTERP_NEAREST,
            ("expand", "false", "grow to fit"),
            CENTER,
            FILL,
        ],
        |p, _| {
            let angle = p.f64_required("angle")?;
            let (interp, expand, center, fill) = (
                interpolation(p, "nearest")?,
                p.bool("expand", false)?,
                center(p)?,
                fill(p, None)?,
            );
            Ok(FnOp::boxed(format!("rotate({angle})"), move |i, _| {
                affine::rotate(&i, angle, interp, expand, center, fill)
            }))
        },
    ),
    (
        "affine",
        "rotate, translate, scale and shear about the centre",
        &[
            ("angle", "required", "degrees"),
            ("translate", "[0, 0]", "pixels [x, y]"),
            ("scale", "1.0", "> 0"),
            ("shear", "[0, 0]", "degrees, a number or [x, y]"),
            INTERP_NEAREST,
            FILL,
            CENTER,
        ],
        |p, _| {
            let angle = p.f64_required("angle")?;
            let translate = pair(p, "translate", [0.0, 0.0])?;
            let scale = p.f64("scale", 1.0)?;
            if scale <= 0.0 {
                return Err(p.bad("scale", format!("must be positive, got {scale}")));
            }
            let shear = match p.f64_list("shear")? {
                None => [0.0, 0.0],
                Some(v) if v.len() == 1 => [v[0], 0.0],
                Some(v) if v.len() == 2 => [v[0], v[1]],
                Some(_) => return Err(p.bad("shear", "expected a number or [x, y]")),
            };
            let (interp, fill, center) = (interpolation(p, "nearest")?, fill(p, None)?, center(p)?);
            Ok(FnOp::boxed(
                format!("affine({angle}, {translate:?}, {scale}, {shear:?})"),
                move |i, _| {
                    affine::affine(&i, angle, translate, scale, shear, interp, fill, center)
                },
            ))
        },
    ),
    (
        "erase",
        "overwrite a box",
        &[
            ("i", "required", "top row"),
            ("j", "required", "left column"),
            ("h", "required", ""),
            ("w", "required", ""),
            ("v", "0", "a number, [r, g, b] or \"random\""),
            ("inplace", "false", "no effect: ops take the image by value"),
        ],
        |p, _| {
            let (i, j) = (p.u64("i", None)? as u32, p.u64("j", None)? as u32);
            let (h, w) = (p.u64("h", None)? as u32, p.u64("w", None)? as u32);
            let v = erase_value(p, "v")?;
            p.bool("inplace", false)?;
            Ok(FnOp::boxed(
                format!("erase({i}, {j}, {h}, {w})"),
                move |img, r| erasing::erase(img, i, j, h, w, v, r),
            ))
        },
    ),
    // --- random transforms (torchvision class names in snake_case) ---
    (
        "random_resized_crop",
        "crop a random area/aspect box, resize to size",
        &[
            ("size", "required", "n or [h, w]"),
            ("scale", "[0.08, 1.0]", "area fraction range"),
            ("ratio", "[0.75, 1.3333]", "aspect range"),
            INTERP_BILINEAR,
            ("antialias", "true", "only true"),
        ],
        |p, _| Ok(Box::new(random::RandomResizedCrop::from_params(p)?)),
    ),
    (
        "random_horizontal_flip",
        "mirror left-right with probability p",
        &[("p", "0.5", "")],
        |p, _| Ok(presets::random_horizontal_flip(p.probability("p", 0.5)?)),
    ),
    (
        "random_vertical_flip",
        "mirror top-bottom with probability p",
        &[("p", "0.5", "")],
        |p, _| {
            let prob = p.probability("p", 0.5)?;
            Ok(FnOp::boxed("random_vertical_flip", move |i, r| {
                if rng::coin(r, prob) {
                    geometry::vertical_flip(i)
                } else {
                    i
                }
            }))
        },
    ),
    (
        "color_jitter",
        "random brightness, contrast, saturation, hue in random order",
        &[
            (
                "brightness",
                "none",
                "v -> [max(0, 1-v), 1+v], or [min, max]",
            ),
            ("contrast", "none", "as brightness"),
            ("saturation", "none", "as brightness"),
            ("hue", "none", "v -> [-v, v], within [-0.5, 0.5]"),
            BACKEND,
        ],
        |p, _| Ok(Box::new(random::ColorJitter::from_params(p)?)),
    ),
    (
        "random_grayscale",
        "grayscale with probability p",
        &[("p", "0.1", "")],
        |p, _| Ok(presets::random_grayscale(p.probability("p", 0.1)?)),
    ),
    (
        "random_solarize",
        "solarize with probability p",
        &[("threshold", "required", "in [0, 255]"), ("p", "0.5", "")],
        |p, _| {
            let t = p.f64_in("threshold", None, 0.0, 255.0)?;
            Ok(presets::random_solarize(t, p.probability("p", 0.5)?))
        },
    ),
    (
        "random_posterize",
        "posterize with probability p",
        &[("bits", "required", "0..=8"), ("p", "0.5", "")],
        |p, _| {
            let b = p.int_in("bits", None, 0, 8)? as u8;
            let prob = p.probability("p", 0.5)?;
            Ok(FnOp::boxed("random_posterize", move |i, r| {
                if rng::coin(r, prob) {
                    color::posterize(i, b)
                } else {
                    i
                }
            }))
        },
    ),
    (
        "random_equalize",
        "equalize with probability p",
        &[("p", "0.5", "")],
        |p, _| maybe(p, "random_equalize", color::equalize),
    ),
    (
        "random_autocontrast",
        "autocontrast with probability p",
        &[("p", "0.5", "")],
        |p, _| maybe(p, "random_autocontrast", color::autocontrast),
    ),
    (
        "random_invert",
        "invert with probability p",
        &[("p", "0.5", "")],
        |p, _| maybe(p, "random_invert", color::invert),
    ),
    (
        "random_adjust_sharpness",
        "adjust_sharpness with probability p",
        &[("sharpness_factor", "required", ">= 0"), ("p", "0.5", "")],
        |p, _| {
            let f = p.f64_in("sharpness_factor", None, 0.0, f64::MAX)?;
            let prob = p.probability("p", 0.5)?;
            Ok(FnOp::boxed("random_adjust_sharpness", move |i, r| {
                if rng::coin(r, prob) {
                    color::adjust_sharpness(i, f)
                } else {
                    i
                }
            }))
        },
    ),
    (
        "random_rotation",
        "rotate by an angle drawn from degrees",
        &[
            ("degrees", "required", "d -> [-d, d], or [min, max]"),
            INTERP_NEAREST,
            ("expand", "false", ""),
            CENTER,
            ("fill", "0", "a number or [r, g, b]"),
        ],
        |p, _| {
            let degrees = symmetric_range(p, "degrees", true)?.unwrap_or((0.0, 0.0));
            let (interp, expand, center, fill) = (
                interpolation(p, "nearest")?,
                p.bool("expand", false)?,
                center(p)?,
                fill(p, Some([0.0; 3]))?,
            );
            Ok(FnOp::boxed(
                format!("random_rotation({degrees:?})"),
                move |i, r| {
                    let angle = rng::uniform(r, degrees.0, degrees.1);
                    affine::rotate(&i, angle, interp, expand, center, fill)
                },
            ))
        },
    ),
    (
        "random_affine",
        "random rotation, translation, scale and shear",
        &[
            ("degrees", "required", "d -> [-d, d], or [min, max]"),
            ("translate", "none", "max fractions [x, y]"),
            ("scale", "none", "[min, max]"),
            (
                "shear",
                "none",
                "s, [xmin, xmax] or [xmin, xmax, ymin, ymax]",
            ),
            INTERP_NEAREST,
            ("fill", "0", "a number or [r, g, b]"),
            CENTER,
        ],
        random_affine_from,
    ),
    (
        "random_erasing",
        "erase a random box with probability p",
        &[
            ("p", "0.5", ""),
            ("scale", "[0.02, 0.33]", "area fraction range"),
            ("ratio", "[0.3, 3.3]", "aspect range"),
            ("value", "0", "a number, [r, g, b] or \"random\""),
        ],
        |p, _| {
            let prob = p.probability("p", 0.5)?;
            let scale = p.range("scale", (0.02, 0.33))?;
            let ratio = p.range("ratio", (0.3, 3.3))?;
            if ratio.0 <= 0.0 {
                return Err(p.bad("ratio", "must be positive"));
            }
            let v = erase_value(p, "value")?;
            Ok(FnOp::boxed("random_erasing", move |img, r| {
                if !rng::coin(r, prob) {
                    return img;
                }
                match erasing::random_erasing_box(img.height(), img.width(), scale, ratio, r) {
                    Some((i, j, h, w)) => erasing::erase(img, i, j, h, w, v, r),
                    None => img,
                }
            }))
        },
    ),
    (
        "rand_augment",
        "RandAugment: num_ops random ops at a fixed magnitude",
        &[
            ("num_ops", "2", ""),
            ("magnitude", "9", "bin index"),
            ("num_magnitude_bins", "31", ""),
            INTERP_NEAREST,
            FILL,
        ],
        |p, _| {
            let num_ops = p.u64("num_ops", Some(2))? as usize;
            let bins = p.int_in("num_magnitude_bins", Some(31), 2, 1000)? as usize;
            let magnitude = p.int_in("magnitude", Some(9), 0, bins as i64 - 1)? as usize;
            let (interpolation, fill) = (interpolation(p, "nearest")?, fill(p, None)?);
            Ok(Box::new(auto_augment::RandAugment {
                num_ops,
                magnitude,
                num_magnitude_bins: bins,
                interpolation,
                fill,
            }))
        },
    ),
    (
        "trivial_augment_wide",
        "TrivialAugmentWide: one random op at a random magnitude",
        &[("num_magnitude_bins", "31", ""), INTERP_NEAREST, FILL],
        |p, _| {
            let bins = p.int_in("num_magnitude_bins", Some(31), 2, 1000)? as usize;
            let (interpolation, fill) = (interpolation(p, "nearest")?, fill(p, None)?);
            Ok(Box::new(auto_augment::TrivialAugmentWide {
                num_magnitude_bins: bins,
                interpolation,
                fill,
            }))
        },
    ),
    (
        "aug_mix",
        "AugMix: mix of random op chains",
        &[
            ("severity", "3", "1..=10"),
            ("mixture_width", "3", ""),
            ("chain_depth", "-1", "<= 0: random 1..=3"),
            ("alpha", "1.0", "> 0"),
            ("all_ops", "true", ""),
            ("interpolation", "\"bilinear\"", ""),
            FILL,
        ],
        |p, _| {
            let severity = p.int_in("severity", Some(3), 1, 10)? as usize;
            let mixture_width = p.int_in("mixture_width", Some(3), 1, 100)? as usize;
            let chain_depth = p.int_in("chain_depth", Some(-1), -1, 100)?;
            let alpha = p.f64("alpha", 1.0)?;
            if alpha <= 0.0 {
                return Err(p.bad("alpha", format!("must be positive, got {alpha}")));
            }
            let all_ops = p.bool("all_ops", true)?;
            let (interpolation, fill) = (interpolation(p, "bilinear")?, fill(p, None)?);
            Ok(Box::new(auto_augment::AugMix {
                severity,
                mixture_width,
                chain_depth,
                alpha,
                all_ops,
                interpolation,
                fill,
            }))
        },
    ),
    // --- the paper's recipes and standard pipelines ---
    (
        "paper_color_jitter",
        "ColorJitter(0.4t,0.4t,0.1t,0.1t) p=0.8t -> RandomGrayscale 0.5t -> RandomSolarize(128) 0.3t",
        &[("strength", "required", "t in [0, 1]"), BACKEND],
        |p, _| {
            let t = p.f64_in("strength", None, 0.0, 1.0)?;
            Ok(Box::new(presets::paper_color_jitter_on(
                t,
                hue_backend(p)?,
            )?))
        },
    ),
    (
        "paper_blur",
        "GaussianBlur 13x13, sigma in [0.1, 0.1 + 3.5t]",
        &[("strength", "required", "t in [0, 1]")],
        |p, _| presets::paper_blur(p.f64_in("strength", None, 0.0, 1.0)?),
    ),
    (
        "paper_crop",
        "RandomResizedCrop(size, scale=(scale_min, 1))",
        &[
            ("scale_min", "0.08", "s in (0, 1]"),
            ("size", "224", "n or [h, w]"),
        ],
        |p, _| {
            let s = p.f64_in("scale_min", Some(0.08), 1e-9, 1.0)?;
            let (h, w) = p.size("size", Some(Size::Edge(224)))?.square_or_exact();
            Ok(Box::new(random::RandomResizedCrop {
                height: h,
                width: w,
                ..presets::paper_crop(s, h)?
            }))
        },
    ),
    (
        "imagenet_train",
        "RandomResizedCrop(size) -> RandomHorizontalFlip",
        &[("size", "224", "")],
        |p, _| {
            Ok(Box::new(presets::imagenet_train(
                p.u64("size", Some(224))? as u32
            )))
        },
    ),
    (
        "imagenet_eval",
        "Resize(resize) -> CenterCrop(crop)",
        &[("resize", "256", "shorter edge"), ("crop", "224", "")],
        |p, _| {
            let resize = p.u64("resize", Some(256))? as u32;
            let crop = p.u64("crop", Some(224))? as u32;
            if resize == 0 || crop == 0 {
                return Err(p.bad("crop", "sizes must be positive"));
            }
            Ok(Box::new(presets::eval_transform(resize, crop)))
        },
    ),
    // --- composition ---
    (
        "compose",
        "apply transforms in order",
        &[("transforms", "required", "list of op tables")],
        compose::compose_from,
    ),
    (
        "random_apply",
        "apply all transforms with probability p",
        &[
            ("transforms", "required", "list of op tables"),
            ("p", "0.5", ""),
        ],
        compose::random_apply_from,
    ),
    (
        "random_choice",
        "apply one transform, chosen with weights p",
        &[
            ("transforms", "required", "list of op tables"),
            ("p", "uniform", "weights"),
        ],
        compose::random_choice_from,
    ),
    (
        "random_order",
        "apply all transforms in random order",
        &[("transforms", "required", "list of op tables")],
        compose::random_order_from,
    ),
];

/// A functional op with one factor parameter in `[lo, hi]`.
fn factor_op(
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

fn maybe(
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

fn grayscale_from(p: &mut Params, _: &Registry) -> Result<Box<dyn Augmentation>> {
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

fn blur_from(p: &mut Params, _: &Registry) -> Result<Box<dyn Augmentation>> {
    let k = p
        .f64_list("kernel_size")?
        .ok_or_else(|| p.missing("kernel_size"))?;
    let (kx, ky) = match k[..] {
        [a] => (a, a),
        [a, b] => (a, b),
        _ => return Err(p.bad("kernel_size", "expected a number or [kx, ky]")),
    };
    for k in [kx, ky] {
        if k <= 0.0 || k.fract() != 0.0 || k as i64 % 2 == 0 {
            return Err(p.bad(
                "kernel_size",
                format!("must be odd positive integers, got {k}"),
            ));
        }
    }
    let sigma = match p.f64_list("sigma")? {
        None => (0.1, 2.0),
        Some(v) if v.len() == 1 => (v[0], v[0]),
        Some(v) if v.len() == 2 => (v[0], v[1]),
        Some(_) => return Err(p.bad("sigma", "expected a number or [min, max]")),
    };
    if !(sigma.0 > 0.0 && sigma.0 <= sigma.1) {
        return Err(p.bad(
            "sigma",
            format!("must be positive with min <= max, got {sigma:?}"),
        ));
    }
    Ok(presets::gaussian_blur_random(
        kx as usize,
        ky as usize,
        sigma,
    ))
}

fn random_affine_from(p: &mut Params, _: &Registry) -> Result<Box<dyn Augmentation>> {
    let degrees = symmetric_range(p, "degrees", true)?.unwrap_or((0.0, 0.0));
    let translate = match p.f64_list("translate")? {
        None => None,
        Some(v) if v.len() == 2 && v.iter().all(|t| (0.0..=1.0).contains(t)) => Some((v[0], v[1])),
        Some(_) => return Err(p.bad("translate", "expected [x, y] fractions in [0, 1]")),
    };
    let scale = if p.has("scale") {
        Some(p.range("scale", (1.0, 1.0))?)
    } else {
        None
    };
    if scale.is_some_and(|s| s.0 <= 0.0) {
        return Err(p.bad("scale", "must be positive"));
    }
    let shear = match p.f64_list("shear")? {
        None => None,
        Some(v) if v.len() == 1 && v[0] >= 0.0 => Some([-v[0], v[0], 0.0, 0.0]),
        Some(v) if v.len() == 2 && v[0] <= v[1] => Some([v[0], v[1], 0.0, 0.0]),
        Some(v) if v.len() == 4 && v[0] <= v[1] && v[2] <= v[3] => Some([v[0], v[1], v[2], v[3]]),
        Some(_) => {
            return Err(p.bad(
                "shear",
                "expected s >= 0, [min, max] or [xmin, xmax, ymin, ymax]",
            ));
        }
    };
    let (interp, fill, center) = (
        interpolation(p, "nearest")?,
        fill(p, Some([0.0; 3]))?,
        center(p)?,
    );
    Ok(FnOp::boxed("random_affine", move |img, r| {
        let angle = rng::uniform(r, degrees.0, degrees.1);
        let t = translate.map_or([0.0, 0.0], |(fx, fy)| {
            let (mx, my) = (fx * img.width() as f64, fy * img.height() as f64);
            [
                geometry::round_half_even(rng::uniform(r, -mx, mx)) as f64,
                geometry::round_half_even(rng::uniform(r, -my, my)) as f64,
            ]
        });
        let s = scale.map_or(1.0, |(lo, hi)| rng::uniform(r, lo, hi));
        let sh = shear.map_or([0.0, 0.0], |[a, b, c, d]| {
            let x = rng::uniform(r, a, b);
            let y = if c != 0.0 || d != 0.0 {
                rng::uniform(r, c, d)
            } else {
                0.0
            };
            [x, y]
        });
        affine::affine(&img, angle, t, s, sh, interp, fill, center)
    }))
}

/// `d` → `[-d, d]` (d >= 0), or `[min, max]`.
fn symmetric_range(
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

fn crop_box(p: &mut Params) -> Result<(i64, i64, u32, u32)> {
    let t = p.int_in("top", None, -(1 << 30), 1 << 30)?;
    let l = p.int_in("left", None, -(1 << 30), 1 << 30)?;
    let h = p.int_in("height", None, 1, 1 << 30)? as u32;
    let w = p.int_in("width", None, 1, 1 << 30)? as u32;
    Ok((t, l, h, w))
}

fn antialias_only(p: &mut Params) -> Result<()> {
    if !p.bool("antialias", true)? {
        return Err(p.bad(
            "antialias",
            "only antialias = true (torchvision's default) is implemented",
        ));
    }
    p.choice("interpolation", "bilinear", &["bilinear"])?;
    Ok(())
}

fn interpolation(p: &mut Params, default: &'static str) -> Result<Interpolation> {
    Ok(Interpolation::parse(p.choice(
        "interpolation",
        default,
        &["nearest", "bilinear"],
    )?))
}

fn pair(p: &mut Params, key: &'static str, default: [f64; 2]) -> Result<[f64; 2]> {
    match p.f64_list(key)? {
        None => Ok(default),
        Some(v) if v.len() == 2 => Ok([v[0], v[1]]),
        Some(_) => Err(p.bad(key, "expected [x, y]")),
    }
}

fn center(p: &mut Params) -> Result<Option<[f64; 2]>> {
    if p.has("center") {
        pair(p, "center", [0.0, 0.0]).map(Some)
    } else {
        Ok(None)
    }
}

fn fill(p: &mut Params, default: Option<[f32; 3]>) -> Result<Option<[f32; 3]>> {
    match p.f64_list("fill")? {
        None => Ok(default),
        Some(v) if v.len() == 1 => Ok(Some([v[0] as f32; 3])),
        Some(v) if v.len() == 3 => Ok(Some([v[0] as f32, v[1] as f32, v[2] as f32])),
        Some(_) => Err(p.bad("fill", "expected a number or [r, g, b]")),
    }
}

fn erase_value(p: &mut Params, key: &'static str) -> Result<erasing::EraseValue> {
    match p.text_or_numbers(key)? {
        None => Ok(erasing::EraseValue::Color([0.0; 3])),
        Some(Err(s)) if s == "random" => Ok(erasing::EraseValue::Random),
        Some(Ok(v)) if v.len() == 1 => Ok(erasing::EraseValue::Color([v[0]; 3])),
        Some(Ok(v)) if v.len() == 3 => Ok(erasing::EraseValue::Color([v[0], v[1], v[2]])),
        Some(_) => Err(p.bad(key, "expected a number, [r, g, b] or \"random\"")),
    }
}
