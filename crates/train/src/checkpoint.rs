//! Per-epoch checkpoints: model and optimizer as burnpack files, and `state.json` with the
//! epoch, the global step, the data RNG and the metric history. `state.json` is written last
//! (every file atomically), so a directory with it is complete; a crash mid-save leaves the
//! previous checkpoint as the latest.
//!
//! Layout: `RUN_DIR/checkpoints/epoch-0003/{model.bpk, optimizer.bpk, state.json}`.

use std::fs;
use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::optim::{ModuleOptimizer, OptimizerRecord};
use burn::store::ModuleRecord;
use burn::tensor::Bytes;
use rand_pcg::Pcg64;
use serde::{Deserialize, Serialize};
use spillover_factors::atomic::write_bytes_atomic;
use spillover_models::Classifier;

use crate::TrainError;

/// Metrics of one finished epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// 1-based epoch.
    pub epoch: usize,
    /// Learning rate at the epoch's last step.
    pub lr: f64,
    /// Mean training loss.
    pub train_loss: f64,
    /// Training top-1 accuracy.
    pub train_top1: f64,
    /// Evaluation loss, top-1 and top-5 accuracy: `None` for an epoch that `train.eval_every`
    /// skipped (the last epoch always has them).
    pub eval_loss: Option<f64>,
    pub eval_top1: Option<f64>,
    pub eval_top5: Option<f64>,
    /// Training throughput.
    pub images_per_sec: f64,
}

/// Everything besides tensors that a resumed run needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainState {
    /// Epochs completed.
    pub epoch: usize,
    /// Optimizer steps completed (the schedule's position).
    pub step: u64,
    /// The generator that seeds each epoch's data order and augmentation.
    pub rng: Pcg64,
    /// One record per completed epoch.
    pub history: Vec<EpochRecord>,
}

const MODEL: &str = "model.bpk";
const OPTIMIZER: &str = "optimizer.bpk";
const STATE: &str = "state.json";

/// The checkpoint directory of `epoch` under `run_dir`.
pub fn epoch_dir(run_dir: &Path, epoch: usize) -> PathBuf {
    run_dir
        .join("checkpoints")
        .join(format!("epoch-{epoch:04}"))
}

fn backend_err(path: &Path, e: impl std::fmt::Display) -> TrainError {
    TrainError::Checkpoint {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Writes the checkpoint of `state.epoch` and deletes all but the latest `keep` (≥ 1).
pub fn save(
    run_dir: &Path,
    model: &Classifier,
    optim: &ModuleOptimizer,
    state: &TrainState,
    keep: usize,
) -> Result<PathBuf, TrainError> {
    let dir = epoch_dir(run_dir, state.epoch);
    let model_bytes = model
        .clone()
        .into_record()
        .into_bytes()
        .map_err(|e| backend_err(&dir, e))?;
    let optim_bytes = optim
        .to_record()
        .into_bytes()
        .map_err(|e| backend_err(&dir, e))?;
    let state_json = serde_json::to_vec_pretty(state).expect("state serializes");
    for (name, bytes) in [
        (MODEL, &model_bytes[..]),
        (OPTIMIZER, &optim_bytes[..]),
        (STATE, &state_json[..]),
    ] {
        if name == STATE {
            // Model and optimizer are on disk, the marker of a complete checkpoint is not.
            crate::fault::point("checkpoint-partial");
        }
        let path = dir.join(name);
        write_bytes_atomic(&path, bytes).map_err(|e| TrainError::io(&path, e))?;
    }
    let complete = complete_epochs(run_dir)?;
    for &old in complete.iter().rev().skip(keep.max(1)) {
        let old_dir = epoch_dir(run_dir, old);
        fs::remove_dir_all(&old_dir).map_err(|e| TrainError::io(&old_dir, e))?;
    }
    Ok(dir)
}

/// Epochs with a complete checkpoint, ascending.
pub fn complete_epochs(run_dir: &Path) -> Result<Vec<usize>, TrainError> {
    let root = run_dir.join("checkpoints");
    if !root.exists() {
        return Ok(vec![]);
    }
    let mut epochs: Vec<usize> = fs::read_dir(&root)
        .map_err(|e| TrainError::io(&root, e))?
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let epoch = name.strip_prefix("epoch-")?.parse().ok()?;
            entry.path().join(STATE).is_file().then_some(epoch)
        })
        .collect();
    epochs.sort_unstable();
    Ok(epochs)
}

/// A loaded checkpoint.
pub struct Loaded {
    /// The model with the saved weights, running statistics and parameter ids.
    pub model: Classifier,
    /// The saved optimizer record, to apply to an optimizer built for `model`.
    pub optimizer: OptimizerRecord,
    /// Epoch, step, RNG and history.
    pub state: TrainState,
}

/// Loads the checkpoint in `dir` into `model` (a freshly built model of the same config).
pub fn load(dir: &Path, model: Classifier) -> Result<Loaded, TrainError> {
    let read = |name: &str| {
        let path = dir.join(name);
        fs::read(&path).map_err(|e| TrainError::io(&path, e))
    };
    let state: TrainState = serde_json::from_slice(&read(STATE)?)
        .map_err(|e| backend_err(&dir.join(STATE), format!("{e}; the file is damaged, delete this checkpoint directory to resume from the one before")))?;
    let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(read(MODEL)?))
        .map_err(|e| backend_err(&dir.join(MODEL), e))?;
    let model = model.try_load_record(record).map_err(|e| {
        backend_err(
            &dir.join(MODEL),
            format!("{e}; was it written by a run with another [model] config?"),
        )
    })?;
    let optimizer = OptimizerRecord::from_bytes(Bytes::from_bytes_vec(read(OPTIMIZER)?))
        .map_err(|e| backend_err(&dir.join(OPTIMIZER), e))?;
    Ok(Loaded {
        model,
        optimizer,
        state,
    })
}
