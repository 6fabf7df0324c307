//! `random_resized_crop`: crop a random area/aspect box, resize to size.
//!
//! Built-in random transform, named after its torchvision class (snake_case).

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "random_resized_crop",
    summary: "crop a random area/aspect box, resize to size",
    params: &[
        ("size", "required", "n or [h, w]"),
        ("scale", "[0.08, 1.0]", "area fraction range"),
        ("ratio", "[0.75, 1.3333]", "aspect range"),
        INTERP_BILINEAR,
        ("antialias", "true", "only true"),
    ],
    ctor: |p, _| Ok(Box::new(random::RandomResizedCrop::from_params(p)?)),
};
