//! `trivial_augment_wide`: TrivialAugmentWide: one random op at a random magnitude.
//!
//! Built-in random transform, named after its torchvision class (snake_case).

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "trivial_augment_wide",
    summary: "TrivialAugmentWide: one random op at a random magnitude",
    params: &[("num_magnitude_bins", "31", ""), INTERP_NEAREST, FILL],
    ctor: |p, _| {
        let bins = p.int_in("num_magnitude_bins", Some(31), 2, 1000)? as usize;
        let (interpolation, fill) = (interpolation(p, "nearest")?, fill(p, None)?);
        Ok(Box::new(auto_augment::TrivialAugmentWide {
            num_magnitude_bins: bins,
            interpolation,
            fill,
        }))
    },
};
