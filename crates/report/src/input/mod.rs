//! What `spillover report` reads: sweep directories, run directories, folders of either,
//! prediction files (scored by the caller, who has the annotations) and accuracy tables.

mod run;
mod sweep;

use std::path::{Path, PathBuf};

pub use run::{Epoch, RunRecord, read_factors_csv, read_history, read_run_dir};
pub use sweep::{SweepInput, Unfinished, read_sweep_dir};

use crate::error::ReportError;
use spillover_factors::analyze::{RunTable, read_accuracy_table};

/// One input, read.
#[derive(Debug, Clone)]
pub enum Input {
    Sweep(SweepInput),
    /// A finished run directory.
    Run(RunRecord),
    /// The toolkit's per-model accuracy table.
    Table(RunTable),
    /// A prediction file (`file_name,predicted_class,...`): scoring needs annotations.
    Predictions {
        model: String,
        path: PathBuf,
    },
    /// A scored model (a prediction file after scoring).
    Model {
        source: String,
        run: RunRecord,
    },
}

/// Reads `path`: a directory with `sweep.json` (sweep) or `factors.csv` (run), a directory of
/// such directories or of prediction files, an accuracy table or a prediction file.
pub fn read_input(path: &Path) -> Result<Vec<Input>, ReportError> {
    if path.is_dir() {
        if path.join("sweep.json").exists() {
            return Ok(read_sweep_dir(path)?
                .into_iter()
                .map(Input::Sweep)
                .collect());
        }
        if path.join("factors.csv").exists() {
            return Ok(vec![Input::Run(read_run_dir(path, &dir_name(path))?)]);
        }
        return read_folder(path);
    }
    read_file(path)
}

fn dir_name(path: &Path) -> String {
    path.canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| path.display().to_string())
}

/// A folder of run / sweep directories or prediction files, in name order.
fn read_folder(path: &Path) -> Result<Vec<Input>, ReportError> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| ReportError::read(path, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    let mut out = Vec::new();
    for entry in entries {
        let is_run = entry.join("factors.csv").exists() || entry.join("sweep.json").exists();
        let is_csv = entry.is_file() && is_csv_name(&entry);
        if is_run || is_csv {
            out.extend(read_input(&entry)?);
        }
    }
    if out.is_empty() {
        return Err(ReportError::input(
            path,
            None,
            "is a directory with no sweep.json, factors.csv, run directories or CSV files",
            "pass a sweep directory, run directories, prediction files or accuracy tables",
        ));
    }
    Ok(out)
}

fn is_csv_name(path: &Path) -> bool {
    let name = path.to_string_lossy();
    name.ends_with(".csv") || name.ends_with(".csv.gz")
}

/// An accuracy table (header with `model`) or a prediction file (header with `file_name`).
fn read_file(path: &Path) -> Result<Vec<Input>, ReportError> {
    let head = first_line(path)?;
    if head.split(',').any(|c| c.trim() == "file_name") {
        return Ok(vec![Input::Predictions {
            model: spillover_factors::predictions::model_name(path),
            path: path.to_path_buf(),
        }]);
    }
    if head.split(',').any(|c| c.trim() == "model") {
        return Ok(vec![Input::Table(read_accuracy_table(path)?)]);
    }
    Err(ReportError::input(
        path,
        Some(1),
        format!(
            "unrecognised header `{}`",
            head.chars().take(80).collect::<String>()
        ),
        "pass an accuracy table (`model,<16 factors>,...,average`), a prediction file (`file_name,predicted_class,predicted_probability`), a run directory or a sweep directory",
    ))
}

/// The first line of a `.csv` or gzip-compressed file.
fn first_line(path: &Path) -> Result<String, ReportError> {
    use std::io::{BufRead, BufReader, Read};
    let file = std::fs::File::open(path).map_err(|e| ReportError::read(path, e))?;
    let mut reader = BufReader::new(file);
    let gz = reader
        .fill_buf()
        .map_err(|e| ReportError::read(path, e))?
        .starts_with(&[0x1f, 0x8b]);
    let mut inner: Box<dyn Read> = if gz {
        Box::new(flate2::read::MultiGzDecoder::new(reader))
    } else {
        Box::new(reader)
    };
    let mut buf = Vec::with_capacity(512);
    let mut byte = [0u8; 1];
    while buf.len() < 4096 {
        match inner.read(&mut byte) {
            Ok(0) => break,
            Ok(_) if byte[0] == b'\n' => break,
            Ok(_) => buf.push(byte[0]),
            Err(e) => {
                return Err(ReportError::input(
                    path,
                    Some(1),
                    format!("cannot read the header ({e})"),
                    "check the file is CSV text, or valid gzip",
                ));
            }
        }
    }
    Ok(String::from_utf8_lossy(&buf).trim().to_string())
}

/// Scores a prediction file against `set` (the toolkit's top-factor, class-label accuracies).
pub fn score_predictions(
    set: &spillover_factors::eval::EvalSet,
    model: &str,
    path: &Path,
    subset: bool,
) -> Result<RunRecord, ReportError> {
    use spillover_factors::eval::{ErrorType, ScoreOptions, accuracy_table};
    let options = ScoreOptions {
        subset,
        keep_outcomes: false,
        calibration: false,
    };
    let scores = set.score_file(model, path, options)?;
    let row = accuracy_table(&[&scores], ErrorType::Class).remove(0);
    Ok(RunRecord::model(model, row.factors, row.average))
}
