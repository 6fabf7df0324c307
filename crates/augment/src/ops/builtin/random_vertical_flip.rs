//! `random_vertical_flip`: mirror top-bottom with probability p.
//!
//! Built-in random transform, named after its torchvision class (snake_case).

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "random_vertical_flip",
    summary: "mirror top-bottom with probability p",
    params: &[("p", "0.5", "")],
    ctor: |p, _| {
        let prob = p.probability("p", 0.5)?;
        Ok(FnOp::boxed("random_vertical_flip", move |i, r| {
            if rng::coin(r, prob) {
                geometry::vertical_flip(i)
            } else {
                i
            }
        }))
    },
};
