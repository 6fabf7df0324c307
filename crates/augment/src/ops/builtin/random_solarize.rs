//! `random_solarize`: solarize with probability p.
//!
//! Built-in random transform, named after its torchvision class (snake_case).

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "random_solarize",
    summary: "solarize with probability p",
    params: &[("threshold", "required", "in [0, 255]"), ("p", "0.5", "")],
    ctor: |p, _| {
        let t = p.f64_in("threshold", None, 0.0, 255.0)?;
        Ok(presets::random_solarize(t, p.probability("p", 0.5)?))
    },
};
