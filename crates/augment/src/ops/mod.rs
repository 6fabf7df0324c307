//! The built-in ops: kernels (one module per family) and their registration by name
//! (`builtin/`, one file per op).
//!
//! Deterministic ops use `torchvision.transforms.v2.functional` names and parameter names;
//! random transforms use their class names in snake_case. Where a class and a function share
//! a name (`resize`, `center_crop`, `gaussian_blur`) the class semantics apply: e.g.
//! `gaussian_blur { sigma = 1.7 }` is fixed, `sigma = [0.1, 2.0]` is drawn per image.

pub mod affine;
pub mod auto_augment;
pub mod blur;
mod builtin;
pub mod color;
pub mod erasing;
pub mod geometry;
mod lut;
pub mod random;
pub mod resize;

pub(crate) use builtin::{hue_backend, register_builtins};
