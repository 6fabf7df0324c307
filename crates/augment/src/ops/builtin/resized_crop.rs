//! `resized_crop`: crop a box, then antialiased bilinear resize.
//!
//! Built-in op named and parameterized after `torchvision.transforms.v2.functional`.

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "resized_crop",
    summary: "crop a box, then antialiased bilinear resize",
    params: &[
        ("top", "required", ""),
        ("left", "required", ""),
        ("height", "required", ""),
        ("width", "required", ""),
        ("size", "required", "n or [h, w]"),
        INTERP_BILINEAR,
        ("antialias", "true", "only true"),
    ],
    ctor: |p, _| {
        let (t, l, h, w) = crop_box(p)?;
        let (oh, ow) = p.size("size", None)?.square_or_exact();
        antialias_only(p)?;
        Ok(FnOp::boxed(
            format!("resized_crop({t}, {l}, {h}, {w}, [{oh}, {ow}])"),
            move |i, _| geometry::resized_crop(&i, t, l, h, w, oh, ow),
        ))
    },
};
