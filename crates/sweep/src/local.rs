//! The local runner: every cell as a child process of the same binary (`EXE sweep EXP --cell I`),
//! at most `jobs` at a time, one progress bar over the sweep and one per running cell.
//!
//! A child that crashes or is killed fails its cell only. Children die with the runner (Linux
//! `PR_SET_PDEATHSIG`), so killing the sweep leaves no orphaned training process; their
//! cells resume on the next run. A cell another process is running (its lock is held) is
//! waited for, and taken over if that process dies.

use std::collections::VecDeque;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cell::EXIT_BUSY;
use crate::error::{Result, SweepError};
use crate::plan::{Cell, Plan};
use crate::store::{self, CellState, StateRecord, Store, files};

/// How to run the sweep here.
#[derive(Debug, Clone)]
pub struct LocalOptions {
    /// Cells at once.
    pub jobs: usize,
    /// Run failed cells again (else they are reported and skipped).
    pub retry_failed: bool,
    /// The `spillover` binary.
    pub exe: PathBuf,
    /// Arguments after `sweep EXP --out DIR --cell I` (backend, devices, `--set`s).
    pub cell_args: Vec<String>,
    /// Draw progress bars (else one line per event).
    pub progress: bool,
    /// Threads per cell on the CPU (RAYON_NUM_THREADS), when set.
    pub threads_per_cell: Option<usize>,
}

/// What a sweep run did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Cells done at the end (by anyone).
    pub done: usize,
    /// Cells this run finished.
    pub finished_here: usize,
    /// Cells done before this run started.
    pub already_done: usize,
    /// Failed cells: name and reason.
    pub failed: Vec<(String, String)>,
    /// Failed cells skipped because `--retry-failed` was not given.
    pub skipped_failed: Vec<String>,
}

struct Running {
    cell: usize,
    child: Child,
    bar: ProgressBar,
}

/// Runs every cell of `plan` that is not done, resuming interrupted ones.
pub fn run_local(store: &Store, plan: &Plan, opts: &LocalOptions) -> Result<Summary> {
    let mut summary = Summary::default();
    let mut queue: VecDeque<usize> = VecDeque::new();
    for cell in &plan.cells {
        match store.state(cell)? {
            CellState::Done(_) => summary.already_done += 1,
            CellState::Failed { .. } if !opts.retry_failed => {
                summary.skipped_failed.push(cell.name.clone())
            }
            _ => queue.push_back(cell.index),
        }
    }
    let total = plan.cells.len() as u64;
    let multi = MultiProgress::with_draw_target(if opts.progress {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    });
    let main = multi.add(ProgressBar::new(total));
    main.set_style(
        ProgressStyle::with_template(
            "{prefix:>8} [{bar:30}] {pos}/{len} cells  {msg}  [{elapsed_precise} < {eta_precise}]",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    main.set_prefix("sweep");
    main.set_position(summary.already_done as u64);
    main.reset_eta();
    let log = |line: String| {
        if opts.progress {
            multi.suspend(|| eprintln!("{line}"));
        } else {
            eprintln!("{line}");
        }
    };
    let mut running: Vec<Running> = Vec::new();
    // Cells whose lock another process holds: look again at the given time.
    let mut waiting: Vec<(usize, Instant)> = Vec::new();
    let parent = std::process::id();
    loop {
        while running.len() < opts.jobs.max(1) {
            let Some(i) = queue.pop_front() else { break };
            let cell = &plan.cells[i];
            match store.state(cell)? {
                CellState::Done(_) => {
                    summary.done += 1;
                    continue;
                }
                CellState::Running { holder } => {
                    log(format!(
                        "{}: running in another process ({holder}); waiting for it",
                        cell.name
                    ));
                    waiting.push((i, Instant::now() + Duration::from_secs(1)));
                    continue;
                }
                _ => {}
            }
            let child = spawn(store, plan, cell, opts, parent)?;
            let bar = multi.add(ProgressBar::new(cell.config.train.epochs as u64));
            bar.set_style(
                ProgressStyle::with_template("{prefix:>8} [{bar:30}] epoch {pos}/{len}  {msg}")
                    .expect("valid template")
                    .progress_chars("=> "),
            );
            bar.set_prefix(format!("#{}", cell.index));
            bar.set_message(cell.name.clone());
            running.push(Running {
                cell: i,
                child,
                bar,
            });
        }
        let now = Instant::now();
        let (due, later): (Vec<_>, Vec<_>) = waiting.drain(..).partition(|(_, t)| *t <= now);
        waiting = later;
        for (i, _) in due {
            match store.state(&plan.cells[i])? {
                CellState::Done(_) => summary.done += 1,
                CellState::Running { .. } => waiting.push((i, now + Duration::from_secs(1))),
                CellState::Failed { reason, .. } if !opts.retry_failed => {
                    summary.failed.push((plan.cells[i].name.clone(), reason))
                }
                _ => queue.push_back(i),
            }
        }
        if running.is_empty() && queue.is_empty() && waiting.is_empty() {
            break;
        }
        let mut k = 0;
        while k < running.len() {
            let r = &mut running[k];
            let cell = &plan.cells[r.cell];
            r.bar.set_position(store.epochs_done(cell) as u64);
            let status = r
                .child
                .try_wait()
                .map_err(|e| SweepError::io(&store.cell_dir(&cell.name), e))?;
            let Some(status) = status else {
                k += 1;
                continue;
            };
            let r = running.swap_remove(k);
            r.bar.finish_and_clear();
            multi.remove(&r.bar);
            let dir = store.cell_dir(&cell.name);
            match (status.code(), store.state(cell)?) {
                (_, CellState::Done(d)) => {
                    summary.done += 1;
                    summary.finished_here += 1;
                    main.inc(1);
                    log(format!(
                        "done    {} (top-1 {:.2}%, {:.0} s)",
                        cell.name,
                        100.0 * d.eval_top1,
                        d.seconds
                    ));
                }
                (Some(EXIT_BUSY), _) => {
                    waiting.push((r.cell, Instant::now() + Duration::from_secs(1)));
                }
                (code, state) => {
                    let reason = match state {
                        CellState::Failed { reason, .. } if code.is_some() => reason,
                        _ => {
                            // Killed (OOM killer, kill -9) or exited without a record.
                            let reason = match status.signal() {
                                Some(sig) => format!(
                                    "killed by signal {sig}{}",
                                    if sig == libc::SIGKILL {
                                        " (SIGKILL: out of memory, or killed)"
                                    } else {
                                        ""
                                    }
                                ),
                                None => format!("exited with status {}", code.unwrap_or(-1)),
                            };
                            store::write_json(
                                &dir.join(files::STATE),
                                &StateRecord::Failed {
                                    exit_code: code,
                                    signal: status.signal(),
                                    reason: reason.clone(),
                                    log_tail: store::log_tail(&dir, 20),
                                    at: store::now(),
                                },
                            )?;
                            reason
                        }
                    };
                    log(format!(
                        "FAILED  {}: {reason}\n        log: {}",
                        cell.name,
                        dir.join(files::LOG).display()
                    ));
                    summary.failed.push((cell.name.clone(), reason));
                }
            }
        }
        main.set_message(format!(
            "{} done, {} running, {} failed{}",
            summary.done + summary.already_done,
            running.len() + waiting.len(),
            summary.failed.len() + summary.skipped_failed.len(),
            if waiting.is_empty() {
                String::new()
            } else {
                format!(" ({} elsewhere)", waiting.len())
            }
        ));
        std::thread::sleep(Duration::from_millis(100));
    }
    main.finish_and_clear();
    summary.done += summary.already_done;
    Ok(summary)
}

fn spawn(
    store: &Store,
    plan: &Plan,
    cell: &Cell,
    opts: &LocalOptions,
    parent: u32,
) -> Result<Child> {
    let dir = store.cell_dir(&cell.name);
    std::fs::create_dir_all(&dir).map_err(|e| SweepError::io(&dir, e))?;
    let log_path = dir.join(files::LOG);
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .map_err(|e| SweepError::io(&log_path, e))?;
    let err = log.try_clone().map_err(|e| SweepError::io(&log_path, e))?;
    let mut cmd = Command::new(&opts.exe);
    cmd.arg("sweep")
        .arg(&plan.experiment)
        .arg("--out")
        .arg(store.root())
        .arg("--cell")
        .arg(cell.index.to_string())
        .args(&opts.cell_args)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(err);
    if let Some(n) = opts.threads_per_cell
        && std::env::var_os("RAYON_NUM_THREADS").is_none()
    {
        cmd.env("RAYON_NUM_THREADS", n.to_string());
    }
    // SAFETY: only async-signal-safe calls (prctl, getppid, _exit) between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            // The runner may have died between fork and prctl.
            if libc::getppid() as u32 != parent {
                libc::_exit(1);
            }
            Ok(())
        });
    }
    cmd.spawn().map_err(|e| SweepError::io(&opts.exe, e))
}
