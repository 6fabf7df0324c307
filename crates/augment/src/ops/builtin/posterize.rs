//! `posterize`: keep the top bits.
//!
//! Built-in op named and parameterized after `torchvision.transforms.v2.functional`.

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "posterize",
    summary: "keep the top bits",
    params: &[("bits", "required", "0..=8")],
    ctor: |p, _| {
        let b = p.int_in("bits", None, 0, 8)? as u8;
        Ok(FnOp::boxed(format!("posterize({b})"), move |i, _| {
            color::posterize(i, b)
        }))
    },
};
