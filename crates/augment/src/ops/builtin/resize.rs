//! `resize`: antialiased bilinear resize; size n sets the shorter edge.
//!
//! Built-in op named and parameterized after `torchvision.transforms.v2.functional`.

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "resize",
    summary: "antialiased bilinear resize; size n sets the shorter edge",
    params: &[
        ("size", "required", "n (shorter edge) or [h, w]"),
        ("max_size", "none", "cap on the longer edge"),
        INTERP_BILINEAR,
        ("antialias", "true", "only true"),
    ],
    ctor: |p, _| {
        let size = p.size("size", None)?;
        let max_size = if p.has("max_size") {
            Some(p.u64("max_size", None)? as u32)
        } else {
            None
        };
        antialias_only(p)?;
        Ok(FnOp::boxed(format!("resize({size:?})"), move |i, _| {
            let (h, w) = match size {
                Size::Edge(e) => resize::resized_shape(i.height(), i.width(), e, max_size),
                Size::Exact { height, width } => (height, width),
            };
            resize::resize(&i, h, w)
        }))
    },
};
