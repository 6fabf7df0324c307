//! `random_order`: apply all transforms in random order.
//!
//! Built-in composition of op tables, as in torchvision v2.

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "random_order",
    summary: "apply all transforms in random order",
    params: &[("transforms", "required", "list of op tables")],
    ctor: compose::random_order_from,
};
