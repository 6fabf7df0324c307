//! Datasets: indexable labelled images. [`Dataset`] is what the [`crate::loader::Loader`]
//! reads; [`DecodedDataset`] holds decoded images (the world's small images, a few MB), so
//! an epoch costs no decoding at all.

use crate::decode::load_rgb;
use crate::error::DataError;
use crate::imagenet::ImageFolder;
use crate::world::{Split, WorldConfig, plan, render_image};
use image::RgbImage;
use rayon::prelude::*;
use std::path::PathBuf;

/// A labelled image collection the loader can read from any thread.
pub trait Dataset: Send + Sync {
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Class index of sample `index`.
    fn label(&self, index: usize) -> u32;
    /// File name of sample `index` (the key of the ImageNet-X annotations and prediction files).
    fn name(&self, index: usize) -> &str;
    /// The decoded RGB image of sample `index`; an error names the file.
    fn load(&self, index: usize) -> Result<RgbImage, DataError>;
}

/// A file that could not be read or decoded, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub index: usize,
    pub path: PathBuf,
    pub reason: String,
}

impl Skipped {
    pub fn from_error(index: usize, name: &str, e: &DataError) -> Self {
        let path = match e {
            DataError::Io { path, .. }
            | DataError::Decode { path, .. }
            | DataError::Format { path, .. } => path.clone(),
            _ => PathBuf::from(name),
        };
        let reason = match e {
            DataError::Decode { cause, .. } => cause.to_string(),
            DataError::Format { message, .. } => message.clone(),
            DataError::Io { error, .. } => error.to_string(),
            other => other.to_string(),
        };
        Skipped {
            index,
            path,
            reason,
        }
    }
}

/// Decoded RGB images held in memory (not yet augmented or normalized).
#[derive(Debug, Clone, Default)]
pub struct DecodedDataset {
    images: Vec<RgbImage>,
    labels: Vec<u32>,
    names: Vec<String>,
}

impl DecodedDataset {
    /// Builds from parallel vectors; they must have equal lengths.
    pub fn new(
        images: Vec<RgbImage>,
        labels: Vec<u32>,
        names: Vec<String>,
    ) -> Result<Self, DataError> {
        if images.len() != labels.len() || images.len() != names.len() {
            return Err(DataError::Invalid(format!(
                "{} images, {} labels and {} names: give one label and one name per image",
                images.len(),
                labels.len(),
                names.len()
            )));
        }
        Ok(DecodedDataset {
            images,
            labels,
            names,
        })
    }

    /// Renders a split of the synthetic world straight into memory (no files), in parallel;
    /// the same images `world generate` writes.
    pub fn from_world(cfg: &WorldConfig, split: Split) -> Self {
        let planned = plan(cfg, split);
        let size = cfg.image_size;
        let images = planned
            .par_iter()
            .map(|p| {
                RgbImage::from_raw(size, size, render_image(cfg, split, p).1.rgb)
                    .expect("render gives size*size*3 bytes")
            })
            .collect();
        DecodedDataset {
            images,
            labels: planned.iter().map(|p| p.class as u32).collect(),
            names: planned.into_iter().map(|p| p.file_name).collect(),
        }
    }

    /// Decodes every file of a folder dataset in parallel. Unreadable files are left out and
    /// returned with their reasons.
    pub fn from_folder(folder: &ImageFolder) -> (Self, Vec<Skipped>) {
        let decoded: Vec<Result<RgbImage, DataError>> = folder
            .samples
            .par_iter()
            .map(|s| load_rgb(&s.path))
            .collect();
        let mut ds = DecodedDataset::default();
        let mut skipped = Vec::new();
        for (i, (r, s)) in decoded.into_iter().zip(&folder.samples).enumerate() {
            match r {
                Ok(img) => {
                    ds.images.push(img);
                    ds.labels.push(s.label);
                    ds.names.push(s.file_name.clone());
                }
                Err(e) => skipped.push(Skipped::from_error(i, &s.file_name, &e)),
            }
        }
        (ds, skipped)
    }

    pub fn image(&self, index: usize) -> &RgbImage {
        &self.images[index]
    }

    pub fn labels(&self) -> &[u32] {
        &self.labels
    }
}

impl Dataset for DecodedDataset {
    fn len(&self) -> usize {
        self.images.len()
    }
    fn label(&self, index: usize) -> u32 {
        self.labels[index]
    }
    fn name(&self, index: usize) -> &str {
        &self.names[index]
    }
    fn load(&self, index: usize) -> Result<RgbImage, DataError> {
        Ok(self.images[index].clone())
    }
}

impl Dataset for ImageFolder {
    fn len(&self) -> usize {
        self.samples.len()
    }
    fn label(&self, index: usize) -> u32 {
        self.samples[index].label
    }
    fn name(&self, index: usize) -> &str {
        &self.samples[index].file_name
    }
    fn load(&self, index: usize) -> Result<RgbImage, DataError> {
        load_rgb(&self.samples[index].path)
    }
}
