//! `crop`: crop a box (zero padding outside).
//!
//! Built-in op named and parameterized after `torchvision.transforms.v2.functional`.

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "crop",
    summary: "crop a box (zero padding outside)",
    params: &[
        ("top", "required", ""),
        ("left", "required", ""),
        ("height", "required", ""),
        ("width", "required", ""),
    ],
    ctor: |p, _| {
        let (t, l, h, w) = crop_box(p)?;
        Ok(FnOp::boxed(
            format!("crop({t}, {l}, {h}, {w})"),
            move |i, _| geometry::crop(&i, t, l, h, w),
        ))
    },
};
