//! `random_choice`: apply one transform, chosen with weights p.
//!
//! Built-in composition of op tables, as in torchvision v2.

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "random_choice",
    summary: "apply one transform, chosen with weights p",
    params: &[
        ("transforms", "required", "list of op tables"),
        ("p", "uniform", "weights"),
    ],
    ctor: compose::random_choice_from,
};
