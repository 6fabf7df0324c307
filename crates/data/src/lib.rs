//! # spillover-data
//!
//! Data for spillover, free of Burn:
//! - [`world`]: the synthetic factor world, rendered with ground-truth ImageNet-X factors and
//!   written in the ImageNet-X on-disk formats (the embedded default dataset);
//! - [`imagenet`]: ImageNet folder layouts (class folders, flat validation with
//!   `filename_label.csv`), subsets, and the join to ImageNet-X annotations by file name;
//! - [`decode`]: image decoding with PIL's semantics (format from content, grayscale and CMYK
//!   to RGB, truncated files refused);
//! - [`dataset`]: the [`Dataset`] trait and [`DecodedDataset`] (decoded images in memory);
//! - [`pack`]: decode once into a memory-mapped uint8 file ([`PackedDataset`]);
//! - [`loader`]: the prefetching, deterministic [`Loader`] that yields normalized
//!   [`LoaderBatch`]es (`[n, 3, h, w]` f32) through a `spillover_augment::Pipeline`.
//!
//! ## Stable API for the trainer
//! - `DecodedDataset::from_world(&WorldConfig, Split)`, `DecodedDataset::from_folder(&ImageFolder)`,
//!   `ImageFolder::open(dir)`, `ImageFolder::open_val(dir, labels_csv, classes)`, `PackedDataset::open(path)`;
//! - `Loader::new(Arc<dataset>, Arc<Pipeline>, LoaderConfig)`, `loader.epoch(seed, epoch)` →
//!   iterator of `Result<LoaderBatch>`; `LoaderBatch { images, labels, indices, n, c, h, w, skipped }`;
//!   `loader.skipped()` lists every unreadable file with its reason.

pub mod dataset;
pub mod decode;
pub mod error;
pub mod imagenet;
pub mod loader;
pub mod pack;
pub mod section;
pub mod world;

#[cfg(test)]
mod testutil;

pub use dataset::{Dataset, DecodedDataset, Skipped};
pub use error::DataError;
pub use imagenet::{ClassSelection, ImageFolder, Sample, Subset};
pub use loader::{EpochIter, Loader, LoaderBatch, LoaderConfig};
pub use pack::{PackHeader, PackedDataset, write_pack};
pub use section::{DEFAULT_IMAGE_SIZE, DataSection, DataSectionError};
