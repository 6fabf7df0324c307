//! `adjust_saturation`: blend with the pixel's grey.
//!
//! Built-in op named and parameterized after `torchvision.transforms.v2.functional`.

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "adjust_saturation",
    summary: "blend with the pixel's grey",
    params: &[("saturation_factor", "required", ">= 0")],
    ctor: |p, _| {
        factor_op(
            p,
            "adjust_saturation",
            "saturation_factor",
            0.0,
            f64::MAX,
            color::adjust_saturation,
        )
    },
};
