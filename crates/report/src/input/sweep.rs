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
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    values: serde_json::Map<String, serde_json::Value>,
}

/// Axis values of a cell besides its augmentation, strength and seed (model, learning rate,
/// ...): cells that differ in these are different experiments, never seeds of one another.
/// Augmentation axes (`augment.*`) and the axis that holds the cell's strength are left out.
fn context(cell: &CellJson) -> String {
    let is_strength = |v: &serde_json::Value| v.as_f64().is_some() && v.as_f64() == cell.strength;
    let mut parts: Vec<String> = cell
        .values
        .iter()
        .filter(|(k, v)| {
            !(matches!(
                k.as_str(),
                "strength" | "seed" | "train.seed" | "group" | "model"
            ) || k.starts_with("augment")
                || is_strength(v))
        })
        .map(|(k, v)| {
            format!(
                "{k}={}",
                v.as_str().map_or_else(|| v.to_string(), str::to_string)
            )
        })
        .collect();
    parts.sort();
    if let Some(m) = &cell.model {
        parts.insert(0, format!("model={m}"));
    }
    parts.join(", ")
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
    /// What else the cells of this part of the sweep share (`model=vit_tiny, lr=0.1`); empty
    /// when the sweep varies only augmentation, strength and seed.
    pub context: String,
}

const SWEEP_FIX: &str = "expected `sweep.json` as `spillover sweep` writes it (version 1: name, baseline, cells with name, group, strength, seed)";

/// Reads `dir/sweep.json` and every finished cell under `dir/cells/`: one [`SweepInput`] per
/// combination of the other axes (model, ...), each with its own baseline cells.
pub fn read_sweep_dir(dir: &Path) -> Result<Vec<SweepInput>, ReportError> {
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
    let mut contexts: Vec<String> = sweep.cells.iter().map(context).collect();
    contexts.sort();
    contexts.dedup();
    let mut parts: Vec<SweepInput> = contexts
        .iter()
        .map(|c| SweepInput {
            dir: dir.to_path_buf(),
            name: sweep.name.clone(),
            experiment: sweep.experiment.clone(),
            baseline: sweep.baseline.clone(),
            runs: Vec::new(),
            unfinished: Vec::new(),
            context: if contexts.len() > 1 {
                c.clone()
            } else {
                String::new()
            },
        })
        .collect();
    for cell in sweep.cells {
        let part = &mut parts[contexts.binary_search(&context(&cell)).expect("a context")];
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
            part.unfinished.push(Unfinished {
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
        part.runs.push(run);
    }
    Ok(parts)
}
