//! Prediction files in the `imagenet_x` format: `file_name,predicted_class,predicted_probability`,
//! as `.csv` or `.csv.gz`, rows in any order (joined to the annotations by file name).
//!
//! The model name is the file stem (`ResNet50.csv.gz` -> `ResNet50`). Inputs may be files or
//! directories (every `.csv` / `.csv.gz` inside, sorted). Every malformed input gives a
//! [`PredictionError`] naming the file, the 1-based line and the fix.

mod index;
mod parse;
mod swar;
mod write;

pub(crate) use index::imagenet_val_number;
pub use index::{NameIndex, Slot};
pub use parse::{
    ABSENT, AlignedPredictions, ParseContext, parse_predictions, read_predictions_file,
};
pub use write::write_predictions_csv;

use std::path::{Path, PathBuf};

/// The required columns, in the canonical order.
pub const HEADER: [&str; 3] = ["file_name", "predicted_class", "predicted_probability"];

/// Errors reading prediction files.
#[derive(Debug, thiserror::Error)]
pub enum PredictionError {
    /// The cause is in the message, not repeated as an error source (it would print twice).
    #[error("{path}: {cause}")]
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("{path}: corrupt gzip data ({message}); re-export the file or decompress it to check")]
    Gzip { path: PathBuf, message: String },
    #[error(
        "{path}: the file is empty; expected a header `file_name,predicted_class,predicted_probability` and one row per image"
    )]
    Empty { path: PathBuf },
    #[error(
        "{path}:1: {message}; the first line must be the header `file_name,predicted_class,predicted_probability`"
    )]
    Header { path: PathBuf, message: String },
    #[error("{path}:{line}: {message}")]
    Row {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error(
        "{path}:{line}: `{name}` appears twice (first on line {first_line}); keep one prediction per image"
    )]
    Duplicate {
        path: PathBuf,
        line: usize,
        first_line: usize,
        name: String,
    },
    #[error(
        "{path}:{line}: `{name}` is not an image of the {partition} split of these annotations ({universe}); check the file names, or pass the matching --annotations/--partition"
    )]
    UnknownName {
        path: PathBuf,
        line: usize,
        name: String,
        partition: String,
        universe: String,
    },
    #[error(
        "{path}: predictions for {missing} of the {total} annotated images are missing (first: {first}); predict every image, or pass --subset to score only the images present"
    )]
    Missing {
        path: PathBuf,
        missing: usize,
        total: usize,
        first: String,
    },
    #[error("{path}: no annotated image has a prediction in this file")]
    NoOverlap { path: PathBuf },
    #[error(
        "{path}: not a prediction file: expected a `.csv` or `.csv.gz` file or a directory of them"
    )]
    NotPredictions { path: PathBuf },
    #[error(
        "{path}: no prediction files in this directory: it reads the `*.csv` and `*.csv.gz` files directly inside it (not in subfolders), and {found}"
    )]
    EmptyDirectory { path: PathBuf, found: String },
    #[error(
        "two inputs give the model name `{model}`: {first} and {second}; rename one (the model name is the file stem)"
    )]
    DuplicateModel {
        model: String,
        first: PathBuf,
        second: PathBuf,
    },
}

/// The model name of a prediction file: its name without `.csv` / `.csv.gz`.
pub fn model_name(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for ext in [".csv.gz", ".csv"] {
        if let Some(stem) = name.strip_suffix(ext) {
            return stem.to_string();
        }
    }
    name
}

fn is_prediction_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    name.ends_with(".csv") || name.ends_with(".csv.gz")
}

/// Expands files and directories into `(model name, path)` pairs, sorted by model name as the
/// toolkit's group-by does; fails on unreadable inputs and on two files with one model name.
pub fn expand_inputs(inputs: &[PathBuf]) -> Result<Vec<(String, PathBuf)>, PredictionError> {
    let mut files = Vec::new();
    for input in inputs {
        let meta = std::fs::metadata(input).map_err(|cause| PredictionError::Io {
            path: input.clone(),
            cause,
        })?;
        if meta.is_dir() {
            let entries = std::fs::read_dir(input).map_err(|cause| PredictionError::Io {
                path: input.clone(),
                cause,
            })?;
            let (mut found, others): (Vec<PathBuf>, Vec<PathBuf>) = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .partition(|p| p.is_file() && is_prediction_file(p));
            if found.is_empty() {
                let mut names: Vec<String> = others
                    .iter()
                    .filter_map(|p| Some(p.file_name()?.to_string_lossy().into_owned()))
                    .collect();
                names.sort();
                let found = match names.len() {
                    0 => "it is empty".to_string(),
                    n => format!(
                        "it holds {n} other entr{}: {}{}",
                        if n == 1 { "y" } else { "ies" },
                        names[..n.min(5)].join(", "),
                        if n > 5 { ", ..." } else { "" }
                    ),
                };
                return Err(PredictionError::EmptyDirectory {
                    path: input.clone(),
                    found,
                });
            }
            found.sort();
            files.extend(found);
        } else if is_prediction_file(input) {
            files.push(input.clone());
        } else {
            return Err(PredictionError::NotPredictions {
                path: input.clone(),
            });
        }
    }
    let mut named: Vec<(String, PathBuf)> =
        files.into_iter().map(|p| (model_name(&p), p)).collect();
    named.sort_by(|a, b| a.0.cmp(&b.0));
    for pair in named.windows(2) {
        if pair[0].0 == pair[1].0 {
            return Err(PredictionError::DuplicateModel {
                model: pair[0].0.clone(),
                first: pair[0].1.clone(),
                second: pair[1].1.clone(),
            });
        }
    }
    Ok(named)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_names_are_stems() {
        assert_eq!(model_name(Path::new("/a/ResNet50.csv.gz")), "ResNet50");
        assert_eq!(model_name(Path::new("vit.b.csv")), "vit.b");
    }

    #[test]
    fn expands_directories_and_rejects_clashes() {
        let dir = tempfile::tempdir().unwrap();
        for f in ["b.csv", "a.csv.gz", "notes.txt"] {
            std::fs::write(dir.path().join(f), "x").unwrap();
        }
        let got = expand_inputs(&[dir.path().to_path_buf()]).unwrap();
        assert_eq!(
            got.iter().map(|(m, _)| m.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        std::fs::write(dir.path().join("a.csv"), "x").unwrap();
        let err = expand_inputs(&[dir.path().to_path_buf()])
            .unwrap_err()
            .to_string();
        assert!(err.contains("two inputs give the model name `a`"), "{err}");
        let err = expand_inputs(&[dir.path().join("notes.txt")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a prediction file"), "{err}");
    }
}
