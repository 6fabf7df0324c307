//! `imagenet_train`: RandomResizedCrop(size) -> RandomHorizontalFlip.
//!
//! Built-in preset: one of the paper's recipes or a standard pipeline.

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "imagenet_train",
    summary: "RandomResizedCrop(size) -> RandomHorizontalFlip",
    params: &[("size", "224", "")],
    ctor: |p, _| {
        Ok(Box::new(presets::imagenet_train(
            p.u64("size", Some(224))? as u32
        )))
    },
};
