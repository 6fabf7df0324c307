//! `adjust_sharpness`: blend with a 3x3 smoothing.
//!
//! Built-in op named and parameterized after `torchvision.transforms.v2.functional`.

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "adjust_sharpness",
    summary: "blend with a 3x3 smoothing",
    params: &[("sharpness_factor", "required", ">= 0; 0 blurs, 2 sharpens")],
    ctor: |p, _| {
        factor_op(
            p,
            "adjust_sharpness",
            "sharpness_factor",
            0.0,
            f64::MAX,
            color::adjust_sharpness,
        )
    },
};
