//! The run store: one directory per sweep, one per cell, and the records that say where each
//! cell stands.
//!
//! ```text
//! DIR/sweep.json            the plan (cells, ids, groups, strengths, seeds)
//! DIR/cells/NAME/           a run directory (config.toml, checkpoints/, events, history.csv,
//!                           predictions.csv, factors.csv) plus:
//!     cell.json             which cell this is (name, id), written before training starts
//!     cell.lock             held (flock) by the one process running the cell
//!     state.json            running (host, pid, start) or failed (exit code, signal, log tail)
//!     attempts.log          one line per start, appended
//!     train.log             the cell process's output, appended
//!     done.json             the completion record: written once, last, never replaced
//! DIR/stale/NAME-ID/        cell directories of an earlier plan whose config changed
//! DIR/slurm/                batch scripts, task output, submissions.jsonl
//! ```
//!
//! A cell is *done* exactly when `done.json` exists; it is created with a hard link from a
//! complete temporary file, so it appears whole or not at all and a second writer fails. It
//! is *running* exactly when `cell.lock` is held: the kernel drops the lock with its process,
//! so a crashed run is never mistaken for a live one.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use spillover_factors::lock::{DirLock, Holder};

use crate::error::{Result, SweepError};
use crate::plan::{Cell, Plan};

/// File names inside a cell directory.
pub mod files {
    /// Which cell the directory holds.
    pub const CELL: &str = "cell.json";
    /// The one-runner lock.
    pub const LOCK: &str = "cell.lock";
    /// Running / failed record.
    pub const STATE: &str = "state.json";
    /// Start lines.
    pub const ATTEMPTS: &str = "attempts.log";
    /// Output of the cell process.
    pub const LOG: &str = "train.log";
    /// The completion record.
    pub const DONE: &str = "done.json";
}

/// `cell.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellRecord {
    /// Index in the plan.
    pub index: usize,
    /// Cell name.
    pub name: String,
    /// Content id of its resolved config.
    pub id: String,
}

/// `done.json`: what a finished cell produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoneRecord {
    /// Cell name.
    pub name: String,
    /// Content id of its config.
    pub id: String,
    /// Unix time of completion.
    pub finished_at: u64,
    /// Wall-clock seconds of the invocation that finished it (not of earlier, interrupted ones).
    pub seconds: f64,
    /// Epochs trained.
    pub epochs: usize,
    /// Final evaluation top-1 accuracy.
    pub eval_top1: f64,
    /// Final evaluation top-5 accuracy.
    pub eval_top5: f64,
    /// SHA-256 of `predictions.csv`.
    pub predictions_sha256: String,
    /// Whether `factors.csv` was written (the data has annotations).
    pub factors: bool,
    /// Host that finished it.
    pub host: String,
    /// How many times the cell was started (attempts.log lines).
    pub attempts: usize,
}

/// `state.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum StateRecord {
    /// A process started the cell.
    Running {
        /// Host name.
        host: String,
        /// Process id.
        pid: u32,
        /// Unix time of the start.
        started: u64,
        /// Slurm job id (`JOB_TASK`), when run by Slurm.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        slurm_job: Option<String>,
    },
    /// The cell failed; it is retried only with `--retry-failed`.
    Failed {
        /// Exit status of the cell process, when it exited.
        exit_code: Option<i32>,
        /// Signal that killed it, when one did.
        signal: Option<i32>,
        /// Why, in one line.
        reason: String,
        /// The last lines of `train.log`.
        log_tail: Vec<String>,
        /// Unix time.
        at: u64,
    },
}

/// Where a cell stands, derived from its records and its lock.
#[derive(Debug, Clone, PartialEq)]
pub enum CellState {
    /// Never started (or its directory is empty).
    Pending,
    /// A live process holds its lock.
    Running {
        /// Who holds the lock.
        holder: Holder,
    },
    /// Started, not finished, nobody running it: resumes from its last checkpoint.
    Interrupted,
    /// Finished.
    Done(DoneRecord),
    /// Failed.
    Failed {
        /// Exit code, if it exited.
        exit_code: Option<i32>,
        /// Signal, if it was killed.
        signal: Option<i32>,
        /// Why.
        reason: String,
        /// Last log lines.
        log_tail: Vec<String>,
    },
}

impl CellState {
    /// One word for tables: pending, running, interrupted, done, failed.
    pub fn word(&self) -> &'static str {
        match self {
            CellState::Pending => "pending",
            CellState::Running { .. } => "running",
            CellState::Interrupted => "interrupted",
            CellState::Done(_) => "done",
            CellState::Failed { .. } => "failed",
        }
    }
}

/// Unix time in seconds.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A sweep directory.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

/// `sweep.json`.
#[derive(Debug, Serialize, Deserialize)]
pub struct SweepJson {
    /// Format version.
    pub version: u32,
    /// The experiment file.
    pub experiment: PathBuf,
    /// Sweep name.
    pub name: String,
    /// Baseline group.
    pub baseline: Option<String>,
    /// `--set` overrides of the plan.
    #[serde(default)]
    pub overrides: Vec<String>,
    /// Cells.
    pub cells: Vec<serde_json::Value>,
}

impl Store {
    /// The store at `root` (nothing is created).
    pub fn new(root: &Path) -> Self {
        Self {
            root: root.to_path_buf(),
        }
    }

    /// The sweep directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The directory of cell `name`.
    pub fn cell_dir(&self, name: &str) -> PathBuf {
        self.root.join("cells").join(name)
    }

    /// Reads `sweep.json`.
    pub fn read_plan(&self) -> Result<SweepJson> {
        let path = self.root.join("sweep.json");
        let text = std::fs::read_to_string(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                SweepError::store(
                    &self.root,
                    "not a sweep directory (no sweep.json): give the --out of a `spillover sweep`",
                )
            } else {
                SweepError::io(&path, e)
            }
        })?;
        serde_json::from_str(&text)
            .map_err(|e| SweepError::store(&path, format!("unreadable: {e}")))
    }

    /// Creates the store for `plan`: writes `sweep.json` and moves aside (to `stale/`) every
    /// cell directory whose config no longer matches the plan. Returns notes for the user.
    pub fn prepare(&self, plan: &Plan) -> Result<Vec<String>> {
        let cells_dir = self.root.join("cells");
        std::fs::create_dir_all(&cells_dir).map_err(|e| SweepError::io(&cells_dir, e))?;
        let mut notes = Vec::new();
        for cell in &plan.cells {
            let dir = self.cell_dir(&cell.name);
            let Some(record) = read_json::<CellRecord>(&dir.join(files::CELL))? else {
                continue;
            };
            if record.id == cell.id {
                continue;
            }
            if let Some(holder) =
                DirLock::is_held(&dir.join(files::LOCK)).map_err(|e| SweepError::io(&dir, e))?
            {
                return Err(SweepError::store(
                    &dir,
                    format!(
                        "holds cell {} of an earlier plan (config {}, now {}) and {holder} is running it; stop that run or use another --out",
                        cell.name, record.id, cell.id
                    ),
                ));
            }
            let stale = self.root.join("stale");
            std::fs::create_dir_all(&stale).map_err(|e| SweepError::io(&stale, e))?;
            let mut target = stale.join(format!("{}-{}", cell.name, record.id));
            let mut n = 1;
            while target.exists() {
                n += 1;
                target = stale.join(format!("{}-{}-{n}", cell.name, record.id));
            }
            std::fs::rename(&dir, &target).map_err(|e| SweepError::io(&dir, e))?;
            notes.push(format!(
                "cell {}: its config changed ({} -> {}); the earlier run moved to {}",
                cell.name,
                record.id,
                cell.id,
                target.display()
            ));
        }
        self.write_plan(plan)?;
        Ok(notes)
    }

    /// Writes `sweep.json` (atomically).
    pub fn write_plan(&self, plan: &Plan) -> Result<()> {
        let json = SweepJson {
            version: 1,
            experiment: plan.experiment.clone(),
            name: plan.name.clone(),
            baseline: plan.baseline.clone(),
            overrides: plan.overrides.clone(),
            cells: plan
                .cells
                .iter()
                .map(|c| serde_json::to_value(c).expect("a cell serializes"))
                .collect(),
        };
        let path = self.root.join("sweep.json");
        let text = serde_json::to_string_pretty(&json).expect("serializes");
        spillover_factors::atomic::write_bytes_atomic(&path, text.as_bytes())
            .map_err(|e| SweepError::io(&path, e))
    }

    /// Where `cell` stands.
    pub fn state(&self, cell: &Cell) -> Result<CellState> {
        state_of(&self.cell_dir(&cell.name), &cell.id)
    }

    /// Epochs with a complete checkpoint or a history row (for progress).
    pub fn epochs_done(&self, cell: &Cell) -> usize {
        epochs_done(&self.cell_dir(&cell.name))
    }
}

/// Epochs recorded in `history.csv` of a run directory.
pub fn epochs_done(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join(spillover_train::HISTORY_FILE))
        .map(|t| t.lines().count().saturating_sub(1))
        .unwrap_or(0)
}

/// Where the cell in `dir` with config id `id` stands.
pub fn state_of(dir: &Path, id: &str) -> Result<CellState> {
    if let Some(done) = read_json::<DoneRecord>(&dir.join(files::DONE))? {
        if done.id == id {
            return Ok(CellState::Done(done));
        }
        return Ok(CellState::Pending);
    }
    if let Some(holder) =
        DirLock::is_held(&dir.join(files::LOCK)).map_err(|e| SweepError::io(dir, e))?
    {
        return Ok(CellState::Running { holder });
    }
    if let Some(record) = read_json::<CellRecord>(&dir.join(files::CELL))?
        && record.id != id
    {
        return Ok(CellState::Pending);
    }
    match read_json::<StateRecord>(&dir.join(files::STATE))? {
        Some(StateRecord::Failed {
            exit_code,
            signal,
            reason,
            log_tail,
            ..
        }) => Ok(CellState::Failed {
            exit_code,
            signal,
            reason,
            log_tail,
        }),
        Some(StateRecord::Running { .. }) => Ok(CellState::Interrupted),
        None => Ok(CellState::Pending),
    }
}

/// Reads a JSON record; `None` when the file does not exist.
pub fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Option<T>> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text).map(Some).map_err(|e| {
            SweepError::store(
                path,
                format!("unreadable record ({e}); it was not written by this version of spillover, or was edited: delete it to start the cell afresh"),
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(SweepError::io(path, e)),
    }
}

/// Writes a record atomically (temp file + rename), with the `state-write` crash point
/// between the complete temporary file and the rename.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let text = serde_json::to_vec_pretty(value).expect("a record serializes");
    spillover_factors::atomic::write_atomic(path, |w| {
        w.write_all(&text)?;
        w.flush()?;
        spillover_train::fault::point("state-write");
        Ok(())
    })
    .map_err(|e| SweepError::io(path, e))
}

/// Creates `done.json` from a complete temporary file with a hard link: it appears whole or
/// not at all, and an existing record is never replaced (a second run of a finished cell
/// fails here instead of overwriting the first's result).
pub fn write_done(dir: &Path, record: &DoneRecord) -> Result<()> {
    let path = dir.join(files::DONE);
    let tmp = dir.join(format!(".{}.tmp.{}", files::DONE, std::process::id()));
    let text = serde_json::to_vec_pretty(record).expect("a record serializes");
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&text)?;
        f.sync_all()?;
        spillover_train::fault::point("done-write");
        std::fs::hard_link(&tmp, &path)
    })();
    let _ = std::fs::remove_file(&tmp);
    match result {
        Ok(()) => {
            // The record must survive a power cut once we report success.
            if let Ok(d) = std::fs::File::open(dir) {
                let _ = d.sync_all();
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(SweepError::store(
            dir,
            "done.json already exists: this cell was finished by another run; its result is kept",
        )),
        Err(e) => Err(SweepError::io(&path, e)),
    }
}

/// Appends one line to `attempts.log` and returns how many lines it now has.
pub fn append_attempt(dir: &Path, line: &str) -> Result<usize> {
    let path = dir.join(files::ATTEMPTS);
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| SweepError::io(&path, e))?;
    f.write_all(format!("{line}\n").as_bytes())
        .map_err(|e| SweepError::io(&path, e))?;
    Ok(std::fs::read_to_string(&path)
        .map(|t| t.lines().count())
        .unwrap_or(1))
}

/// The last `n` lines of `train.log`.
pub fn log_tail(dir: &Path, n: usize) -> Vec<String> {
    let Ok(bytes) = std::fs::read(dir.join(files::LOG)) else {
        return vec![];
    };
    let start = bytes.len().saturating_sub(16 * 1024);
    let text = String::from_utf8_lossy(&bytes[start..]);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(|l| l.to_string())
        .collect()
}

/// One row of `spillover status`.
#[derive(Debug, Clone, Serialize)]
pub struct StatusRow {
    /// Plan index.
    pub index: usize,
    /// Cell name.
    pub name: String,
    /// Content id.
    pub id: String,
    /// pending, running, interrupted, done, failed.
    pub state: String,
    /// Epochs done / planned.
    pub epochs_done: usize,
    /// Epochs planned.
    pub epochs: usize,
    /// Final top-1 (done cells).
    pub eval_top1: Option<f64>,
    /// Who runs it / why it failed.
    pub detail: String,
}

/// The status of every cell of `plan` in `store`.
pub fn status_rows(
    store: &Store,
    plan_cells: &[(usize, String, String, usize)],
) -> Result<Vec<StatusRow>> {
    let mut rows = Vec::new();
    for (index, name, id, epochs) in plan_cells {
        let dir = store.cell_dir(name);
        let state = state_of(&dir, id)?;
        let (eval_top1, detail) = match &state {
            CellState::Done(d) => (
                Some(d.eval_top1),
                format!("{:.0} s on {}", d.seconds, d.host),
            ),
            CellState::Running { holder } => (None, holder.to_string()),
            CellState::Failed { reason, .. } => (None, reason.clone()),
            CellState::Interrupted => (None, "resumes from its last checkpoint".into()),
            CellState::Pending => (None, String::new()),
        };
        rows.push(StatusRow {
            index: *index,
            name: name.clone(),
            id: id.clone(),
            state: state.word().into(),
            epochs_done: epochs_done(&dir),
            epochs: *epochs,
            eval_top1,
            detail,
        });
    }
    Ok(rows)
}

/// Counts of each state word.
pub fn tally(rows: &[StatusRow]) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for r in rows {
        *out.entry(r.state.clone()).or_insert(0) += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn done(id: &str) -> DoneRecord {
        DoneRecord {
            name: "a".into(),
            id: id.into(),
            finished_at: 1,
            seconds: 2.0,
            epochs: 1,
            eval_top1: 0.5,
            eval_top5: 0.9,
            predictions_sha256: "x".into(),
            factors: true,
            host: "h".into(),
            attempts: 1,
        }
    }

    #[test]
    fn done_is_written_once_and_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        write_done(dir.path(), &done("abc")).unwrap();
        let err = write_done(dir.path(), &done("zzz"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("already exists"), "{err}");
        let kept: DoneRecord = read_json(&dir.path().join(files::DONE)).unwrap().unwrap();
        assert_eq!(kept.id, "abc");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "{leftovers:?}");
    }

    #[test]
    fn state_is_derived_from_records_and_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        assert_eq!(state_of(d, "abc").unwrap(), CellState::Pending);
        write_json(
            &d.join(files::STATE),
            &StateRecord::Running {
                host: "h".into(),
                pid: 1,
                started: 0,
                slurm_job: None,
            },
        )
        .unwrap();
        // Running per the record but nobody holds the lock: interrupted.
        assert_eq!(state_of(d, "abc").unwrap(), CellState::Interrupted);
        let lock = DirLock::try_acquire(&d.join(files::LOCK)).unwrap().unwrap();
        assert_eq!(state_of(d, "abc").unwrap().word(), "running");
        drop(lock);
        write_json(
            &d.join(files::STATE),
            &StateRecord::Failed {
                exit_code: Some(1),
                signal: None,
                reason: "boom".into(),
                log_tail: vec![],
                at: 0,
            },
        )
        .unwrap();
        assert_eq!(state_of(d, "abc").unwrap().word(), "failed");
        write_done(d, &done("abc")).unwrap();
        assert_eq!(state_of(d, "abc").unwrap().word(), "done");
        // A result of another config is not this cell's.
        assert_eq!(state_of(d, "other").unwrap(), CellState::Pending);
    }

    #[test]
    fn a_corrupt_record_names_the_file_and_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(files::DONE), "{ not json").unwrap();
        let err = state_of(dir.path(), "a").unwrap_err().to_string();
        assert!(
            err.contains("done.json") && err.contains("delete it"),
            "{err}"
        );
    }
}
