//! A sweep directory as `spillover sweep` writes it: `sweep.json` and `cells/<name>/`.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::run::{RunRecord, read_run_dir};
use crate::error::ReportError;

/// `sweep.json`.
#[derive(Debug, Deserialize)]
struct SweepJson {
    version: u32,
    #[serde(default)]
    experiment: Option<String>,
    name: String,
    baseline: Option<String>,
    cells: Vec<CellJson>,
}

#[derive(Debug, Deserialize)]
struct CellJson {
    name: String,
    group: String,
    strength: Option<f64>,
    seed: Option<i64>,
}

/// A cell that has not finished (no `done.json`): listed, not analyzed.
#[derive(Debug, Clone, PartialEq)]
pub struct Unfinished {
    pub name: String,
    pub dir: PathBuf,
    pub reason: String,
}

/// The finished and unfinished cells of one sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepInput {
    pub dir: PathBuf,
    pub name: String,
    /// The experiment TOML the sweep was planned from.
    pub experiment: Option<String>,
    /// The baseline group (None: the sweep has no baseline).
    pub baseline: Option<String>,
    pub runs: Vec<RunRecord>,
    pub unfinished: Vec<Unfinished>,
}

const SWEEP_FIX: &str = "expected `sweep.json` as `spillover sweep` writes it (version 1: name, baseline, cells with name, group, strength, seed)";

/// Reads `dir/sweep.json` and every finished cell under `dir/cells/`.
pub fn read_sweep_dir(dir: &Path) -> Result<SweepInput, ReportError> {
    let path = dir.join("sweep.json");
    let text = std::fs::read_to_string(&path).map_err(|e| ReportError::read(&path, e))?;
    let sweep: SweepJson = serde_json::from_str(&text).map_err(|e| {
        ReportError::input(
            &path,
            Some(e.line() as u64),
            format!("invalid sweep.json ({e})"),
            SWEEP_FIX,
        )
    })?;
    if sweep.version != 1 {
        return Err(ReportError::input(
            &path,
            None,
            format!(
                "sweep.json version {} is not supported (this report reads version 1)",
                sweep.version
            ),
            "update spillover, or re-run the sweep with this version",
        ));
    }
    let mut runs = Vec::new();
    let mut unfinished = Vec::new();
    for cell in sweep.cells {
        let cell_dir = dir.join("cells").join(&cell.name);
        let reason = if !cell_dir.is_dir() {
            Some("not started (no cell directory)")
        } else if !cell_dir.join("done.json").exists() {
            Some("not finished (no done.json)")
        } else if !cell_dir.join("factors.csv").exists() {
            Some("finished without factors.csv")
        } else {
            None
        };
        if let Some(reason) = reason {
            unfinished.push(Unfinished {
                name: cell.name,
                dir: cell_dir,
                reason: reason.to_string(),
            });
            continue;
        }
        let mut run = read_run_dir(&cell_dir, &cell.name)?;
        run.group = Some(cell.group);
        run.strength = cell.strength;
        run.seed = cell.seed;
        runs.push(run);
    }
    Ok(SweepInput {
        dir: dir.to_path_buf(),
        name: sweep.name,
        experiment: sweep.experiment,
        baseline: sweep.baseline,
        runs,
        unfinished,
    })
}
