//! `paper_color_jitter`: ColorJitter(0.4t,0.4t,0.1t,0.1t) p=0.8t -> RandomGrayscale 0.5t -> RandomSolarize(128) 0.3t.
//!
//! Built-in preset: one of the paper's recipes or a standard pipeline.

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "paper_color_jitter",
    summary: "ColorJitter(0.4t,0.4t,0.1t,0.1t) p=0.8t -> RandomGrayscale 0.5t -> RandomSolarize(128) 0.3t",
    params: &[("strength", "required", "t in [0, 1]"), BACKEND],
    ctor: |p, _| {
        let t = p.f64_in("strength", None, 0.0, 1.0)?;
        Ok(Box::new(presets::paper_color_jitter_on(
            t,
            hue_backend(p)?,
        )?))
    },
};
