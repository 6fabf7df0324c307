//! `color_jitter`: random brightness, contrast, saturation, hue in random order.
//!
//! Built-in random transform, named after its torchvision class (snake_case).

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "color_jitter",
    summary: "random brightness, contrast, saturation, hue in random order",
    params: &[
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
    ctor: |p, _| Ok(Box::new(random::ColorJitter::from_params(p)?)),
};
