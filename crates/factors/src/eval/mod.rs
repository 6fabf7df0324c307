//! Scoring predictions against ImageNet-X annotations, exactly as the `imagenet-x` toolkit.
//!
//! [`EvalSet`] holds the scored images (annotations joined with metaclasses, ReaL labels and the
//! prototype filter); [`EvalSet::score`] turns one model's predictions into [`ModelScores`]
//! (integer counts per factor, class and metaclass, plus calibration bins); the `tables` functions
//! turn scores into the toolkit's tables. Every accuracy is a ratio of two integer counts, so the
//! values are bit-identical to pandas' `sum / count`.

mod compiled;
mod npsort;
mod score;
mod set;
mod tables;

pub use compiled::{Cache, Outcome, SETTLE};
pub use npsort::argsort_quicksort;
pub use score::{CalibrationBins, Counts, ModelScores, N_BINS};
pub use set::{EvalError, EvalOptions, EvalSet, ScoreOptions};
pub use tables::{
    AccuracyRow, CalibrationRow, MetaclassRow, accuracy_table, calibration_table, error_ratios,
    metaclass_table, worst_k_classes,
};

use std::fmt;
use std::str::FromStr;

/// What counts as a correct prediction (the toolkit's `error_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorType {
    /// Predicted class == label (`is_correct`).
    Class,
    /// Predicted class's metaclass == label's metaclass (`is_metaclass_correct`).
    Metaclass,
    /// Predicted class is in the image's ReaL label set (`is_correct_real`).
    RealClass,
}

impl ErrorType {
    pub const ALL: [ErrorType; 3] = [ErrorType::Class, ErrorType::Metaclass, ErrorType::RealClass];

    pub fn name(self) -> &'static str {
        match self {
            ErrorType::Class => "class",
            ErrorType::Metaclass => "metaclass",
            ErrorType::RealClass => "real_class",
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for ErrorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ErrorType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        ErrorType::ALL
            .into_iter()
            .find(|e| e.name() == s)
            .ok_or_else(|| format!("unknown error type `{s}`: use class, metaclass or real_class"))
    }
}

/// The name of the pseudo-model the toolkit adds for `real_class` (prediction = label).
pub const HUMAN: &str = "human";
