//! `compose`: apply transforms in order.
//!
//! Built-in composition of op tables, as in torchvision v2.

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "compose",
    summary: "apply transforms in order",
    params: &[("transforms", "required", "list of op tables")],
    ctor: compose::compose_from,
};
