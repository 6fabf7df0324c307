//! Errors of the training crate; each names the file, key or step at fault.

use std::path::{Path, PathBuf};

/// Anything that stops a training run.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// A config file or `--set` override is malformed or inconsistent.
    #[error("{origin}: {message}")]
    Config {
        /// File name or the override.
        origin: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// Reading or writing a file failed.
    #[error("{}: {cause}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause (in the message, not repeated as an error source).
        cause: std::io::Error,
    },
    /// A checkpoint is missing, truncated or from another run.
    #[error("checkpoint {}: {message}", path.display())]
    Checkpoint {
        /// The checkpoint directory or file.
        path: PathBuf,
        /// What is wrong and what to do.
        message: String,
    },
    /// The data source failed.
    #[error("data: {0}")]
    Data(String),
    /// A model could not be built.
    #[error(transparent)]
    Model(#[from] spillover_models::ModelError),
    /// The backend failed while running.
    #[error("backend: {0}")]
    Backend(String),
    /// The run directory is not in a state this command can use.
    #[error("{}: {message}", path.display())]
    RunDir {
        /// The run directory.
        path: PathBuf,
        /// What is wrong and what to do.
        message: String,
    },
}

impl TrainError {
    /// An I/O error on `path`.
    pub fn io(path: &Path, cause: std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            cause,
        }
    }
}
