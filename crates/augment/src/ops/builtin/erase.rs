//! `erase`: overwrite a box.
//!
//! Built-in op named and parameterized after `torchvision.transforms.v2.functional`.

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "erase",
    summary: "overwrite a box",
    params: &[
        ("i", "required", "top row"),
        ("j", "required", "left column"),
        ("h", "required", ""),
        ("w", "required", ""),
        ("v", "0", "a number, [r, g, b] or \"random\""),
        ("inplace", "false", "no effect: ops take the image by value"),
    ],
    ctor: |p, _| {
        let (i, j) = (p.u64("i", None)? as u32, p.u64("j", None)? as u32);
        let (h, w) = (p.u64("h", None)? as u32, p.u64("w", None)? as u32);
        let v = erase_value(p, "v")?;
        p.bool("inplace", false)?;
        Ok(FnOp::boxed(
            format!("erase({i}, {j}, {h}, {w})"),
            move |img, r| erasing::erase(img, i, j, h, w, v, r),
        ))
    },
};
