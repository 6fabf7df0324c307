//! `random_posterize`: posterize with probability p.
//!
//! Built-in random transform, named after its torchvision class (snake_case).

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "random_posterize",
    summary: "posterize with probability p",
    params: &[("bits", "required", "0..=8"), ("p", "0.5", "")],
    ctor: |p, _| {
        let b = p.int_in("bits", None, 0, 8)? as u8;
        let prob = p.probability("p", 0.5)?;
        Ok(FnOp::boxed("random_posterize", move |i, r| {
            if rng::coin(r, prob) {
                color::posterize(i, b)
            } else {
                i
            }
        }))
    },
};
