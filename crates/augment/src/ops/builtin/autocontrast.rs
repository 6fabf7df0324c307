//! `autocontrast`: stretch each channel to [0, 255].
//!
//! Built-in op named and parameterized after `torchvision.transforms.v2.functional`.

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "autocontrast",
    summary: "stretch each channel to [0, 255]",
    params: &[],
    ctor: |_, _| Ok(FnOp::boxed("autocontrast", |i, _| color::autocontrast(i))),
};
