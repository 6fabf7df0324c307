//! `equalize`: histogram equalization per channel.
//!
//! Built-in op named and parameterized after `torchvision.transforms.v2.functional`.

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "equalize",
    summary: "histogram equalization per channel",
    params: &[],
    ctor: |_, _| Ok(FnOp::boxed("equalize", |i, _| color::equalize(i))),
};
