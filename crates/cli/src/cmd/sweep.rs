//! `spillover sweep EXP.toml`: plan and run every cell of an experiment file, here or on Slurm,
//! exactly once; `spillover status DIR`: where each cell of a sweep stands.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use spillover_sweep::store::{self, DoneRecord, Store, status_rows};
use spillover_sweep::{CellOptions, CellOutcome, Experiment, LocalOptions, Plan, slurm};
use spillover_train::BackendChoice;

use crate::output::{Cell, Format, Table};

const EXAMPLES: &str = r#"An experiment file (paths relative to it):

  # Does stronger colour jitter lower the colour error ratio but raise the pose one?
  [sweep]
  base = "../configs/train/demo.toml"   # the training config every cell starts from
  baseline = "flip"                     # the group the report compares against
  seeds = [0, 1, 2]                     # every cell once per seed
  set = { "train.epochs" = 4 }          # overrides for every cell
  # exclude = [{ group = "flip", lr = 0.05 }]    # leave combinations out

  [[group]]                             # a named augmentation pipeline
  name = "flip"
  augment = [{ name = "random_horizontal_flip" }]

  [[group]]
  name = "color"                        # cells color0.25-seed0 ... color1-seed2
  augment = [{ name = "random_horizontal_flip" }, { name = "paper_color_jitter" }]
  axes = { "augment.paper_color_jitter.strength" = [0.25, 0.5, 1.0] }

  [axes]                                # crossed with every group: any config key, or
  "optim.lr" = [0.05, 0.1]              # model = ["r18", "vit"] with a [models] table
  # [[cell]] name = "long" set = { "train.epochs" = 20 }   # explicit extra cells
  # [slurm] partition = "gpu" gpus = 1 cpus = 8 mem = "32G" time = "12:00:00" throttle = 16

Examples:
  spillover sweep experiments/demo.toml --plan          # the cells, their ids and costs
  spillover sweep experiments/demo.toml                 # run (or resume) into runs/demo
  spillover sweep experiments/demo.toml --jobs 2 --set train.epochs=1
  spillover sweep experiments/demo.toml --retry-failed  # run failed cells again
  spillover status runs/demo                            # where each cell stands
  spillover sweep exp.toml --runner slurm               # one sbatch --array; returns at once
  spillover sweep exp.toml --runner slurm --wait        # ... and follow it
  spillover report runs/demo --out runs/demo/report     # the spill-over report

Re-running the same command resumes: done cells are skipped, interrupted ones continue from
their last checkpoint, failed ones wait for --retry-failed. A cell is done only when its
done.json exists (written once, last). See docs/sweeps.md."#;

/// Where cells run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Runner {
    /// Child processes on this machine.
    Local,
    /// One Slurm job array (sbatch), each task one cell.
    Slurm,
}

#[derive(Args)]
#[command(after_help = EXAMPLES)]
pub struct SweepArgs {
    /// The experiment file.
    #[arg(value_name = "EXP.toml")]
    experiment: PathBuf,
    /// Sweep directory [default: runs/<experiment name>].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Print the cells (name, content id, what differs from the base, estimated cost) and exit.
    #[arg(long)]
    plan: bool,
    /// Output format of --plan.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Cells at once (default 1: one cell at a time, on every GPU, or on every core).
    #[arg(long, value_name = "N", default_value_t = 1)]
    jobs: usize,
    /// Run cells that failed before again (resuming from their last checkpoint).
    #[arg(long)]
    retry_failed: bool,
    /// Override a config value in every cell, e.g. --set train.epochs=1 (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    sets: Vec<String>,
    /// Compute backend of every cell: wgpu, flex or wgpu-cpu.
    #[arg(long, default_value = "wgpu")]
    backend: String,
    /// Devices per cell (default: every GPU found).
    #[arg(long, value_name = "N")]
    devices: Option<usize>,
    /// local (child processes here) or slurm (one sbatch job array).
    #[arg(long, value_enum, default_value_t = Runner::Local)]
    runner: Runner,
    /// Slurm: wait for the job array and follow it.
    #[arg(long)]
    wait: bool,
    /// Run only this cell (index or name) in this process: what each runner's task does.
    #[arg(long, value_name = "I")]
    cell: Option<String>,
    /// No progress bars (one line per event).
    #[arg(long)]
    quiet: bool,
}

#[derive(Args)]
pub struct StatusArgs {
    /// A sweep directory.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// Print JSON (one object per cell) instead of a table.
    #[arg(long)]
    json: bool,
}

pub fn run(args: SweepArgs) -> Result<()> {
    let backend: BackendChoice = args
        .backend
        .parse()
        .map_err(|e: String| anyhow::anyhow!("--backend: {e}"))?;
    let exp = Experiment::load(&args.experiment)?;
    let plan = spillover_sweep::plan(&exp, &args.sets, crate::registry())?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("runs").join(&plan.name));
    let store = Store::new(&out);
    if args.plan {
        print_plan(&plan, &store, args.format);
        return Ok(());
    }
    if let Some(key) = &args.cell {
        return run_one(&store, &plan, key, backend, args.devices);
    }
    let mut cell_args = vec!["--backend".to_string(), args.backend.clone()];
    if let Some(n) = args.devices {
        cell_args.extend(["--devices".into(), n.to_string()]);
    }
    for s in &args.sets {
        cell_args.extend(["--set".into(), s.clone()]);
    }
    for note in store.prepare(&plan)? {
        eprintln!("note: {note}");
    }
    match args.runner {
        Runner::Local => run_here(&store, &plan, &args, backend, cell_args),
        Runner::Slurm => run_slurm(&store, &plan, &exp, &args, cell_args),
    }
}

fn run_here(
    store: &Store,
    plan: &Plan,
    args: &SweepArgs,
    backend: BackendChoice,
    cell_args: Vec<String>,
) -> Result<()> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let cpu = backend != BackendChoice::Wgpu || !spillover_train::device::gpu_present();
    let opts = LocalOptions {
        jobs: args.jobs.max(1),
        retry_failed: args.retry_failed,
        exe: std::env::current_exe().context("locating the spillover binary")?,
        cell_args,
        progress: !args.quiet && std::io::stderr().is_terminal(),
        threads_per_cell: (cpu && args.jobs > 1).then(|| (cores / args.jobs).max(1)),
    };
    eprintln!(
        "sweep {}: {} cells into {} ({} at a time)",
        plan.name,
        plan.cells.len(),
        store.root().display(),
        opts.jobs
    );
    let summary = spillover_sweep::run_local(store, plan, &opts)?;
    eprintln!(
        "{} of {} cells done ({} this run, {} before); {} failed",
        summary.done,
        plan.cells.len(),
        summary.finished_here,
        summary.already_done,
        summary.failed.len() + summary.skipped_failed.len()
    );
    for (name, reason) in &summary.failed {
        eprintln!(
            "  failed: {name}: {reason}\n          log: {}",
            store.cell_dir(name).join(store::files::LOG).display()
        );
    }
    if !summary.skipped_failed.is_empty() {
        eprintln!(
            "  skipped (failed earlier; rerun with --retry-failed): {}",
            summary.skipped_failed.join(", ")
        );
    }
    let failed = summary.failed.len() + summary.skipped_failed.len();
    if failed > 0 {
        bail!(
            "{failed} cell(s) failed; `spillover status {}` shows why",
            store.root().display()
        );
    }
    eprintln!(
        "report: spillover report {0} --out {0}/report",
        store.root().display()
    );
    Ok(())
}

/// `--cell`: one cell in this process, its output into the cell's train.log.
fn run_one(
    store: &Store,
    plan: &Plan,
    key: &str,
    backend: BackendChoice,
    devices: Option<usize>,
) -> Result<()> {
    let cell = plan.find(key).with_context(|| {
        format!(
            "--cell {key}: the plan has cells 0..{} (or give a name, e.g. {})",
            plan.cells.len().saturating_sub(1),
            plan.cells[0].name
        )
    })?;
    if let Ok(saved) = store.read_plan() {
        let planned = saved
            .cells
            .get(cell.index)
            .and_then(|c| c.get("id"))
            .and_then(|v| v.as_str());
        if planned != Some(cell.id.as_str()) {
            bail!(
                "{}: the experiment file changed since this sweep was planned (cell {} is now {}); run `spillover sweep` on it again to re-plan",
                store.root().display(),
                cell.index,
                cell.name
            );
        }
    }
    // SAFETY: single-threaded so far; training starts below.
    unsafe { spillover_train::device::prepare_process_env(backend) };
    let log = store.cell_dir(&cell.name).join(store::files::LOG);
    eprintln!(
        "cell {} ({}): log in {}",
        cell.index,
        cell.name,
        log.display()
    );
    let opts = CellOptions {
        backend,
        devices,
        redirect_output: true,
        registry: crate::registry().clone(),
    };
    init_tracing();
    match spillover_sweep::run_cell(store, plan, cell, &opts)? {
        CellOutcome::Done(d) => {
            eprintln!("cell {} done: top-1 {:.2}%", cell.name, 100.0 * d.eval_top1);
            Ok(())
        }
        CellOutcome::AlreadyDone(_) => {
            eprintln!("cell {} is already done: nothing to do", cell.name);
            Ok(())
        }
        CellOutcome::Busy(holder) => {
            eprintln!("cell {} is being run by {holder}", cell.name);
            std::process::exit(spillover_sweep::EXIT_BUSY);
        }
    }
}

fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(false)
        .try_init();
}

fn run_slurm(
    store: &Store,
    plan: &Plan,
    exp: &Experiment,
    args: &SweepArgs,
    mut cell_args: Vec<String>,
) -> Result<()> {
    let section = plan.slurm.resolve(exp.dir())?;
    let earlier = slurm::submissions(store)?;
    let queued = slurm::queue_states(&earlier.iter().map(|s| s.job_id.clone()).collect::<Vec<_>>())
        .unwrap_or_default();
    let mut todo = Vec::new();
    let mut skipped_failed = Vec::new();
    for cell in &plan.cells {
        match store.state(cell)? {
            store::CellState::Done(_) | store::CellState::Running { .. } => {}
            store::CellState::Failed { .. } if !args.retry_failed => {
                skipped_failed.push(cell.name.clone())
            }
            _ if queued.contains_key(&cell.index) => {}
            _ => todo.push(cell.index),
        }
    }
    if !skipped_failed.is_empty() {
        eprintln!(
            "not submitted (failed earlier; add --retry-failed): {}",
            skipped_failed.join(", ")
        );
    }
    if todo.is_empty() {
        eprintln!("nothing to submit: every cell is done, running or queued");
    } else {
        cell_args.push("--quiet".into());
        let exe = std::env::current_exe().context("locating the spillover binary")?;
        let script = slurm::batch_script(plan, store, &section, &exe, &cell_args, &todo);
        let sub = slurm::submit(store, &script, &todo)?;
        eprintln!(
            "submitted job array {} ({} cells, script {}); follow it with `spillover status {}`",
            sub.job_id,
            todo.len(),
            sub.script.display(),
            store.root().display()
        );
        println!("{}", sub.job_id);
    }
    if args.wait {
        wait_slurm(store, plan)?;
    }
    Ok(())
}

fn wait_slurm(store: &Store, plan: &Plan) -> Result<()> {
    let jobs: Vec<String> = slurm::submissions(store)?
        .into_iter()
        .map(|s| s.job_id)
        .collect();
    let mut last = String::new();
    loop {
        let queued = slurm::queue_states(&jobs).unwrap_or_default();
        let rows = rows_for(store, plan)?;
        let counts = store::tally(&rows);
        let line = format!(
            "{} queued in Slurm; cells: {}",
            queued.len(),
            counts
                .iter()
                .map(|(k, v)| format!("{v} {k}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        if line != last {
            eprintln!("{line}");
            last = line;
        }
        if queued.is_empty() {
            let failed = counts.get("failed").copied().unwrap_or(0);
            let done = counts.get("done").copied().unwrap_or(0);
            if done == plan.cells.len() {
                return Ok(());
            }
            bail!(
                "the job array ended with {done} of {} cells done ({failed} failed); `spillover status {}` shows why, `spillover sweep ... --runner slurm` resubmits the rest",
                plan.cells.len(),
                store.root().display()
            );
        }
        std::thread::sleep(Duration::from_secs(2));
    }
}

fn rows_for(store: &Store, plan: &Plan) -> Result<Vec<store::StatusRow>> {
    let cells: Vec<(usize, String, String, usize)> = plan
        .cells
        .iter()
        .map(|c| (c.index, c.name.clone(), c.id.clone(), c.epochs))
        .collect();
    Ok(status_rows(store, &cells)?)
}

/// `spillover status DIR`.
pub fn status(args: StatusArgs) -> Result<()> {
    let store = Store::new(&args.dir);
    let saved = store.read_plan()?;
    let cells: Vec<(usize, String, String, usize)> = saved
        .cells
        .iter()
        .map(|c| {
            (
                c["index"].as_u64().unwrap_or(0) as usize,
                c["name"].as_str().unwrap_or_default().to_string(),
                c["id"].as_str().unwrap_or_default().to_string(),
                c["epochs"].as_u64().unwrap_or(0) as usize,
            )
        })
        .collect();
    let rows = status_rows(&store, &cells)?;
    let jobs: Vec<String> = slurm::submissions(&store)?
        .into_iter()
        .map(|s| s.job_id)
        .collect();
    let queue = if jobs.is_empty() {
        None
    } else {
        slurm::queue_states(&jobs)
    };
    if args.json {
        let values: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| {
                let mut v = serde_json::to_value(r).expect("serializes");
                if let Some(q) = &queue {
                    v["slurm"] = q
                        .get(&r.index)
                        .map_or(serde_json::Value::Null, |s| s.as_str().into());
                }
                v
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&values)?);
        return Ok(());
    }
    let mut headers = vec!["#", "cell", "id", "state", "epochs", "top-1 %", "detail"];
    if queue.is_some() {
        headers.insert(4, "slurm");
    }
    let mut table = Table::new(headers);
    for r in &rows {
        let mut row: Vec<Cell> = vec![
            Cell::Int(r.index as i64),
            r.name.clone().into(),
            r.id.clone().into(),
            r.state.clone().into(),
            format!("{}/{}", r.epochs_done, r.epochs).into(),
            r.eval_top1
                .map_or(Cell::Text(String::new()), |t| Cell::Float(100.0 * t)),
            r.detail.clone().into(),
        ];
        if let Some(q) = &queue {
            row.insert(4, q.get(&r.index).cloned().unwrap_or_default().into());
        }
        table.push(row);
    }
    print!("{}", table.render(Format::Table));
    let counts = store::tally(&rows);
    println!(
        "{}: {} cells: {}",
        saved.name,
        rows.len(),
        counts
            .iter()
            .map(|(k, v)| format!("{v} {k}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}

/// Seconds per epoch of done cells, by what determines a cell's speed (model, data, batch).
fn cost_key(c: &spillover_sweep::Cell) -> String {
    format!(
        "{}|{}|{}",
        toml::Value::Table(c.config.data.clone()),
        toml::to_string(&c.config.model).unwrap_or_default(),
        c.config.train.batch_size
    )
}

fn print_plan(plan: &Plan, store: &Store, format: Format) {
    let mut per_epoch: BTreeMap<String, f64> = BTreeMap::new();
    for c in &plan.cells {
        let done: Option<DoneRecord> =
            store::read_json(&store.cell_dir(&c.name).join(store::files::DONE))
                .ok()
                .flatten();
        if let Some(d) = done
            && d.epochs > 0
        {
            per_epoch.insert(cost_key(c), d.seconds / d.epochs as f64);
        }
    }
    let mut table = Table::new(["#", "cell", "id", "group", "differs from base", "est. cost"]);
    let mut total = 0.0;
    let mut known = 0;
    for c in &plan.cells {
        let est = per_epoch.get(&cost_key(c)).map(|s| s * c.epochs as f64);
        if let Some(e) = est {
            total += e;
            known += 1;
        }
        table.push(vec![
            Cell::Int(c.index as i64),
            c.name.clone().into(),
            c.id.clone().into(),
            c.group.clone().into(),
            c.differences.join(" ").into(),
            est.map_or("-".to_string(), human_secs).into(),
        ]);
    }
    print!("{}", table.render(format));
    if format == Format::Table {
        println!(
            "{}: {} cells{}; baseline {}",
            plan.name,
            plan.cells.len(),
            if known > 0 {
                format!(
                    ", {} estimated for {known} of them (from finished cells of the same model and data)",
                    human_secs(total)
                )
            } else {
                String::new()
            },
            plan.baseline.as_deref().unwrap_or("(none)")
        );
    }
}

fn human_secs(s: f64) -> String {
    let s = s.round() as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}
