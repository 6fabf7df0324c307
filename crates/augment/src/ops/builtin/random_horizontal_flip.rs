//! `random_horizontal_flip`: mirror left-right with probability p.
//!
//! Built-in random transform, named after its torchvision class (snake_case).

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "random_horizontal_flip",
    summary: "mirror left-right with probability p",
    params: &[("p", "0.5", "")],
    ctor: |p, _| Ok(presets::random_horizontal_flip(p.probability("p", 0.5)?)),
};
