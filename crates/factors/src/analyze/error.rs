//! Errors of `analyze`: every one names the file, and where it can the line and column, and
//! says how to fix the input.

use std::fmt;

/// A problem with one input, located as precisely as possible.
#[derive(Debug, Clone, PartialEq)]
pub struct InputError {
    pub file: String,
    /// 1-based line in the file (the header is line 1).
    pub line: Option<u64>,
    pub column: Option<String>,
    pub problem: String,
    pub fix: String,
}

impl InputError {
    pub(crate) fn new(file: &str, problem: impl Into<String>, fix: impl Into<String>) -> Self {
        InputError {
            file: file.to_string(),
            line: None,
            column: None,
            problem: problem.into(),
            fix: fix.into(),
        }
    }

    pub(crate) fn at_line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }

    pub(crate) fn in_column(mut self, column: &str) -> Self {
        self.column = Some(column.to_string());
        self
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ", column `{column}`")?;
        }
        write!(f, ": {}; {}", self.problem, self.fix)
    }
}

impl std::error::Error for InputError {}

/// Why an analysis could not run.
#[derive(Debug, thiserror::Error)]
pub enum AnalyzeError {
    #[error("cannot read {file}: {error}; check the path and that the file is readable")]
    Read { file: String, error: std::io::Error },
    #[error(transparent)]
    Input(#[from] InputError),
}
