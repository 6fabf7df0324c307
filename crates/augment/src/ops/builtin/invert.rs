//! `invert`: 255 - x.
//!
//! Built-in op named and parameterized after `torchvision.transforms.v2.functional`.

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "invert",
    summary: "255 - x",
    params: &[],
    ctor: |_, _| Ok(FnOp::boxed("invert", |i, _| color::invert(i))),
};
