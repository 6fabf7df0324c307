//! `grayscale`: class Grayscale: luma in all channels.
//!
//! Built-in op named and parameterized after `torchvision.transforms.v2.functional`.

use super::common::*;

pub(super) const OP: Builtin = Builtin {
    name: "grayscale",
    summary: "class Grayscale: luma in all channels",
    params: &[("num_output_channels", "1", "1 or 3; images stay RGB")],
    ctor: grayscale_from,
};
