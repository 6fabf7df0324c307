//! `horizontal_flip`: mirror left-right.
//!
//! Built-in op named and parameterized after `torchvision.transforms.v2.functional`.

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "horizontal_flip",
    summary: "mirror left-right",
    params: &[],
    ctor: |_, _| {
        Ok(FnOp::boxed("horizontal_flip", |i, _| {
            geometry::horizontal_flip(i)
        }))
    },
};
