//! `random_grayscale`: grayscale with probability p.
//!
//! Built-in random transform, named after its torchvision class (snake_case).

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "random_grayscale",
    summary: "grayscale with probability p",
    params: &[("p", "0.1", "")],
    ctor: |p, _| Ok(presets::random_grayscale(p.probability("p", 0.1)?)),
};
