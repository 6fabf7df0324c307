//! # spillover-train
//!
//! Trains the classifiers of `spillover-models` on Burn, one experiment cell per call of
//! [`run`]: optimizers and schedules as the field uses them ([`optim`], [`schedule`]), label
//! smoothing and top-k metrics ([`metrics`]), per-epoch checkpoints with exact resume
//! ([`checkpoint`]), TensorBoard event files ([`tensorboard`]), data-parallel steps over several
//! devices ([`step`]), and at the end the evaluation predictions in the `imagenet_x` CSV format
//! ([`predictions`]).
//!
//! Backends ([`device`]): wgpu on GPUs by default, falling back to the flex CPU backend with a
//! warning when no adapter is found.

pub mod alloc;
pub mod checkpoint;
pub mod config;
pub mod data;
pub mod device;
mod error;
pub mod factors;
pub mod fault;
pub mod metrics;
pub mod optim;
pub mod predictions;
pub mod provenance;
pub mod schedule;
pub mod source;
pub mod step;
pub mod tensorboard;
mod trainer;

pub use config::TrainConfig;
pub use data::{PreparedData, PreparedSplit, TensorBatch, TrainData};
pub use device::BackendChoice;
pub use error::TrainError;
pub use source::{DataSection, LoaderData};
pub use trainer::{HISTORY_FILE, RUN_LOCK, RunOptions, RunOutcome, claim_run_dir, run};
