//! `imagenet_eval`: Resize(resize) -> CenterCrop(crop).
//!
//! Built-in preset: one of the paper's recipes or a standard pipeline.

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "imagenet_eval",
    summary: "Resize(resize) -> CenterCrop(crop)",
    params: &[("resize", "256", "shorter edge"), ("crop", "224", "")],
    ctor: |p, _| {
        let resize = p.u64("resize", Some(256))? as u32;
        let crop = p.u64("crop", Some(224))? as u32;
        if resize == 0 || crop == 0 {
            return Err(p.bad("crop", "sizes must be positive"));
        }
        Ok(Box::new(presets::eval_transform(resize, crop)))
    },
};
