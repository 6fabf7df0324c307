//! # spillover-augment
//!
//! Image augmentations with torchvision v2 semantics (same formulas, same parameter sampling),
//! the paper's strength-parameterized recipes, and a registry that builds every op by name
//! from TOML, so a sweep can say what it augments with in a config file.
//!
//! ## The interfaces other crates build on
//! - [`Augmentation`]: one op, `apply(image, rng) -> image` on an RGB8 [`Image`]; object safe,
//!   `Send + Sync`.
//! - [`Pipeline`] (torchvision `Compose`): built from TOML, e.g.
//!   ```toml
//!   [[augment]]
//!   name = "random_resized_crop"
//!   size = 224
//!   [[augment]]
//!   name = "random_horizontal_flip"
//!   [[augment]]
//!   name = "paper_color_jitter"
//!   strength = 0.5
//!   ```
//!   with [`Pipeline::from_toml_str`], [`Pipeline::from_value`] (a `toml::Value` embedded in a
//!   training config) or [`PipelineSpec`] (a serde field holding `[[augment]]` tables).
//!   [`Pipeline::apply_sample`]`(image, seed, epoch, index)` draws from [`rng::sample_rng`], so
//!   the bytes do not depend on thread count or order.
//! - [`Normalize`] and [`batch_to_chw`]: the normalized f32 CHW batch training consumes
//!   (ImageNet mean/std by default), parallel over samples with rayon; [`augment_batch`] runs a
//!   pipeline and normalization for a whole batch in one call.
//! - [`presets`]: `paper_color_jitter(t)`, `paper_blur(t)`, `paper_crop(s)`, the standard
//!   ImageNet train pipeline and the eval transform (resize 256 → center crop 224, configurable).
//! - [`Registry`]: `Registry::default()` holds every built-in op; `registry.register(name, ctor)`
//!   adds a user op. Unknown names list the valid ones and the closest match; bad parameters
//!   name their key.
//! - [`batch::BatchMix`]: MixUp and CutMix on a normalized batch, with label mixing.
//!
//! ## Names
//! Deterministic ops are registered under their `torchvision.transforms.v2.functional` names
//! with the same parameter names (`adjust_brightness { brightness_factor }`,
//! `adjust_hue { hue_factor }`, `center_crop { output_size }`, `resized_crop { top, left,
//! height, width, size }`, ...; a test checks every one against torchvision's signatures); where
//! the class shares the name and calls a parameter differently, the class's name is accepted too
//! (`center_crop { size }`). Random transforms are registered under their class name in
//! snake_case (`random_resized_crop`, `color_jitter`, `rand_augment`, ...). `spillover augment
//! list` prints them all with parameters and defaults. Any op table may carry `p` to be applied
//! with that probability. An error in a pipeline names the entry (`[[augment]] entry 2
//! (`color_jitter`): ...`) and the key at fault; a key is called unknown only if the op does
//! not take it.
//!
//! ## Exactness
//! Each deterministic op reproduces torchvision's *tensor* back-end on uint8 images to within
//! 1 on every pixel (tests compare against committed torchvision outputs; see
//! `tests/fixtures/README.md` for where the PIL back-end differs). Hue is the exception: the
//! two back-ends differ by up to ~16 levels, and the paper's pipeline ran on PIL images, so
//! `adjust_hue`, `color_jitter`'s hue and `paper_color_jitter` follow PIL's 8-bit HSV bit for
//! bit by default ([`ops::color::HueBackend`]; `backend = "tensor"` for the tensor kernel). Images stay RGB8 between
//! ops, as torchvision's uint8 pipeline does; inside an op, arithmetic runs in f32 (or exact
//! integers) exactly where torch's does, rounding once at the end like torch.
//!
//! ## Speed
//! Hot loops (colour blends, hue, grayscale, normalization) are written over fixed-size lanes
//! so LLVM vectorizes them, and compiled three times: portable, AVX2+FMA and AVX-512, the
//! widest picked at run time (`simd.rs`). The horizontal resampling pass and the flip have
//! hand-written AVX2 kernels (`std::arch`), brightness and contrast a 256-byte table kernel
//! with AVX-512 VBMI; each computes the same integers or floats as its portable twin, and a test checks
//! that every level gives the same bytes. Exact shortcuts (e.g. hue's max and min channels
//! are the input's, normalization by reciprocal) are proved on all inputs in tests or, for
//! normalization, checked on all 256 inputs when built. `BENCHMARKS.md` compares the training
//! pipeline with torchvision (`scripts/bench-augment.sh`).

pub mod batch;
pub mod compose;
pub mod error;
pub mod ops;
pub mod params;
pub mod presets;
pub mod registry;
pub mod rng;
mod simd;
pub mod tensor;

/// Re-exported so users (and the CLI) need no separate `image`/`toml` dependency.
pub use image;
pub use toml;

pub use compose::{Pipeline, RandomApply, RandomChoice, RandomOrder};
pub use error::{AugmentError, Result};
pub use params::{Params, Size};
pub use registry::{Constructor, OpDoc, ParamDoc, Registry};
pub use rng::SampleRng;
pub use tensor::{Normalize, augment_batch, batch_to_chw};

/// The image type every op works on: 8-bit RGB, row-major, interleaved.
pub type Image = image::RgbImage;

/// One augmentation: takes an image (by value, so in-place ops need not copy) and the sample's
/// random stream, returns the augmented image. Deterministic ops ignore `rng`.
pub trait Augmentation: Send + Sync + std::fmt::Debug {
    fn apply(&self, image: Image, rng: &mut SampleRng) -> Image;
}

/// A pipeline as a serde field of a larger config: `[[augment]]` tables, built later against a
/// registry (which may hold user ops).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct PipelineSpec(pub Vec<toml::Table>);

impl PipelineSpec {
    /// No `[[augment]]` entries.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn build(&self, registry: &Registry) -> Result<Pipeline> {
        registry.build_pipeline(&self.0)
    }
}
