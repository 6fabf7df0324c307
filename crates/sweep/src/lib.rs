//! # spillover-sweep
//!
//! Sweeps of training cells from one TOML experiment file ([`experiment`]): the plan of cells
//! with readable names and content ids ([`plan`]), the run store with its per-cell lock and
//! completion record ([`store`]), the code that runs one cell ([`cell`]), and two runners
//! sharing it: child processes on this machine ([`local`]) and Slurm job arrays ([`slurm`]).
//!
//! Exactly once: a cell's result is its `done.json`, created once, atomically, after
//! everything else it writes; the cell's lock keeps two processes (two sweeps, a sweep and a
//! Slurm task, two launches of one Slurm task) from running it at the same time; a crash at
//! any moment leaves a cell that resumes from its last checkpoint.

pub mod cell;
mod error;
pub mod experiment;
pub mod local;
pub mod plan;
pub mod slurm;
pub mod store;

pub use cell::{CellOptions, CellOutcome, EXIT_BUSY, run_cell};
pub use error::{Result, SweepError};
pub use experiment::Experiment;
pub use local::{LocalOptions, Summary, run_local};
pub use plan::{Cell, Plan, plan};
pub use store::{CellState, Store};
