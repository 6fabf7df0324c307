//! `random_adjust_sharpness`: adjust_sharpness with probability p.
//!
//! Built-in random transform, named after its torchvision class (snake_case).

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "random_adjust_sharpness",
    summary: "adjust_sharpness with probability p",
    params: &[("sharpness_factor", "required", ">= 0"), ("p", "0.5", "")],
    ctor: |p, _| {
        let f = p.f64_in("sharpness_factor", None, 0.0, f64::MAX)?;
        let prob = p.probability("p", 0.5)?;
        Ok(FnOp::boxed("random_adjust_sharpness", move |i, r| {
            if rng::coin(r, prob) {
                color::adjust_sharpness(i, f)
            } else {
                i
            }
        }))
    },
};
