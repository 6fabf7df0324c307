//! `random_affine`: random rotation, translation, scale and shear.
//!
//! Built-in random transform, named after its torchvision class (snake_case).

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "random_affine",
    summary: "random rotation, translation, scale and shear",
    params: &[
        ("degrees", "required", "d -> [-d, d], or [min, max]"),
        ("translate", "none", "max fractions [x, y]"),
        ("scale", "none", "[min, max]"),
        (
            "shear",
            "none",
            "s, [xmin, xmax] or [xmin, xmax, ymin, ymax]",
        ),
        INTERP_NEAREST,
        ("fill", "0", "a number or [r, g, b]"),
        CENTER,
    ],
    ctor: build,
};

fn build(p: &mut Params, _: &Registry) -> Result<Box<dyn Augmentation>> {
    let degrees = symmetric_range(p, "degrees", true)?.unwrap_or((0.0, 0.0));
    let translate = match p.f64_list("translate")? {
        None => None,
        Some(v) if v.len() == 2 && v.iter().all(|t| (0.0..=1.0).contains(t)) => Some((v[0], v[1])),
        Some(_) => return Err(p.bad("translate", "expected [x, y] fractions in [0, 1]")),
    };
    let scale = if p.has("scale") {
        Some(p.range("scale", (1.0, 1.0))?)
    } else {
        None
    };
    if scale.is_some_and(|s| s.0 <= 0.0) {
        return Err(p.bad("scale", "must be positive"));
    }
    let shear = match p.f64_list("shear")? {
        None => None,
        Some(v) if v.len() == 1 && v[0] >= 0.0 => Some([-v[0], v[0], 0.0, 0.0]),
        Some(v) if v.len() == 2 && v[0] <= v[1] => Some([v[0], v[1], 0.0, 0.0]),
        Some(v) if v.len() == 4 && v[0] <= v[1] && v[2] <= v[3] => Some([v[0], v[1], v[2], v[3]]),
        Some(_) => {
            return Err(p.bad(
                "shear",
                "expected s >= 0, [min, max] or [xmin, xmax, ymin, ymax]",
            ));
        }
    };
    let (interp, fill, center) = (
        interpolation(p, "nearest")?,
        fill(p, Some([0.0; 3]))?,
        center(p)?,
    );
    Ok(FnOp::boxed("random_affine", move |img, r| {
        let angle = rng::uniform(r, degrees.0, degrees.1);
        let t = translate.map_or([0.0, 0.0], |(fx, fy)| {
            let (mx, my) = (fx * img.width() as f64, fy * img.height() as f64);
            [
                geometry::round_half_even(rng::uniform(r, -mx, mx)) as f64,
                geometry::round_half_even(rng::uniform(r, -my, my)) as f64,
            ]
        });
        let s = scale.map_or(1.0, |(lo, hi)| rng::uniform(r, lo, hi));
        let sh = shear.map_or([0.0, 0.0], |[a, b, c, d]| {
            let x = rng::uniform(r, a, b);
            let y = if c != 0.0 || d != 0.0 {
                rng::uniform(r, c, d)
            } else {
                0.0
            };
            [x, y]
        });
        affine::affine(&img, angle, t, s, sh, interp, fill, center)
    }))
}
