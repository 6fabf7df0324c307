//! Errors of the report: each names the file (and line where there is one) and says what to do.

use std::path::{Path, PathBuf};

use spillover_factors::analyze::AnalyzeError;

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot read {}: {error}; check the path and that it is readable", path.display())]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{file}{}: {problem}; {fix}", line.map(|l| format!(", line {l}")).unwrap_or_default())]
    Input {
        file: String,
        line: Option<u64>,
        problem: String,
        fix: String,
    },
    #[error(transparent)]
    Analyze(#[from] AnalyzeError),
    #[error(transparent)]
    Eval(#[from] spillover_factors::eval::EvalError),
    #[error("cannot write {}: {error}; check that the output directory is writable and the disk has space", path.display())]
    Write {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("drawing figure `{name}` failed: {message}")]
    Plot { name: String, message: String },
}

impl ReportError {
    /// A problem with an input file.
    pub fn input(
        file: &Path,
        line: Option<u64>,
        problem: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        ReportError::Input {
            file: file.display().to_string(),
            line,
            problem: problem.into(),
            fix: fix.into(),
        }
    }

    pub(crate) fn read(path: &Path, error: std::io::Error) -> Self {
        ReportError::Read {
            path: path.to_path_buf(),
            error,
        }
    }
}

impl From<spillover_factors::analyze::InputError> for ReportError {
    fn from(e: spillover_factors::analyze::InputError) -> Self {
        ReportError::Analyze(e.into())
    }
}
