//! `random_erasing`: erase a random box with probability p.
//!
//! Built-in random transform, named after its torchvision class (snake_case).

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "random_erasing",
    summary: "erase a random box with probability p",
    params: &[
        ("p", "0.5", ""),
        ("scale", "[0.02, 0.33]", "area fraction range"),
        ("ratio", "[0.3, 3.3]", "aspect range"),
        ("value", "0", "a number, [r, g, b] or \"random\""),
    ],
    ctor: |p, _| {
        let prob = p.probability("p", 0.5)?;
        let scale = p.range("scale", (0.02, 0.33))?;
        let ratio = p.range("ratio", (0.3, 3.3))?;
        if ratio.0 <= 0.0 {
            return Err(p.bad("ratio", "must be positive"));
        }
        let v = erase_value(p, "value")?;
        Ok(FnOp::boxed("random_erasing", move |img, r| {
            if !rng::coin(r, prob) {
                return img;
            }
            match erasing::random_erasing_box(img.height(), img.width(), scale, ratio, r) {
                Some((i, j, h, w)) => erasing::erase(img, i, j, h, w, v, r),
                None => img,
            }
        }))
    },
};
