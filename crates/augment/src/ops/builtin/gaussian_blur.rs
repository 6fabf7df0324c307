//! `gaussian_blur`: Gaussian blur; sigma a number (fixed) or [min, max] (drawn per image).
//!
//! Built-in op named and parameterized after `torchvision.transforms.v2.functional`.

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "gaussian_blur",
    summary: "Gaussian blur; sigma a number (fixed) or [min, max] (drawn per image)",
    params: &[
        ("kernel_size", "required", "odd, a number or [kx, ky]"),
        ("sigma", "[0.1, 2.0]", "> 0"),
    ],
    ctor: build,
};

fn build(p: &mut Params, _: &Registry) -> Result<Box<dyn Augmentation>> {
    let k = p
        .f64_list("kernel_size")?
        .ok_or_else(|| p.missing("kernel_size"))?;
    let (kx, ky) = match k[..] {
        [a] => (a, a),
        [a, b] => (a, b),
        _ => return Err(p.bad("kernel_size", "expected a number or [kx, ky]")),
    };
    for k in [kx, ky] {
        if k <= 0.0 || k.fract() != 0.0 || k as i64 % 2 == 0 {
            return Err(p.bad(
                "kernel_size",
                format!("must be odd positive integers, got {k}"),
            ));
        }
    }
    let sigma = match p.f64_list("sigma")? {
        None => (0.1, 2.0),
        Some(v) if v.len() == 1 => (v[0], v[0]),
        Some(v) if v.len() == 2 => (v[0], v[1]),
        Some(_) => return Err(p.bad("sigma", "expected a number or [min, max]")),
    };
    if !(sigma.0 > 0.0 && sigma.0 <= sigma.1) {
        return Err(p.bad(
            "sigma",
            format!("must be positive with min <= max, got {sigma:?}"),
        ));
    }
    Ok(presets::gaussian_blur_random(
        kx as usize,
        ky as usize,
        sigma,
    ))
}
