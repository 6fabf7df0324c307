//! `vertical_flip`: mirror top-bottom.
//!
//! Built-in op named and parameterized after `torchvision.transforms.v2.functional`.

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "vertical_flip",
    summary: "mirror top-bottom",
    params: &[],
    ctor: |_, _| {
        Ok(FnOp::boxed("vertical_flip", |i, _| {
            geometry::vertical_flip(i)
        }))
    },
};
