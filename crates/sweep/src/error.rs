//! Errors of planning and running a sweep; each names the file, line, key or cell at fault.

use std::path::{Path, PathBuf};

/// Anything that stops a sweep command.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// The experiment file (or a file it names) is malformed or inconsistent.
    #[error("{file}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Experiment {
        /// The experiment file.
        file: String,
        /// 1-based line of the offending entry, when known.
        line: Option<usize>,
        /// What is wrong and what to do.
        message: String,
    },
    /// A cell's training config does not check out.
    #[error("{file}{}: cell {cell}: {cause}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Cell {
        /// The experiment file.
        file: String,
        /// Line of the group or cell entry that made the cell.
        line: Option<usize>,
        /// The cell's name.
        cell: String,
        /// The training crate's complaint (in the message, not repeated as an error source).
        cause: spillover_train::TrainError,
    },
    /// Training failed.
    #[error(transparent)]
    Train(#[from] spillover_train::TrainError),
    /// Reading or writing a file of the run store failed.
    #[error("{}: {cause}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        cause: std::io::Error,
    },
    /// The run store is not in a state this command can use.
    #[error("{}: {message}", path.display())]
    Store {
        /// The sweep or cell directory.
        path: PathBuf,
        /// What is wrong and what to do.
        message: String,
    },
    /// Talking to Slurm failed.
    #[error("slurm: {0}")]
    Slurm(String),
}

impl SweepError {
    /// An I/O error on `path`.
    pub fn io(path: &Path, cause: std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            cause,
        }
    }

    /// A store error on `path`.
    pub fn store(path: &Path, message: impl Into<String>) -> Self {
        Self::Store {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}

/// Results of this crate.
pub type Result<T, E = SweepError> = std::result::Result<T, E>;
