//! The crate's error type: every variant names the file (and key or line) at fault.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("{path}: {message}")]
    Config { path: String, message: String },
    /// The I/O error is part of the message (not a chained source), so it prints once.
    #[error("{}: {error}", path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{}: {message}", path.display())]
    Format { path: PathBuf, message: String },
    /// The cause is in the message and kept as the error source (printers skip a cause the
    /// message already says).
    #[error("{}: cannot decode image: {cause}", path.display())]
    Decode {
        path: PathBuf,
        #[source]
        cause: Box<crate::decode::DecodeError>,
    },
    /// Writing an annotation directory failed; the cause is in the message and kept as the
    /// error source.
    #[error("{}: {cause}", path.display())]
    Annotations {
        path: PathBuf,
        #[source]
        cause: Box<spillover_factors::annotations::AnnotationError>,
    },
    /// The augmentation library refused a batch (boxed: it is large).
    #[error(transparent)]
    Augment(Box<spillover_augment::AugmentError>),
    #[error("{0}")]
    Invalid(String),
}

impl DataError {
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        DataError::Io {
            path: path.to_path_buf(),
            error: source,
        }
    }

    pub fn format(path: &Path, message: impl Into<String>) -> Self {
        DataError::Format {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}

pub type Result<T, E = DataError> = std::result::Result<T, E>;
