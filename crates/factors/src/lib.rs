//! # spillover-factors
//!
//! The factor engine of spillover: ImageNet-X annotations, prediction files in the
//! `imagenet_x` CSV format, per-factor accuracies / error ratios / calibration that are
//! bit-identical to the official `imagenet-x` toolkit, and the statistics on top of them.
//! No Burn here: this crate builds in seconds and scores predictions from any framework.

pub mod analyze;
pub mod annotations;
pub mod atomic;
pub mod eval;
pub mod example;
pub mod factor;
pub mod lock;
pub mod predictions;
pub mod pyfloat;
pub mod stats;

pub use factor::{Factor, FactorSet, METACLASSES, NUM_FACTORS};
