//! `solarize`: invert values >= threshold.
//!
//! Built-in op named and parameterized after `torchvision.transforms.v2.functional`.

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "solarize",
    summary: "invert values >= threshold",
    params: &[("threshold", "required", "in [0, 255]")],
    ctor: |p, _| {
        let t = p.f64_in("threshold", None, 0.0, 255.0)?;
        Ok(FnOp::boxed(format!("solarize({t})"), move |i, _| {
            color::solarize(i, t)
        }))
    },
};
