//! One run directory (`spillover train --out DIR`, or a sweep cell): `factors.csv` and, when
//! present, `history.csv`.

use std::path::{Path, PathBuf};

use spillover_factors::{Factor, NUM_FACTORS};

use crate::error::ReportError;

/// A trained model: its per-factor accuracies and, for runs, where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    pub name: String,
    /// Accuracy on images with each factor, in [`Factor::ALL`] order.
    pub accuracy: [f64; NUM_FACTORS],
    /// Overall top-1 accuracy.
    pub top1: f64,
    /// Augmentation group, strength and seed (sweep cells and strength tables).
    pub group: Option<String>,
    pub strength: Option<f64>,
    pub seed: Option<i64>,
    /// The run directory, when the run has one.
    pub dir: Option<PathBuf>,
    /// One entry per epoch (empty when the run has no `history.csv`).
    pub history: Vec<Epoch>,
}

impl RunRecord {
    /// The toolkit's error ratio `(1 - factor accuracy) / (1 - top-1)`.
    pub fn error_ratio(&self, f: Factor) -> f64 {
        (1.0 - self.accuracy[f.index()]) / (1.0 - self.top1)
    }

    /// A run with only a name and accuracies (tables, prediction files).
    pub fn model(name: &str, accuracy: [f64; NUM_FACTORS], top1: f64) -> Self {
        RunRecord {
            name: name.to_string(),
            accuracy,
            top1,
            group: None,
            strength: None,
            seed: None,
            dir: None,
            history: Vec::new(),
        }
    }
}

/// One row of `history.csv`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize)]
pub struct Epoch {
    pub epoch: u32,
    pub lr: f64,
    pub train_loss: f64,
    pub train_top1: f64,
    /// Empty in history.csv (`None`) for an epoch that `train.eval_every` did not evaluate.
    pub eval_loss: Option<f64>,
    pub eval_top1: Option<f64>,
    pub eval_top5: Option<f64>,
    pub images_per_sec: f64,
}

/// Reads a run directory that has a `factors.csv` (a finished run).
pub fn read_run_dir(dir: &Path, name: &str) -> Result<RunRecord, ReportError> {
    let (accuracy, top1) = read_factors_csv(&dir.join("factors.csv"))?;
    let history_path = dir.join("history.csv");
    let history = if history_path.exists() {
        read_history(&history_path)?
    } else {
        Vec::new()
    };
    Ok(RunRecord {
        dir: Some(dir.to_path_buf()),
        history,
        ..RunRecord::model(name, accuracy, top1)
    })
}

const FACTORS_FIX: &str = "expected `factor,images,accuracy,error_ratio` with one row per factor and a final `all` row, as `spillover train` writes; re-run `spillover evaluate` on the run's predictions.csv";

/// `factors.csv`: accuracy of each of the 16 factors and of `all` (the overall top-1).
pub fn read_factors_csv(path: &Path) -> Result<([f64; NUM_FACTORS], f64), ReportError> {
    let text = std::fs::read_to_string(path).map_err(|e| ReportError::read(path, e))?;
    let bad =
        |line: Option<u64>, problem: String| ReportError::input(path, line, problem, FACTORS_FIX);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| bad(Some(1), format!("malformed CSV ({e})")))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    let (Some(fc), Some(ac)) = (col("factor"), col("accuracy")) else {
        return Err(bad(
            Some(1),
            format!(
                "missing column `factor` or `accuracy` (header: {})",
                headers.iter().collect::<Vec<_>>().join(",")
            ),
        ));
    };
    let mut accuracy = [f64::NAN; NUM_FACTORS];
    let mut seen = [false; NUM_FACTORS];
    let mut top1 = None;
    for record in reader.records() {
        let record = record.map_err(|e| {
            bad(
                e.position().map(|p| p.line()),
                format!("malformed CSV ({e})"),
            )
        })?;
        let line = record.position().map(|p| p.line());
        let name = record.get(fc).unwrap_or("").trim();
        let raw = record.get(ac).unwrap_or("").trim();
        let value: f64 = match raw {
            "" | "nan" | "NaN" => f64::NAN,
            _ => raw.parse().map_err(|_| {
                bad(
                    line,
                    format!("accuracy `{raw}` of `{name}` is not a number"),
                )
            })?,
        };
        if !(value.is_nan() || (0.0..=1.0).contains(&value)) {
            return Err(bad(
                line,
                format!("accuracy {value} of `{name}` is outside [0, 1]"),
            ));
        }
        if name == "all" {
            top1 = Some(value);
            continue;
        }
        let factor: Factor = name
            .parse()
            .map_err(|_| bad(line, format!("unknown factor `{name}`")))?;
        if std::mem::replace(&mut seen[factor.index()], true) {
            return Err(bad(line, format!("factor `{name}` appears twice")));
        }
        accuracy[factor.index()] = value;
    }
    let missing: Vec<&str> = Factor::ALL
        .iter()
        .filter(|f| !seen[f.index()])
        .map(|f| f.name())
        .collect();
    if !missing.is_empty() {
        return Err(bad(
            None,
            format!("missing factor row(s): {}", missing.join(", ")),
        ));
    }
    let top1 = top1.ok_or_else(|| bad(None, "no `all` row (the overall top-1)".into()))?;
    Ok((accuracy, top1))
}

/// `history.csv`: one row per epoch.
pub fn read_history(path: &Path) -> Result<Vec<Epoch>, ReportError> {
    let text = std::fs::read_to_string(path).map_err(|e| ReportError::read(path, e))?;
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut out = Vec::new();
    for row in reader.deserialize::<Epoch>() {
        let epoch = row.map_err(|e| {
            ReportError::input(
                path,
                e.position().map(|p| p.line()),
                format!("malformed history row ({e})"),
                "expected `epoch,lr,train_loss,train_top1,eval_loss,eval_top1,eval_top5,images_per_sec` as `spillover train` writes",
            )
        })?;
        out.push(epoch);
    }
    Ok(out)
}
