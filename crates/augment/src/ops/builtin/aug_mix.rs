//! `aug_mix`: AugMix: mix of random op chains.
//!
//! Built-in random transform, named after its torchvision class (snake_case).

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "aug_mix",
    summary: "AugMix: mix of random op chains",
    params: &[
        ("severity", "3", "1..=10"),
        ("mixture_width", "3", ""),
        ("chain_depth", "-1", "<= 0: random 1..=3"),
        ("alpha", "1.0", "> 0"),
        ("all_ops", "true", ""),
        ("interpolation", "\"bilinear\"", ""),
        FILL,
    ],
    ctor: |p, _| {
        let severity = p.int_in("severity", Some(3), 1, 10)? as usize;
        let mixture_width = p.int_in("mixture_width", Some(3), 1, 100)? as usize;
        let chain_depth = p.int_in("chain_depth", Some(-1), -1, 100)?;
        let alpha = p.f64("alpha", 1.0)?;
        if alpha <= 0.0 {
            return Err(p.bad("alpha", format!("must be positive, got {alpha}")));
        }
        let all_ops = p.bool("all_ops", true)?;
        let (interpolation, fill) = (interpolation(p, "bilinear")?, fill(p, None)?);
        Ok(Box::new(auto_augment::AugMix {
            severity,
            mixture_width,
            chain_depth,
            alpha,
            all_ops,
            interpolation,
            fill,
        }))
    },
};
