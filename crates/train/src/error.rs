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
    /// The data source failed. The cause is both in the message and the error source: the
    /// binary and the sweep print a cause only when the message does not already say it.
    #[error("data: {0}")]
    Data(#[from] spillover_data::DataError),
    /// Scoring the finished run's predictions against the annotations failed.
    #[error("scoring {}: {cause}", predictions.display())]
    Scoring {
        /// The prediction file.
        predictions: PathBuf,
        /// Why (in the message, and kept as the error source; boxed: the variant would
        /// otherwise make every `TrainError` large).
        #[source]
        cause: Box<spillover_factors::eval::EvalError>,
    },
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_and_scoring_errors_keep_their_cause() {
        use std::error::Error;
        let e: TrainError = spillover_data::DataError::Invalid("no images".into()).into();
        assert_eq!(e.to_string(), "data: no images");
        let cause = e.source().expect("the data error is the source");
        assert!(cause.downcast_ref::<spillover_data::DataError>().is_some());

        let e = TrainError::Scoring {
            predictions: "p.csv".into(),
            cause: Box::new(spillover_factors::eval::EvalError::Unsupported("x".into())),
        };
        assert_eq!(e.to_string(), "scoring p.csv: x");
        let cause = e.source().expect("the scoring error is the source");
        assert!(
            cause
                .downcast_ref::<Box<spillover_factors::eval::EvalError>>()
                .is_some()
        );
    }
}
