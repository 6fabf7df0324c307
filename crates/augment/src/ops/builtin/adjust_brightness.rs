//! `adjust_brightness`: multiply by brightness_factor.
//!
//! Built-in op named and parameterized after `torchvision.transforms.v2.functional`.

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "adjust_brightness",
    summary: "multiply by brightness_factor",
    params: &[("brightness_factor", "required", ">= 0")],
    ctor: |p, _| {
        factor_op(
            p,
            "adjust_brightness",
            "brightness_factor",
            0.0,
            f64::MAX,
            color::adjust_brightness,
        )
    },
};
