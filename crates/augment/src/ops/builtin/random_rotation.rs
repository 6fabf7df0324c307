//! `random_rotation`: rotate by an angle drawn from degrees.
//!
//! Built-in random transform, named after its torchvision class (snake_case).

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "random_rotation",
    summary: "rotate by an angle drawn from degrees",
    params: &[
        ("degrees", "required", "d -> [-d, d], or [min, max]"),
        INTERP_NEAREST,
        ("expand", "false", ""),
        CENTER,
        ("fill", "0", "a number or [r, g, b]"),
    ],
    ctor: |p, _| {
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
};
