//! `center_crop`: crop the centre (zero padding if larger).
//!
//! Built-in op named and parameterized after `torchvision.transforms.v2.functional`.

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "center_crop",
    summary: "crop the centre (zero padding if larger)",
    params: &[
        (
            "output_size",
            "required",
            "n or [h, w] (the functional's name)",
        ),
        (
            "size",
            "none",
            "CenterCrop's name for output_size; give one of the two",
        ),
    ],
    ctor: |p, _| {
        let (h, w) = match (p.has("output_size"), p.has("size")) {
            (true, true) => {
                return Err(p.bad(
                    "size",
                    "give output_size (center_crop's name) or size (CenterCrop's), not both",
                ));
            }
            (false, true) => p.size("size", None)?,
            _ => p.size("output_size", None)?,
        }
        .square_or_exact();
        Ok(FnOp::boxed(
            format!("center_crop([{h}, {w}])"),
            move |i, _| geometry::center_crop(&i, h, w),
        ))
    },
};
