//! The Slurm runner: one `sbatch --array=...%T` script per submission, each array task running
//! `spillover sweep EXP --out DIR --cell $SLURM_ARRAY_TASK_ID` — the local runner's code path,
//! state files and locks.
//!
//! Slurm runs a task at least once, not exactly once (a requeue, a preemption or a slurmctld
//! restart can start a task again); the cell's lock and completion record make a second run of
//! a finished cell a no-op and two concurrent runs of one cell impossible. Before the time
//! limit Slurm sends USR2 to the batch shell (`--signal=B:USR2@N`); the script stops the cell
//! (its last per-epoch checkpoint is on disk; every write is atomic) and requeues the task,
//! which resumes from that checkpoint.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};

use crate::error::{Result, SweepError};
use crate::plan::Plan;
use crate::store::Store;

/// `[slurm]` of an experiment file (and of a site file it names).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlurmSection {
    /// A site file (TOML with these same keys) whose values this table overrides; relative to
    /// the experiment file. `SPILLOVER_SLURM_SITE` names one for every sweep.
    pub site: Option<String>,
    /// `--partition`.
    pub partition: Option<String>,
    /// `--account`.
    pub account: Option<String>,
    /// `--qos`.
    pub qos: Option<String>,
    /// GPUs per task (`--gres=gpu:N`).
    pub gpus: Option<u32>,
    /// `--cpus-per-task`.
    pub cpus: Option<u32>,
    /// `--mem`, e.g. `"64G"`.
    pub mem: Option<String>,
    /// `--time`, e.g. `"24:00:00"`.
    pub time: Option<String>,
    /// At most this many tasks at once (`%T` of `--array`).
    pub throttle: Option<usize>,
    /// Seconds before the time limit at which the task is stopped and requeued (default 120).
    pub signal_seconds: Option<u32>,
    /// Extra `#SBATCH` lines, e.g. `["--constraint=a100", "--exclusive"]`.
    #[serde(default)]
    pub extra: Vec<String>,
}

impl SlurmSection {
    /// This table over the site file it (or `SPILLOVER_SLURM_SITE`) names.
    pub fn resolve(&self, experiment_dir: &Path) -> Result<SlurmSection> {
        let site_path = self
            .site
            .as_ref()
            .map(|s| experiment_dir.join(s))
            .or_else(|| std::env::var_os("SPILLOVER_SLURM_SITE").map(PathBuf::from));
        let Some(path) = site_path else {
            return Ok(self.clone());
        };
        let text = std::fs::read_to_string(&path).map_err(|e| SweepError::io(&path, e))?;
        #[derive(Deserialize)]
        struct SiteFile {
            slurm: SlurmSection,
        }
        let site: SiteFile = toml::from_str(&text).map_err(|e| SweepError::Experiment {
            file: path.display().to_string(),
            line: e.span().map(|s| text[..s.start].matches('\n').count() + 1),
            message: e.message().trim().to_string(),
        })?;
        let s = site.slurm;
        Ok(SlurmSection {
            site: None,
            partition: self.partition.clone().or(s.partition),
            account: self.account.clone().or(s.account),
            qos: self.qos.clone().or(s.qos),
            gpus: self.gpus.or(s.gpus),
            cpus: self.cpus.or(s.cpus),
            mem: self.mem.clone().or(s.mem),
            time: self.time.clone().or(s.time),
            throttle: self.throttle.or(s.throttle),
            signal_seconds: self.signal_seconds.or(s.signal_seconds),
            extra: s.extra.into_iter().chain(self.extra.clone()).collect(),
        })
    }
}

/// Quotes `s` for a POSIX shell.
fn sh_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-=:,+@%".contains(c))
    {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// `0-3,7,9-10`: indices as Slurm array ranges.
pub fn array_ranges(indices: &[usize]) -> String {
    let mut sorted = indices.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut parts = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end + 1 {
            i += 1;
            end = sorted[i];
        }
        parts.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        i += 1;
    }
    parts.join(",")
}

/// The batch script for the cells `indices` of `plan`.
pub fn batch_script(
    plan: &Plan,
    store: &Store,
    slurm: &SlurmSection,
    exe: &Path,
    cell_args: &[String],
    indices: &[usize],
) -> String {
    let logs = store.root().join("slurm");
    let mut s = String::from("#!/bin/bash\n");
    let mut sb = |line: String| s.push_str(&format!("#SBATCH {line}\n"));
    sb(format!(
        "--job-name={}",
        sh_quote(&format!("spillover-{}", plan.name))
    ));
    let throttle = slurm.throttle.map(|t| format!("%{t}")).unwrap_or_default();
    sb(format!("--array={}{throttle}", array_ranges(indices)));
    sb(format!(
        "--output={}",
        sh_quote(&logs.join("%A_%a.out").display().to_string())
    ));
    sb("--open-mode=append".into());
    sb("--requeue".into());
    sb(format!(
        "--signal=B:USR2@{}",
        slurm.signal_seconds.unwrap_or(120)
    ));
    let opt =
        |name: &str, v: &Option<String>| v.as_ref().map(|v| format!("--{name}={}", sh_quote(v)));
    for line in [
        opt("partition", &slurm.partition),
        opt("account", &slurm.account),
        opt("qos", &slurm.qos),
        slurm.gpus.map(|g| format!("--gres=gpu:{g}")),
        slurm.cpus.map(|c| format!("--cpus-per-task={c}")),
        opt("mem", &slurm.mem),
        opt("time", &slurm.time),
    ]
    .into_iter()
    .flatten()
    {
        sb(line);
    }
    for extra in &slurm.extra {
        let extra = extra.trim();
        sb(extra
            .strip_prefix("#SBATCH")
            .unwrap_or(extra)
            .trim()
            .to_string());
    }
    let mut cmd = vec![
        sh_quote(&exe.display().to_string()),
        "sweep".into(),
        sh_quote(&plan.experiment.display().to_string()),
        "--out".into(),
        sh_quote(&store.root().display().to_string()),
        "--cell".into(),
        "\"$SLURM_ARRAY_TASK_ID\"".into(),
    ];
    cmd.extend(cell_args.iter().map(|a| sh_quote(a)));
    s.push_str(&format!(
        r#"
# Written by `spillover sweep --runner slurm` for sweep {name} ({n} cells); each array task runs
# one cell through the same code as the local runner: done cells are no-ops, interrupted ones
# resume from their last checkpoint, a cell's lock keeps two runs of it apart.
set -u
requeue() {{
    echo "spillover: USR2 (time limit or preemption) at $(date -u +%FT%TZ): stopping cell $SLURM_ARRAY_TASK_ID and requeueing it"
    kill -TERM "$child" 2>/dev/null
    wait "$child"
    scontrol requeue "${{SLURM_ARRAY_JOB_ID}}_${{SLURM_ARRAY_TASK_ID}}"
    exit 0
}}
trap requeue USR2
echo "spillover: task $SLURM_ARRAY_TASK_ID of job ${{SLURM_ARRAY_JOB_ID:-?}} on $(hostname) at $(date -u +%FT%TZ) (restart ${{SLURM_RESTART_COUNT:-0}})"
{cmd} &
child=$!
wait "$child"
code=$?
if [ "$code" -eq {busy} ]; then
    echo "spillover: cell $SLURM_ARRAY_TASK_ID is running in another process (a second launch of this task): nothing to do"
    exit 0
fi
exit "$code"
"#,
        name = plan.name,
        n = plan.cells.len(),
        cmd = cmd.join(" "),
        busy = crate::cell::EXIT_BUSY,
    ));
    s
}

/// One submission, as recorded in `DIR/slurm/submissions.jsonl`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Submission {
    /// Slurm job id of the array.
    pub job_id: String,
    /// Cell indices submitted.
    pub cells: Vec<usize>,
    /// The batch script.
    pub script: PathBuf,
    /// Unix time.
    pub submitted: u64,
}

/// Writes the script and submits it with one `sbatch` call; returns the job id.
pub fn submit(store: &Store, script: &str, cells: &[usize]) -> Result<Submission> {
    let dir = store.root().join("slurm");
    std::fs::create_dir_all(&dir).map_err(|e| SweepError::io(&dir, e))?;
    let now = crate::store::now();
    let path = dir.join(format!("sweep-{now}.sbatch"));
    spillover_factors::atomic::write_bytes_atomic(&path, script.as_bytes())
        .map_err(|e| SweepError::io(&path, e))?;
    let out = Command::new("sbatch")
        .arg("--parsable")
        .arg(&path)
        .output()
        .map_err(|e| {
            SweepError::Slurm(format!(
                "could not run sbatch ({e}); is this a Slurm login node? The script is {}",
                path.display()
            ))
        })?;
    if !out.status.success() {
        return Err(SweepError::Slurm(format!(
            "sbatch {} failed: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let job_id = stdout
        .trim()
        .split(';')
        .next()
        .unwrap_or_default()
        .to_string();
    if job_id.is_empty() || !job_id.chars().all(|c| c.is_ascii_digit()) {
        return Err(SweepError::Slurm(format!(
            "sbatch printed no job id: {stdout:?}"
        )));
    }
    let sub = Submission {
        job_id,
        cells: cells.to_vec(),
        script: path,
        submitted: now,
    };
    let log = dir.join("submissions.jsonl");
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .map_err(|e| SweepError::io(&log, e))?;
    f.write_all(format!("{}\n", serde_json::to_string(&sub).expect("serializes")).as_bytes())
        .map_err(|e| SweepError::io(&log, e))?;
    Ok(sub)
}

/// Earlier submissions of the sweep in `store`.
pub fn submissions(store: &Store) -> Result<Vec<Submission>> {
    let path = store.root().join("slurm").join("submissions.jsonl");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
        Err(e) => return Err(SweepError::io(&path, e)),
    };
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            serde_json::from_str(l)
                .map_err(|e| SweepError::store(&path, format!("unreadable line ({e}): {l}")))
        })
        .collect()
}

/// Slurm's view: cell index -> state (`PENDING`, `RUNNING`, ...) of tasks still known to
/// `squeue` for the given array jobs. `None` when squeue cannot be run.
pub fn queue_states(job_ids: &[String]) -> Option<BTreeMap<usize, String>> {
    if job_ids.is_empty() {
        return Some(BTreeMap::new());
    }
    let out = Command::new("squeue")
        .args(["--noheader", "--array", "--format=%i %T", "--jobs"])
        .arg(job_ids.join(","))
        .output()
        .ok()?;
    if !out.status.success() {
        // squeue fails for job ids it no longer knows: nothing is queued.
        let err = String::from_utf8_lossy(&out.stderr);
        return err.contains("Invalid job id").then(BTreeMap::new);
    }
    Some(parse_queue(&String::from_utf8_lossy(&out.stdout)))
}

/// Parses `squeue --array --format="%i %T"` lines (`123_4 RUNNING`, `123_[5-7,9%2] PENDING`).
pub fn parse_queue(text: &str) -> BTreeMap<usize, String> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let mut parts = line.split_whitespace();
        let (Some(id), Some(state)) = (parts.next(), parts.next()) else {
            continue;
        };
        let Some((_, task)) = id.split_once('_') else {
            continue;
        };
        let task = task.trim_start_matches('[').trim_end_matches(']');
        let task = task.split('%').next().unwrap_or_default();
        for range in task.split(',') {
            let (a, b) = range.split_once('-').unwrap_or((range, range));
            if let (Ok(a), Ok(b)) = (a.parse::<usize>(), b.parse::<usize>()) {
                for i in a..=b {
                    out.insert(i, state.to_string());
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_compress_runs() {
        assert_eq!(array_ranges(&[0, 1, 2, 3, 7, 9, 10]), "0-3,7,9-10");
        assert_eq!(array_ranges(&[5]), "5");
    }

    #[test]
    fn queue_lines_expand_pending_ranges() {
        let q = parse_queue("12_3 RUNNING\n12_[5-7,9%2] PENDING\n13 RUNNING\n");
        assert_eq!(q.get(&3).map(String::as_str), Some("RUNNING"));
        assert_eq!(q.keys().copied().collect::<Vec<_>>(), vec![3, 5, 6, 7, 9]);
    }

    #[test]
    fn quoting_survives_spaces_and_quotes() {
        assert_eq!(sh_quote("/a/b-c.toml"), "/a/b-c.toml");
        assert_eq!(sh_quote("it's here"), "'it'\\''s here'");
    }
}
