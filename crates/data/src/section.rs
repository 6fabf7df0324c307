//! `[data]` of a training config: where a run's images come from. Owned and parsed here, beside
//! the datasets it names; `spillover-train` opens them behind its loader.
//!
//! - No `path`: the synthetic factor world (the embedded default config, or `world = FILE`).
//! - `path = DIR`: ImageNet folders `DIR/train/<wnid>/*` and `DIR/val/` (class folders, or flat
//!   with `val_labels`), optionally the first `classes` classes and a `fraction` of each.

use std::path::PathBuf;

use serde::Deserialize;

use crate::world::config::WorldConfig;

/// A `[data]` table that is not a data source.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DataSectionError {
    /// A key or value serde rejects (unknown key, wrong type).
    #[error("[data]: {0}")]
    Invalid(String),
    /// An ImageNet-only key without `path`.
    #[error(
        "data.{0} applies to ImageNet folders: set data.path too (the synthetic world takes its size and classes from its own config)"
    )]
    ImageNetOnly(&'static str),
    /// Both sources at once.
    #[error("data.world and data.path exclude each other: the synthetic world or ImageNet folders")]
    WorldAndPath,
    /// `fraction` outside (0, 1].
    #[error("data.fraction = {0} must be in (0, 1]")]
    Fraction(f64),
}

/// Side of an image folder's training crop and evaluation centre crop without `image_size`.
pub const DEFAULT_IMAGE_SIZE: u32 = 224;

/// `[data]`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSection {
    /// Synthetic world config file (only the keys that differ from the default are needed).
    pub world: Option<PathBuf>,
    /// ImageNet root holding `train/` and `val/`.
    pub path: Option<PathBuf>,
    /// `file_name,label` CSV of a flat `val/` folder (ImageNet-X's `filename_label.csv`).
    pub val_labels: Option<PathBuf>,
    /// ImageNet-X annotation directory (default: the world's, or the fetched ImageNet-X files).
    pub annotations: Option<PathBuf>,
    /// ImageNet: side of the training crop and of the evaluation centre crop (default 224).
    pub image_size: Option<u32>,
    /// ImageNet: shorter side before the evaluation centre crop (default image_size × 8/7).
    pub eval_resize: Option<u32>,
    /// ImageNet: keep only the first N classes.
    pub classes: Option<usize>,
    /// ImageNet: keep this fraction of each class's training images.
    pub fraction: Option<f64>,
    /// Loader threads (0: all cores).
    #[serde(default)]
    pub workers: usize,
    /// Batches prepared ahead of the training step.
    pub prefetch: Option<usize>,
}

impl DataSection {
    /// Parses the raw `[data]` table of a training config.
    pub fn from_table(table: &toml::Table) -> Result<Self, DataSectionError> {
        let section: DataSection = toml::Value::Table(table.clone())
            .try_into()
            .map_err(|e: toml::de::Error| DataSectionError::Invalid(e.to_string()))?;
        if section.path.is_none() {
            let imagenet_only = [
                ("val_labels", section.val_labels.is_some()),
                ("image_size", section.image_size.is_some()),
                ("eval_resize", section.eval_resize.is_some()),
                ("classes", section.classes.is_some()),
                ("fraction", section.fraction.is_some()),
            ];
            if let Some((key, _)) = imagenet_only.iter().find(|(_, set)| *set) {
                return Err(DataSectionError::ImageNetOnly(key));
            }
        } else if section.world.is_some() {
            return Err(DataSectionError::WorldAndPath);
        }
        if let Some(f) = section.fraction
            && !(f > 0.0 && f <= 1.0)
        {
            return Err(DataSectionError::Fraction(f));
        }
        Ok(section)
    }

    /// Side of the square images the data feeds the model, and where it is set: `data.image_size`
    /// (default 224) for image folders, the world's `image_size` otherwise. `None` when the world
    /// config cannot be read here (opening the data reports why).
    pub fn model_input_size(&self) -> Option<(usize, String)> {
        if self.path.is_some() {
            return Some(match self.image_size {
                Some(size) => (size as usize, "data.image_size".into()),
                None => (
                    DEFAULT_IMAGE_SIZE as usize,
                    format!("data.image_size, default {DEFAULT_IMAGE_SIZE}"),
                ),
            });
        }
        match &self.world {
            Some(path) => WorldConfig::load(path).ok().map(|c| {
                (
                    c.image_size as usize,
                    format!("image_size of the world {}", path.display()),
                )
            }),
            None => Some((
                WorldConfig::default().image_size as usize,
                "image_size of the default world".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(text: &str) -> Result<DataSection, String> {
        DataSection::from_table(&text.parse().unwrap()).map_err(|e| e.to_string())
    }

    #[test]
    fn data_section_rejects_mixed_and_unknown_keys() {
        assert_eq!(section("").unwrap(), DataSection::default());
        assert!(
            section("pth = \"/x\"")
                .unwrap_err()
                .contains("unknown field `pth`")
        );
        assert!(
            section("image_size = 64")
                .unwrap_err()
                .contains("data.image_size applies to ImageNet")
        );
        assert!(
            section("path = \"/x\"\nworld = \"w.toml\"")
                .unwrap_err()
                .contains("exclude each other")
        );
        assert!(
            section("path = \"/x\"\nfraction = 0")
                .unwrap_err()
                .contains("(0, 1]")
        );
        assert_eq!(
            section("classes = 3").unwrap_err(),
            DataSectionError::ImageNetOnly("classes").to_string()
        );
    }

    #[test]
    fn model_input_size_names_where_the_size_comes_from() {
        let s = |text: &str| section(text).unwrap().model_input_size().unwrap();
        assert_eq!(
            s("path = \"/x\""),
            (224, "data.image_size, default 224".to_string())
        );
        assert_eq!(
            s("path = \"/x\"\nimage_size = 64"),
            (64, "data.image_size".to_string())
        );
        assert_eq!(s("").0, WorldConfig::default().image_size as usize);
    }
}
