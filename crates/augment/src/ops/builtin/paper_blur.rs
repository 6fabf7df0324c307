//! `paper_blur`: GaussianBlur 13x13, sigma in [0.1, 0.1 + 3.5t].
//!
//! Built-in preset: one of the paper's recipes or a standard pipeline.

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "paper_blur",
    summary: "GaussianBlur 13x13, sigma in [0.1, 0.1 + 3.5t]",
    params: &[("strength", "required", "t in [0, 1]")],
    ctor: |p, _| presets::paper_blur(p.f64_in("strength", None, 0.0, 1.0)?),
};
