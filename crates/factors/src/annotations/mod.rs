//! ImageNet-X annotation sets: the on-disk format of the `imagenet-x` toolkit, read and written.
//!
//! An annotation directory holds (file names fixed by the toolkit):
//! - `imagenet_x_{train,val}_{top,multi}_factor.jsonl`: one JSON object per image with
//!   `file_name`, `class`, the 16 factors as 0/1 and free-text `justification`, `one_word`;
//! - `filename_label.csv`: `file_name,label` for every validation image;
//! - `imagenet_1k_classes_to_100_metaclasses.csv`: `wnid,name,metaclass`, row i = class i's metaclass;
//! - `imagenet_labels.txt`: `wnid,label`, one line per class, no header;
//! - `prototypical_paths.csv`: `file_name`, the prototype images the toolkit filters out;
//! - `imagenet_real_labels.jsonl`: one JSON array; element i lists the ReaL labels of the i-th
//!   validation file in lexicographic file-name order (for ImageNet: `ILSVRC2012_val_{i+1:08}`).
//!
//! The synthetic world writes the same files, so the engine scores it with no special case.

mod fetch;
mod read;
mod write;

pub(crate) use fetch::sha256_hex;
pub use fetch::{
    FETCHED_FILES, FetchReport, MODEL_TYPES_FILE, WHEEL_FILES, cache_root, default_dir, fetch,
    read_model_types,
};
pub use read::AnnotationDir;
pub use write::{AnnotationSet, write_annotation_set, write_factor_jsonl};

use crate::factor::FactorSet;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// Which images: the 50k-image validation split or the 12k annotated training images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Partition {
    Train,
    Val,
}

/// Which factor labelling: only the top factor per image, or every active factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WhichFactor {
    Top,
    Multi,
}

impl Partition {
    pub fn name(self) -> &'static str {
        match self {
            Partition::Train => "train",
            Partition::Val => "val",
        }
    }
}

impl WhichFactor {
    pub fn name(self) -> &'static str {
        match self {
            WhichFactor::Top => "top",
            WhichFactor::Multi => "multi",
        }
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for WhichFactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Partition {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "train" => Ok(Partition::Train),
            "val" => Ok(Partition::Val),
            _ => Err(format!("unknown partition `{s}`: use `train` or `val`")),
        }
    }
}

impl FromStr for WhichFactor {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "top" => Ok(WhichFactor::Top),
            "multi" => Ok(WhichFactor::Multi),
            _ => Err(format!(
                "unknown factor selection `{s}`: use `top` or `multi`"
            )),
        }
    }
}

/// File names inside an annotation directory.
pub mod files {
    use super::{Partition, WhichFactor};

    pub const FILENAME_LABEL: &str = "filename_label.csv";
    pub const METACLASSES: &str = "imagenet_1k_classes_to_100_metaclasses.csv";
    pub const LABELS: &str = "imagenet_labels.txt";
    pub const PROTOTYPES: &str = "prototypical_paths.csv";
    pub const REAL_LABELS: &str = "imagenet_real_labels.jsonl";

    /// `imagenet_x_{partition}_{which}_factor.jsonl`
    pub fn factors(partition: Partition, which: WhichFactor) -> String {
        format!("imagenet_x_{partition}_{which}_factor.jsonl")
    }
}

/// One annotated image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnotationRecord {
    pub file_name: String,
    pub class: u32,
    pub factors: FactorSet,
    pub justification: String,
    pub one_word: String,
}

/// Row i of the metaclass CSV: the metaclass of class i.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaclassRow {
    /// WordNet id of the metaclass synset.
    pub wnid: String,
    /// Metaclass name; the engine collapses it to [`crate::METACLASSES`].
    pub name: String,
    /// Integer id of the metaclass among the 100.
    pub id: u32,
}

/// One line of `imagenet_labels.txt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassLabel {
    pub wnid: String,
    pub label: String,
}

/// Errors reading, writing or fetching annotations. Each names the file and, for parse
/// errors, the 1-based line.
#[derive(Debug, thiserror::Error)]
pub enum AnnotationError {
    #[error(
        "ImageNet-X annotations not found: {path} is missing.\n  fix: run `spillover annotations fetch` (downloads imagenet-x==0.0.7 and caches it), or pass `--annotations DIR` with a directory in the imagenet_x format"
    )]
    Missing { path: PathBuf },
    /// The cause is in the message, not repeated as an error source (it would print twice).
    #[error("{path}: {cause}")]
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("fetching the imagenet-x wheel failed: {0}")]
    Fetch(String),
}

impl AnnotationError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        let path = path.into();
        if source.kind() == std::io::ErrorKind::NotFound {
            AnnotationError::Missing { path }
        } else {
            AnnotationError::Io {
                path,
                cause: source,
            }
        }
    }

    pub(crate) fn parse(path: impl Into<PathBuf>, line: usize, message: impl Into<String>) -> Self {
        AnnotationError::Parse {
            path: path.into(),
            line,
            message: message.into(),
        }
    }
}
