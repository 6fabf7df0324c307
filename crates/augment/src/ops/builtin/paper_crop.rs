//! `paper_crop`: RandomResizedCrop(size, scale=(scale_min, 1)).
//!
//! Built-in preset: one of the paper's recipes or a standard pipeline.

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "paper_crop",
    summary: "RandomResizedCrop(size, scale=(scale_min, 1))",
    params: &[
        ("scale_min", "0.08", "s in (0, 1]"),
        ("size", "224", "n or [h, w]"),
    ],
    ctor: |p, _| {
        let s = p.f64_in("scale_min", Some(0.08), 1e-9, 1.0)?;
        let (h, w) = p.size("size", Some(Size::Edge(224)))?.square_or_exact();
        Ok(Box::new(random::RandomResizedCrop {
            height: h,
            width: w,
            ..presets::paper_crop(s, h)?
        }))
    },
};
