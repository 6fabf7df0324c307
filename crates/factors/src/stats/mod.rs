//! Statistics beyond the toolkit, free of I/O: bootstrap confidence intervals per factor,
//! two-sample tests (Welch, permutation, bootstrap), effect sizes, multiple-comparison
//! corrections, least-squares polynomial fits and the ImageNet-X paper's augmentation trend test.
//!
//! Every function that matches a SciPy / NumPy / statsmodels routine says which one, and its
//! tests hold reference numbers computed with that routine.

mod bootstrap_ci;
mod correction;
mod describe;
mod effect;
mod polyfit;
mod resample;
mod trend;
mod welch;

pub use bootstrap_ci::{BootstrapConfig, FactorIntervals, Interval, factor_bootstrap_ci};
pub use correction::{benjamini_hochberg, holm};
pub use describe::{mean, mean_confidence_interval, percentile, variance};
pub use effect::{cohens_d, hedges_g};
pub use polyfit::{polyfit, polyval};
pub use resample::{
    BootstrapDiff, PermutationTest, bootstrap_mean_diff, permutation_test_mean_diff,
};
pub use trend::{TrendTest, augmentation_effect};
pub use welch::{WelchTest, welch_t_test};

/// Why a statistic could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StatsError {
    #[error("{what}: need at least {need} values, got {got}")]
    TooFew {
        what: &'static str,
        need: usize,
        got: usize,
    },
    #[error("{what}: lengths differ ({left} vs {right})")]
    LengthMismatch {
        what: &'static str,
        left: usize,
        right: usize,
    },
    #[error("{what}: {reason}")]
    Invalid { what: &'static str, reason: String },
}
