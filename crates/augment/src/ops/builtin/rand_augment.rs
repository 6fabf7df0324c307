//! `rand_augment`: RandAugment: num_ops random ops at a fixed magnitude.
//!
//! Built-in random transform, named after its torchvision class (snake_case).

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "rand_augment",
    summary: "RandAugment: num_ops random ops at a fixed magnitude",
    params: &[
        ("num_ops", "2", ""),
        ("magnitude", "9", "bin index"),
        ("num_magnitude_bins", "31", ""),
        INTERP_NEAREST,
        FILL,
    ],
    ctor: |p, _| {
        let num_ops = p.u64("num_ops", Some(2))? as usize;
        let bins = p.int_in("num_magnitude_bins", Some(31), 2, 1000)? as usize;
        let magnitude = p.int_in("magnitude", Some(9), 0, bins as i64 - 1)? as usize;
        let (interpolation, fill) = (interpolation(p, "nearest")?, fill(p, None)?);
        Ok(Box::new(auto_augment::RandAugment {
            num_ops,
            magnitude,
            num_magnitude_bins: bins,
            interpolation,
            fill,
        }))
    },
};
