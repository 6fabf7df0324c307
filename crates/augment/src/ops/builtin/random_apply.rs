//! `random_apply`: apply all transforms with probability p.
//!
//! Built-in composition of op tables, as in torchvision v2.

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "random_apply",
    summary: "apply all transforms with probability p",
    params: &[
        ("transforms", "required", "list of op tables"),
        ("p", "0.5", ""),
    ],
    ctor: compose::random_apply_from,
};
