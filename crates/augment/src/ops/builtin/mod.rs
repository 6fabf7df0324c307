//! The built-in ops' registrations: one file per op with its name, summary, documented
//! parameters and constructor (the same shape as a user op, see docs/extending.md), and one line
//! per op in [`ALL`]. The kernels they call live in the modules beside this one.

mod adjust_brightness;
mod adjust_contrast;
mod adjust_hue;
mod adjust_saturation;
mod adjust_sharpness;
mod affine;
mod aug_mix;
mod autocontrast;
mod center_crop;
mod color_jitter;
mod common;
mod compose;
mod crop;
mod equalize;
mod erase;
mod gaussian_blur;
mod grayscale;
mod horizontal_flip;
mod imagenet_eval;
mod imagenet_train;
mod invert;
mod paper_blur;
mod paper_color_jitter;
mod paper_crop;
mod posterize;
mod rand_augment;
mod random_adjust_sharpness;
mod random_affine;
mod random_apply;
mod random_autocontrast;
mod random_choice;
mod random_equalize;
mod random_erasing;
mod random_grayscale;
mod random_horizontal_flip;
mod random_invert;
mod random_order;
mod random_posterize;
mod random_resized_crop;
mod random_rotation;
mod random_solarize;
mod random_vertical_flip;
mod resize;
mod resized_crop;
mod rgb_to_grayscale;
mod rotate;
mod solarize;
mod trivial_augment_wide;
mod vertical_flip;

pub(crate) use common::hue_backend;

use crate::Augmentation;
use crate::error::Result;
use crate::params::Params;
use crate::registry::{OpDoc, ParamDoc, Registry};

/// A built-in op: name, one-line summary, parameters as `(key, default, help)`, constructor.
pub(crate) struct Builtin {
    pub name: &'static str,
    pub summary: &'static str,
    pub params: &'static [(&'static str, &'static str, &'static str)],
    pub ctor: fn(&mut Params, &Registry) -> Result<Box<dyn Augmentation>>,
}

/// Every built-in op, grouped by family (`spillover augment list` prints them sorted by name).
const ALL: &[&Builtin] = &[
    // --- functional, deterministic ---
    &adjust_brightness::OP,
    &adjust_contrast::OP,
    &adjust_saturation::OP,
    &adjust_hue::OP,
    &adjust_sharpness::OP,
    &rgb_to_grayscale::OP,
    &grayscale::OP,
    &solarize::OP,
    &posterize::OP,
    &invert::OP,
    &equalize::OP,
    &autocontrast::OP,
    &horizontal_flip::OP,
    &vertical_flip::OP,
    &gaussian_blur::OP,
    &crop::OP,
    &resized_crop::OP,
    &resize::OP,
    &center_crop::OP,
    &rotate::OP,
    &affine::OP,
    &erase::OP,
    // --- random transforms (torchvision class names in snake_case) ---
    &random_resized_crop::OP,
    &random_horizontal_flip::OP,
    &random_vertical_flip::OP,
    &color_jitter::OP,
    &random_grayscale::OP,
    &random_solarize::OP,
    &random_posterize::OP,
    &random_equalize::OP,
    &random_autocontrast::OP,
    &random_invert::OP,
    &random_adjust_sharpness::OP,
    &random_rotation::OP,
    &random_affine::OP,
    &random_erasing::OP,
    &rand_augment::OP,
    &trivial_augment_wide::OP,
    &aug_mix::OP,
    // --- the paper's recipes and standard pipelines ---
    &paper_color_jitter::OP,
    &paper_blur::OP,
    &paper_crop::OP,
    &imagenet_train::OP,
    &imagenet_eval::OP,
    // --- composition ---
    &compose::OP,
    &random_apply::OP,
    &random_choice::OP,
    &random_order::OP,
];

pub(crate) fn register_builtins(r: &mut Registry) {
    for op in ALL {
        let doc = OpDoc {
            name: op.name.to_string(),
            summary: op.summary.to_string(),
            params: op
                .params
                .iter()
                .map(|&(key, default, help)| ParamDoc { key, default, help })
                .collect(),
        };
        r.register_documented(doc, op.ctor)
            .expect("built-in names are unique");
    }
}
