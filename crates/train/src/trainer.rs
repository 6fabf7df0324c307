//! The epoch loop: train, evaluate, log, checkpoint; at the end, export predictions and score
//! them per factor.

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::module::Module;
use burn::optim::{ModuleOptimizer, OptimizerRecord};
use burn::tensor::Device;
use indicatif::{ProgressBar, ProgressStyle};
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;
use spillover_models::Classifier;

use crate::TrainError;
use crate::checkpoint::{self, EpochRecord, TrainState};
use crate::config::{Precision, TrainConfig};
use crate::data::TrainData;
use crate::device::{self, BackendChoice, Selected};
use crate::factors::{FactorRow, Scored};
use crate::metrics::{Tally, rank_hits, softmax_at, to_f32_vec};
use crate::predictions::{self, Prediction};
use crate::schedule::LrSchedule;
use crate::step::{images_tensor, train_step};
use crate::tensorboard::{EventWriter, image_grid};

/// How to run (as opposed to what to train, which is the [`TrainConfig`]).
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Compute backend.
    pub backend: BackendChoice,
    /// Use at most this many devices (all found when `None`).
    pub max_devices: Option<usize>,
    /// Continue from the latest checkpoint in the run directory.
    pub resume: bool,
    /// Stop after this many epochs of this invocation (resume later).
    pub stop_after: Option<usize>,
    /// Draw progress bars on the terminal.
    pub progress: bool,
}

/// What a run produced.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// Backend actually used, e.g. `flex` or `wgpu (2 devices)`.
    pub backend: String,
    /// One record per completed epoch, including those of earlier invocations.
    pub history: Vec<EpochRecord>,
    /// True when all `train.epochs` are done (predictions were exported).
    pub finished: bool,
    /// `RUN_DIR/predictions.csv` once finished.
    pub predictions: Option<PathBuf>,
    /// The per-factor table (`RUN_DIR/factors.csv`) once finished, when annotations exist.
    pub factors: Option<Vec<FactorRow>>,
    /// Why a finished run has no per-factor table (no annotations, or custom data that the
    /// annotations do not cover); the run itself succeeded.
    pub no_factors: Option<String>,
    /// The model at the end of this invocation.
    pub model: Classifier,
}

const CONFIG_FILE: &str = "config.toml";
/// The run directory's writer lock (see [`spillover_factors::lock`]).
pub const RUN_LOCK: &str = "run.lock";
/// Per-epoch metrics of the run, rewritten after every epoch.
pub const HISTORY_FILE: &str = "history.csv";
/// Files that mark a directory as spillover's own (a run, or a sweep cell about to hold one).
const OWN_MARKERS: [&str; 3] = [CONFIG_FILE, RUN_LOCK, "cell.json"];

/// Refuses an `--out` that is a file, or a non-empty folder that is not a spillover run (so a
/// user's own files are never overwritten), then takes the run's writer lock for the whole run.
pub fn claim_run_dir(out: &Path) -> Result<spillover_factors::lock::DirLock, TrainError> {
    let run_dir_err = |message: String| TrainError::RunDir {
        path: out.to_path_buf(),
        message,
    };
    if out.exists() && !out.is_dir() {
        return Err(run_dir_err(
            "is a file, not a run directory; choose another --out (a new or empty folder, or an earlier run to --resume)".into(),
        ));
    }
    if out.is_dir() && !OWN_MARKERS.iter().any(|m| out.join(m).exists()) {
        let entries: Vec<String> = std::fs::read_dir(out)
            .map_err(|e| TrainError::io(out, e))?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        if !entries.is_empty() {
            let mut shown: Vec<&str> = entries.iter().map(String::as_str).take(5).collect();
            shown.sort_unstable();
            let more = entries.len().saturating_sub(shown.len());
            return Err(run_dir_err(format!(
                "is not empty and not a spillover run (it holds {}{}); choose a new or empty --out so nothing of yours is overwritten",
                shown.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            )));
        }
    }
    std::fs::create_dir_all(out).map_err(|e| TrainError::io(out, e))?;
    let lock_path = out.join(RUN_LOCK);
    match spillover_factors::lock::DirLock::try_acquire(&lock_path)
        .map_err(|e| TrainError::io(&lock_path, e))?
    {
        Ok(lock) => Ok(lock),
        Err(holder) => Err(run_dir_err(format!(
            "another spillover process ({holder}) is writing this run directory; wait for it or choose another --out"
        ))),
    }
}

/// A value of `history.csv`; empty where the epoch had no evaluation.
fn csv_field(v: Option<f64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// Writes `history.csv`: one row per completed epoch (eval columns empty where
/// `train.eval_every` skipped the evaluation).
fn write_history(out: &Path, history: &[EpochRecord]) -> Result<(), TrainError> {
    let path = out.join(HISTORY_FILE);
    spillover_factors::atomic::write_atomic(&path, |w| {
        use std::io::Write;
        writeln!(
            w,
            "epoch,lr,train_loss,train_top1,eval_loss,eval_top1,eval_top5,images_per_sec"
        )?;
        for r in history {
            writeln!(
                w,
                "{},{},{},{},{},{},{},{}",
                r.epoch,
                r.lr,
                r.train_loss,
                r.train_top1,
                csv_field(r.eval_loss),
                csv_field(r.eval_top1),
                csv_field(r.eval_top5),
                r.images_per_sec
            )?;
        }
        Ok(())
    })
    .map_err(|e| TrainError::io(&path, e))
}

/// Checks the run directory and writes the resolved config; returns the checkpoint to resume.
fn prepare_run_dir(
    config: &TrainConfig,
    out: &Path,
    resume: bool,
) -> Result<Option<PathBuf>, TrainError> {
    let config_path = out.join(CONFIG_FILE);
    let epochs = checkpoint::complete_epochs(out)?;
    let run_dir_err = |message: String| TrainError::RunDir {
        path: out.to_path_buf(),
        message,
    };
    if resume {
        let saved =
            std::fs::read_to_string(&config_path).map_err(|e| TrainError::io(&config_path, e))?;
        let saved = TrainConfig::parse(&saved, &config_path.display().to_string(), &[])?;
        let changed = saved.differences(config);
        if !changed.is_empty() {
            return Err(run_dir_err(format!(
                "--resume with a config that differs from the run's {CONFIG_FILE} in {}; resume with the same config and --set values, or omit CONFIG.toml to use the saved one",
                changed.join(", ")
            )));
        }
        let Some(&last) = epochs.last() else {
            return Err(run_dir_err("--resume but there is no complete checkpoint under checkpoints/; start without --resume".into()));
        };
        return Ok(Some(checkpoint::epoch_dir(out, last)));
    }
    if !epochs.is_empty() {
        return Err(run_dir_err(
            "already holds checkpoints; pass --resume to continue that run or choose a new --out"
                .into(),
        ));
    }
    let text = config.to_toml();
    spillover_factors::atomic::write_bytes_atomic(&config_path, text.as_bytes())
        .map_err(|e| TrainError::io(&config_path, e))?;
    Ok(None)
}

/// Switches the devices to half precision when asked and supported (wgpu adapters with f16
/// shaders; flex computes f16 too, slowly). Weights, activations and optimizer state are then
/// all half precision; the loss is computed in f32.
fn apply_precision(selected: &mut Selected, precision: Precision) -> Option<String> {
    use burn::tensor::FloatDType;
    let dtype = match precision {
        Precision::F32 => return None,
        Precision::F16 => FloatDType::F16,
        Precision::Bf16 => FloatDType::BF16,
    };
    if !selected.devices.iter().all(|d| d.supports_dtype(dtype)) {
        return Some(format!(
            "{} does not support {precision:?}; training in f32",
            selected.name
        ));
    }
    for device in &mut selected.devices {
        if let Err(e) = device.configure(dtype) {
            return Some(format!(
                "could not switch {} to {precision:?} ({e:?}); training in f32",
                selected.name
            ));
        }
    }
    None
}

fn progress_bar(len: u64, prefix: String, visible: bool) -> ProgressBar {
    if !visible {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len).with_prefix(prefix);
    bar.set_style(
        ProgressStyle::with_template(
            "{prefix:>12} [{bar:30}] {pos}/{len} {msg} [{elapsed_precise} < {eta_precise}]",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar
}

struct Session<'a> {
    config: &'a TrainConfig,
    data: &'a dyn TrainData,
    /// The run directory.
    out: &'a Path,
    devices: Vec<Device>,
    optim: ModuleOptimizer,
    schedule: LrSchedule,
    state: TrainState,
    events: EventWriter,
    progress: bool,
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> TrainError + '_ {
    move |e| TrainError::io(path, e)
}

impl Session<'_> {
    fn train_epoch(
        &mut self,
        mut model: Classifier,
    ) -> Result<(Classifier, Tally, f64), TrainError> {
        let t = &self.config.train;
        let epoch = self.state.epoch + 1;
        let epoch_seed = self.state.rng.next_u64();
        let bar = progress_bar(
            self.schedule.steps_per_epoch,
            format!("epoch {epoch}/{}", t.epochs),
            self.progress,
        );
        let mut tally = Tally::default();
        let started = Instant::now();
        let events_path = self.events.path().to_path_buf();
        for batch in self.data.train_batches(epoch_seed, t.batch_size)? {
            let batch = batch?;
            if self.state.step == 0 && t.image_grid > 0 {
                let n = t.image_grid.min(batch.len());
                let s = batch.shape;
                let (rgb, w, h) = image_grid(
                    &batch.images[..n * s[1] * s[2] * s[3]],
                    [n, s[1], s[2], s[3]],
                    self.data.normalization(),
                    8,
                );
                self.events
                    .image("train/augmented_samples", 0, &rgb, w, h)
                    .map_err(io_err(&events_path))?;
            }
            let lr = self.schedule.lr_at(self.state.step);
            let labels = batch.labels.clone();
            let out = train_step(
                model,
                &mut self.optim,
                batch,
                lr,
                t.label_smoothing,
                &self.devices,
            )?;
            model = out.model;
            if !out.loss.is_finite() {
                return Err(TrainError::Backend(format!(
                    "loss became {} at step {} (lr {lr}); lower optim.lr or add schedule.warmup_epochs",
                    out.loss, self.state.step
                )));
            }
            tally.add(out.loss, &out.logits, &labels);
            self.state.step += 1;
            let per_sec = tally.images as f64 / started.elapsed().as_secs_f64().max(1e-9);
            bar.inc(1);
            bar.set_message(format!(
                "loss {:.3} top1 {:.1}% {:.0} img/s",
                tally.loss(),
                100.0 * tally.top1(),
                per_sec
            ));
            if self.state.step.is_multiple_of(t.log_every as u64) {
                let step = self.state.step;
                for (tag, v) in [
                    ("train/loss", out.loss),
                    ("train/lr", lr),
                    ("train/images_per_sec", per_sec),
                ] {
                    self.events
                        .scalar(tag, step, v as f32)
                        .map_err(io_err(&events_path))?;
                }
                self.events.flush().map_err(io_err(&events_path))?;
            }
        }
        bar.finish_and_clear();
        let per_sec = tally.images as f64 / started.elapsed().as_secs_f64().max(1e-9);
        Ok((model, tally, per_sec))
    }

    fn evaluate(
        &self,
        model: &Classifier,
        keep_predictions: bool,
    ) -> Result<(Tally, Vec<Prediction>), TrainError> {
        let device = self.devices[0].clone().inner();
        let model = model.valid();
        let t = &self.config.train;
        let batches = self.data.eval_len().div_ceil(t.eval_batch_size) as u64;
        let bar = progress_bar(batches, "evaluate".into(), self.progress);
        let mut tally = Tally::default();
        let mut rows = Vec::new();
        for batch in self.data.eval_batches(t.eval_batch_size)? {
            let batch = batch?;
            let labels = batch.labels.clone();
            let names = batch.file_names.clone();
            let logits = to_f32_vec(model.forward(images_tensor(batch, &device)));
            let k = logits.len() / labels.len().max(1);
            let mut loss = 0.0;
            for ((row, &label), name) in logits.chunks(k).zip(&labels).zip(names) {
                loss += crate::metrics::row_cross_entropy(row, label, t.label_smoothing);
                if keep_predictions {
                    let (class, _, _) = rank_hits(row, label);
                    rows.push(Prediction {
                        file_name: name,
                        // The class index the annotations know (ImageNet-1k for a subset).
                        class: self.data.prediction_class(class) as usize,
                        probability: softmax_at(row, class),
                    });
                }
            }
            tally.add(loss / labels.len() as f64, &logits, &labels);
            bar.inc(1);
        }
        bar.finish_and_clear();
        Ok((tally, rows))
    }
}

/// Trains `config` on `data`, writing everything into `out` (the run directory).
pub fn run(
    config: &TrainConfig,
    data: &dyn TrainData,
    out: &Path,
    opts: &RunOptions,
) -> Result<RunOutcome, TrainError> {
    check_batch_fits(config, data)?;
    let _lock = claim_run_dir(out)?;
    let resume_from = prepare_run_dir(config, out, opts.resume)?;
    let (backend, devices) = select_devices(opts, config.train.precision);
    let (model, state, optim_record) = start_or_resume(config, data, &devices[0], resume_from)?;
    let mut optim = crate::optim::build(&config.optim, &model);
    if let Some(record) = optim_record {
        optim = optim.load_record(record);
    }
    let schedule = lr_schedule(config, data.train_len());
    let events = EventWriter::create(out).map_err(|e| TrainError::io(out, e))?;
    tracing::info!(
        "training {} ({} parameters) on {backend}: {} train / {} eval images, {} steps per epoch",
        config.model.arch(),
        spillover_models::trainable_params(&model),
        data.train_len(),
        data.eval_len(),
        schedule.steps_per_epoch
    );
    let mut session = Session {
        config,
        data,
        out,
        devices,
        optim,
        schedule,
        state,
        events,
        progress: opts.progress,
    };
    let (model, last_eval_rows) = session.train_epochs(model, opts.stop_after)?;
    let finished = session.state.epoch >= config.train.epochs;
    let mut outcome = RunOutcome {
        backend,
        history: Vec::new(),
        finished,
        predictions: None,
        factors: None,
        no_factors: None,
        model,
    };
    if finished {
        let (path, scored) = session.export(&outcome.model, last_eval_rows)?;
        outcome.predictions = Some(path);
        match scored {
            Ok(rows) => outcome.factors = Some(rows),
            Err(reason) => outcome.no_factors = Some(reason),
        }
    }
    outcome.history = session.state.history;
    Ok(outcome)
}

fn check_batch_fits(config: &TrainConfig, data: &dyn TrainData) -> Result<(), TrainError> {
    let batch_size = config.train.batch_size;
    if data.train_len() >= batch_size {
        return Ok(());
    }
    Err(TrainError::Config {
        origin: "train.batch_size".into(),
        message: format!(
            "{batch_size} is larger than the training split ({} images); lower it",
            data.train_len()
        ),
    })
}

/// The backend's name and its devices (with autodiff), in the precision asked for where the
/// devices support it (a warning says when they do not).
fn select_devices(opts: &RunOptions, precision: Precision) -> (String, Vec<Device>) {
    let mut selected = device::select(opts.backend, opts.max_devices);
    for warning in selected
        .warning
        .clone()
        .into_iter()
        .chain(apply_precision(&mut selected, precision))
    {
        tracing::warn!("{warning}");
    }
    let devices = selected
        .devices
        .iter()
        .map(|d| d.clone().autodiff())
        .collect();
    (selected.name, devices)
}

/// A fresh model and state, or those of the checkpoint to resume (with its optimizer record).
fn start_or_resume(
    config: &TrainConfig,
    data: &dyn TrainData,
    device: &Device,
    resume_from: Option<PathBuf>,
) -> Result<(Classifier, TrainState, Option<OptimizerRecord>), TrainError> {
    let [c, h, w] = data.image_shape();
    if h != w && config.model.is_vit() {
        return Err(TrainError::Config {
            origin: "[model]".into(),
            message: format!("ViT needs square images, the data has {h}x{w}"),
        });
    }
    let model = config
        .model_config(data.num_classes(), h, c)?
        .init(device)?;
    let Some(dir) = resume_from else {
        let state = TrainState {
            epoch: 0,
            step: 0,
            rng: Pcg64::seed_from_u64(config.train.seed),
            history: vec![],
        };
        return Ok((model, state, None));
    };
    let loaded = checkpoint::load(&dir, model)?;
    tracing::info!(
        "resuming from {} after epoch {} (step {})",
        dir.display(),
        loaded.state.epoch,
        loaded.state.step
    );
    Ok((loaded.model, loaded.state, Some(loaded.optimizer)))
}

fn lr_schedule(config: &TrainConfig, train_len: usize) -> LrSchedule {
    let steps_per_epoch = (train_len / config.train.batch_size) as u64;
    LrSchedule {
        base_lr: config.optim.lr,
        kind: config.schedule.kind.clone(),
        min_lr: config.schedule.min_lr,
        milestones: config.milestones(),
        gamma: config.schedule.gamma,
        warmup_steps: (config.schedule.warmup_epochs * steps_per_epoch as f64).round() as u64,
        steps_per_epoch,
        total_steps: steps_per_epoch * config.train.epochs as u64,
    }
}

impl Session<'_> {
    /// Trains the remaining epochs (at most `stop_after` of them), evaluating, logging and
    /// checkpointing after each. Returns the model and, when the last epoch was trained here,
    /// its evaluation's predictions (so the export needs no second pass).
    fn train_epochs(
        &mut self,
        mut model: Classifier,
        stop_after: Option<usize>,
    ) -> Result<(Classifier, Option<Vec<Prediction>>), TrainError> {
        let epochs = self.config.train.epochs;
        let first_epoch = self.state.epoch;
        let mut last_eval_rows = None;
        while self.state.epoch < epochs {
            if stop_after.is_some_and(|k| self.state.epoch - first_epoch >= k) {
                break;
            }
            let (trained, train_tally, per_sec) = self.train_epoch(model)?;
            model = trained;
            let epoch = self.state.epoch + 1;
            let last_epoch = epoch == epochs;
            let eval_tally = if evaluates_after(epoch, epochs, self.config.train.eval_every) {
                let (tally, rows) = self.evaluate(&model, last_epoch)?;
                if last_epoch {
                    last_eval_rows = Some(rows);
                }
                Some(tally)
            } else {
                None
            };
            self.state.epoch = epoch;
            let record = EpochRecord {
                epoch,
                lr: self.schedule.lr_at(self.state.step.saturating_sub(1)),
                train_loss: train_tally.loss(),
                train_top1: train_tally.top1(),
                eval_loss: eval_tally.as_ref().map(Tally::loss),
                eval_top1: eval_tally.as_ref().map(Tally::top1),
                eval_top5: eval_tally.as_ref().map(Tally::top5),
                images_per_sec: per_sec,
            };
            self.end_epoch(&model, record)?;
        }
        Ok((model, last_eval_rows))
    }

    /// Logs the epoch, rewrites `history.csv` and saves the checkpoint.
    fn end_epoch(&mut self, model: &Classifier, record: EpochRecord) -> Result<(), TrainError> {
        log_epoch(&mut self.events, &record, self.state.step)
            .map_err(|e| TrainError::io(self.out, e))?;
        self.state.history.push(record);
        write_history(self.out, &self.state.history)?;
        checkpoint::save(
            self.out,
            model,
            &self.optim,
            &self.state,
            self.config.train.keep_checkpoints,
        )?;
        Ok(())
    }

    /// Writes `predictions.csv` and scores it per factor: the path and the factor table, or
    /// why there is none.
    fn export(
        &self,
        model: &Classifier,
        last_eval_rows: Option<Vec<Prediction>>,
    ) -> Result<(PathBuf, Result<Vec<FactorRow>, String>), TrainError> {
        // A resumed run that was already finished has no evaluation of this invocation.
        let rows = match last_eval_rows {
            Some(rows) => rows,
            None => self.evaluate(model, true)?.1,
        };
        let path = self.out.join("predictions.csv");
        predictions::write(&path, &rows)?;
        crate::fault::point("predictions-written");
        let scored = score_factors(self.data, &path, self.out)?;
        if let Err(reason) = &scored {
            tracing::warn!("no per-factor table (factors.csv): {reason}");
        }
        crate::fault::point("factors-written");
        Ok((path, scored))
    }
}

/// Whether epoch `epoch` (1-based) of `epochs` is evaluated under `train.eval_every`.
fn evaluates_after(epoch: usize, epochs: usize, every: usize) -> bool {
    epoch == epochs || (every > 0 && epoch.is_multiple_of(every))
}

/// Scores the predictions per factor into `RUN_DIR/factors.csv` when the data has annotations
/// of its validation images; otherwise says why not (data without annotations is no error).
fn score_factors(
    data: &dyn TrainData,
    predictions: &Path,
    out: &Path,
) -> Result<Result<Vec<FactorRow>, String>, TrainError> {
    let annotations = match data.annotations() {
        Ok(dir) if dir.is_dir() => dir,
        Ok(dir) => {
            return Ok(Err(format!(
                "no ImageNet-X annotations at {}: fetch them with `spillover annotations fetch` or set data.annotations, then score with `spillover evaluate {}`",
                dir.display(),
                predictions.display()
            )));
        }
        Err(reason) => return Ok(Err(reason)),
    };
    let path = out.join("factors.csv");
    match crate::factors::score(predictions, &annotations, &path)? {
        Scored::Table(rows) => {
            tracing::info!("per-factor accuracies written to {}", path.display());
            Ok(Ok(rows))
        }
        Scored::NotAnnotated(reason) => Ok(Err(reason)),
    }
}

fn log_epoch(events: &mut EventWriter, r: &EpochRecord, step: u64) -> std::io::Result<()> {
    let eval = match (r.eval_loss, r.eval_top1, r.eval_top5) {
        (Some(loss), Some(top1), Some(top5)) => format!(
            "eval loss {loss:.4} top1 {:.2}% top5 {:.2}%",
            100.0 * top1,
            100.0 * top5
        ),
        _ => "no eval (train.eval_every)".to_string(),
    };
    tracing::info!(
        "epoch {}: train loss {:.4} top1 {:.2}% | {eval} | lr {:.3e} | {:.1} img/s",
        r.epoch,
        r.train_loss,
        100.0 * r.train_top1,
        r.lr,
        r.images_per_sec
    );
    for (tag, v) in [
        ("epoch/train_loss", Some(r.train_loss)),
        ("epoch/train_top1", Some(r.train_top1)),
        ("eval/loss", r.eval_loss),
        ("eval/top1", r.eval_top1),
        ("eval/top5", r.eval_top5),
        ("epoch/lr", Some(r.lr)),
        ("epoch/images_per_sec", Some(r.images_per_sec)),
    ] {
        if let Some(v) = v {
            events.scalar(tag, step, v as f32)?;
        }
    }
    events.flush()
}
