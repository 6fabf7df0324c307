//! Running one cell: the code path every runner shares (`spillover sweep EXP --cell I`, started
//! by the local runner as a child process or by Slurm as an array task).
//!
//! Under the cell's lock: a finished cell is a no-op; an interrupted one resumes from its last
//! checkpoint; the completion record is written last, after predictions, factor table and
//! history, so a crash at any moment leaves either a done cell or one that resumes.

use std::io::Read;
use std::path::Path;
use std::time::Instant;

use spillover_factors::lock::{DirLock, Holder};
use spillover_train::{BackendChoice, DataSection, LoaderData, RunOptions};

use crate::error::{Result, SweepError};
use crate::plan::{Cell, Plan};
use crate::store::{self, CellRecord, DoneRecord, StateRecord, Store, files};

/// Exit status of a cell process whose cell another process is running (not a failure).
pub const EXIT_BUSY: i32 = 75;

/// How to run a cell.
#[derive(Debug, Clone, Default)]
pub struct CellOptions {
    /// Compute backend.
    pub backend: BackendChoice,
    /// At most this many devices.
    pub devices: Option<usize>,
    /// Send this process's stdout and stderr to the cell's `train.log` (cell processes do;
    /// an in-process call from a test does not).
    pub redirect_output: bool,
    /// The augmentations pipelines are built from (built-ins plus a binary's own).
    pub registry: spillover_augment::Registry,
}

/// What became of the cell.
#[derive(Debug, Clone, PartialEq)]
pub enum CellOutcome {
    /// This call finished it.
    Done(DoneRecord),
    /// It was already done: nothing was touched.
    AlreadyDone(DoneRecord),
    /// Another process is running it.
    Busy(Holder),
}

/// Runs `cell` of `plan` in `store` in this process.
pub fn run_cell(
    store: &Store,
    plan: &Plan,
    cell: &Cell,
    opts: &CellOptions,
) -> Result<CellOutcome> {
    let _ = plan;
    let dir = store.cell_dir(&cell.name);
    std::fs::create_dir_all(&dir).map_err(|e| SweepError::io(&dir, e))?;
    let lock_path = dir.join(files::LOCK);
    let _lock = match DirLock::try_acquire(&lock_path).map_err(|e| SweepError::io(&lock_path, e))? {
        Ok(lock) => lock,
        Err(holder) => return Ok(CellOutcome::Busy(holder)),
    };
    if let Some(done) = store::read_json::<DoneRecord>(&dir.join(files::DONE))? {
        if done.id == cell.id {
            return Ok(CellOutcome::AlreadyDone(done));
        }
        return Err(stale(&dir, cell, &done.id));
    }
    match store::read_json::<CellRecord>(&dir.join(files::CELL))? {
        Some(r) if r.id != cell.id => return Err(stale(&dir, cell, &r.id)),
        Some(_) => {}
        None => store::write_json(
            &dir.join(files::CELL),
            &CellRecord {
                index: cell.index,
                name: cell.name.clone(),
                id: cell.id.clone(),
            },
        )?,
    }
    let resume = !spillover_train::checkpoint::complete_epochs(&dir)?.is_empty();
    let host = spillover_factors::lock::host_name();
    let slurm_job = std::env::var("SLURM_ARRAY_JOB_ID")
        .ok()
        .map(|j| {
            format!(
                "{j}_{}",
                std::env::var("SLURM_ARRAY_TASK_ID").unwrap_or_default()
            )
        })
        .or_else(|| std::env::var("SLURM_JOB_ID").ok());
    let attempts = store::append_attempt(
        &dir,
        &format!(
            "start host={host} pid={} time={} resume={resume}{}",
            std::process::id(),
            store::now(),
            slurm_job
                .as_ref()
                .map(|j| format!(" slurm={j}"))
                .unwrap_or_default()
        ),
    )?;
    store::write_json(
        &dir.join(files::STATE),
        &StateRecord::Running {
            host: host.clone(),
            pid: std::process::id(),
            started: store::now(),
            slurm_job,
        },
    )?;
    if opts.redirect_output {
        redirect_output(&dir.join(files::LOG))?;
    }
    let started = Instant::now();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        train(cell, &dir, resume, opts)
    }));
    let failure = match result {
        Ok(Ok(outcome)) => {
            let record = DoneRecord {
                name: cell.name.clone(),
                id: cell.id.clone(),
                finished_at: store::now(),
                seconds: started.elapsed().as_secs_f64(),
                epochs: outcome.epochs,
                eval_top1: outcome.top1,
                eval_top5: outcome.top5,
                predictions_sha256: sha256_file(&dir.join("predictions.csv"))?,
                factors: outcome.factors,
                host,
                attempts,
            };
            store::write_done(&dir, &record)?;
            return Ok(CellOutcome::Done(record));
        }
        Ok(Err(e)) => {
            let mut reason = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                // A message that already says its cause is not followed by it again (as the
                // binary prints errors).
                let cause = s.to_string();
                if !reason.contains(&cause) {
                    reason.push_str(&format!(": {cause}"));
                }
                source = s.source();
            }
            (reason, e)
        }
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".into());
            let reason = format!("panic: {message}");
            (reason.clone(), SweepError::store(&dir, reason))
        }
    };
    let (reason, error) = failure;
    eprintln!("cell {} failed: {reason}", cell.name);
    store::write_json(
        &dir.join(files::STATE),
        &StateRecord::Failed {
            exit_code: Some(1),
            signal: None,
            reason,
            log_tail: store::log_tail(&dir, 20),
            at: store::now(),
        },
    )?;
    Err(error)
}

fn stale(dir: &Path, cell: &Cell, other: &str) -> SweepError {
    SweepError::store(
        dir,
        format!(
            "holds cell {} with config {other}, but the plan's config is now {}; run `spillover sweep` on the experiment (without --cell) to move the old run aside",
            cell.name, cell.id
        ),
    )
}

struct Trained {
    epochs: usize,
    top1: f64,
    top5: f64,
    factors: bool,
}

fn train(cell: &Cell, dir: &Path, resume: bool, opts: &CellOptions) -> Result<Trained> {
    spillover_train::fault::panic_point(&cell.name);
    let config = &cell.config;
    let section = DataSection::from_table(&config.data).map_err(|e| {
        SweepError::Train(spillover_train::TrainError::Config {
            origin: format!("cell {} [data]", cell.name),
            message: e.to_string(),
        })
    })?;
    let data = LoaderData::open_with(&section, &config.augment, &opts.registry, false)?;
    let run = RunOptions {
        backend: opts.backend,
        max_devices: opts.devices,
        resume,
        stop_after: None,
        progress: false,
    };
    let outcome = spillover_train::run(config, &data, dir, &run)?;
    let last = outcome
        .history
        .last()
        .ok_or_else(|| SweepError::store(dir, "training ended without a completed epoch"))?;
    if !outcome.finished || outcome.predictions.is_none() {
        return Err(SweepError::store(
            dir,
            "training stopped before its last epoch",
        ));
    }
    // The last epoch is always evaluated (`train.eval_every` skips only earlier ones).
    let (Some(top1), Some(top5)) = (last.eval_top1, last.eval_top5) else {
        return Err(SweepError::store(dir, "the last epoch has no evaluation"));
    };
    Ok(Trained {
        epochs: last.epoch,
        top1,
        top5,
        factors: outcome.factors.is_some(),
    })
}

/// SHA-256 of a file, hex.
pub fn sha256_file(path: &Path) -> Result<String> {
    use sha2::Digest;
    let mut f = std::fs::File::open(path).map_err(|e| SweepError::io(path, e))?;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).map_err(|e| SweepError::io(path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Points stdout and stderr at `log` (appending), so that everything the cell prints,
/// panics included, lands in its directory whoever started it.
fn redirect_output(log: &Path) -> Result<()> {
    use std::os::fd::AsRawFd;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(|e| SweepError::io(log, e))?;
    // SAFETY: dup2 on valid descriptors; fds 1 and 2 are replaced atomically.
    unsafe {
        libc::dup2(file.as_raw_fd(), 1);
        libc::dup2(file.as_raw_fd(), 2);
    }
    Ok(())
}
