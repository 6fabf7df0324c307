//! `random_invert`: invert with probability p.
//!
//! Built-in random transform, named after its torchvision class (snake_case).

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "random_invert",
    summary: "invert with probability p",
    params: &[("p", "0.5", "")],
    ctor: |p, _| maybe(p, "random_invert", color::invert),
};
