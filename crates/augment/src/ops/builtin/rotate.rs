//! `rotate`: rotate counter-clockwise by angle degrees.
//!
//! Built-in op named and parameterized after `torchvision.transforms.v2.functional`.

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "rotate",
    summary: "rotate counter-clockwise by angle degrees",
    params: &[
        ("angle", "required", "degrees"),
        INTERP_NEAREST,
        ("expand", "false", "grow to fit"),
        CENTER,
        FILL,
    ],
    ctor: |p, _| {
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
};
