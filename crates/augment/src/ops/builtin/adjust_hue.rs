//! `adjust_hue`: rotate hue in HSV (PIL's 8-bit HSV unless backend = "tensor").
//!
//! Built-in op named and parameterized after `torchvision.transforms.v2.functional`.

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "adjust_hue",
    summary: "rotate hue in HSV (PIL's 8-bit HSV unless backend = \"tensor\")",
    params: &[("hue_factor", "required", "in [-0.5, 0.5]"), BACKEND],
    ctor: |p, _| {
        let f = p.f64_in("hue_factor", None, -0.5, 0.5)?;
        let backend = hue_backend(p)?;
        Ok(FnOp::boxed(
            format!("adjust_hue({f}, {})", backend.name()),
            move |i, _| color::adjust_hue(i, f, backend),
        ))
    },
};
