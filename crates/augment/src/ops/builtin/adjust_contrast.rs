//! `adjust_contrast`: blend with the mean grey.
//!
//! Built-in op named and parameterized after `torchvision.transforms.v2.functional`.

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "adjust_contrast",
    summary: "blend with the mean grey",
    params: &[("contrast_factor", "required", ">= 0")],
    ctor: |p, _| {
        let f = p.f64_in("contrast_factor", None, 0.0, f64::MAX)?;
        Ok(FnOp::boxed(format!("adjust_contrast({f})"), move |i, _| {
            color::adjust_contrast(i, f)
        }))
    },
};
