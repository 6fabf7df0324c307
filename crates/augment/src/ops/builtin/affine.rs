//! `affine`: rotate, translate, scale and shear about the centre.
//!
//! Built-in op named and parameterized after `torchvision.transforms.v2.functional`.

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "affine",
    summary: "rotate, translate, scale and shear about the centre",
    params: &[
        ("angle", "required", "degrees"),
        ("translate", "[0, 0]", "pixels [x, y]"),
        ("scale", "1.0", "> 0"),
        ("shear", "[0, 0]", "degrees, a number or [x, y]"),
        INTERP_NEAREST,
        FILL,
        CENTER,
    ],
    ctor: |p, _| {
        let angle = p.f64_required("angle")?;
        let translate = pair(p, "translate", [0.0, 0.0])?;
        let scale = p.f64("scale", 1.0)?;
        if scale <= 0.0 {
            return Err(p.bad("scale", format!("must be positive, got {scale}")));
        }
        let shear = match p.f64_list("shear")? {
            None => [0.0, 0.0],
            Some(v) if v.len() == 1 => [v[0], 0.0],
            Some(v) if v.len() == 2 => [v[0], v[1]],
            Some(_) => return Err(p.bad("shear", "expected a number or [x, y]")),
        };
        let (interp, fill, center) = (interpolation(p, "nearest")?, fill(p, None)?, center(p)?);
        Ok(FnOp::boxed(
            format!("affine({angle}, {translate:?}, {scale}, {shear:?})"),
            move |i, _| affine::affine(&i, angle, translate, scale, shear, interp, fill, center),
        ))
    },
};
