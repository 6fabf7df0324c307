//! Typed errors. Every message names the op and the key at fault and says what would be valid,
//! because these errors reach a person editing a TOML file.

use thiserror::Error;

/// Everything that can go wrong while building or running an augmentation.
#[derive(Debug, Error)]
pub enum AugmentError {
    /// The `name` of an op table is not registered.
    #[error("unknown augmentation `{name}`{hint}; valid names: {valid}", hint = closest_hint(.closest))]
    UnknownOp {
        name: String,
        closest: Option<String>,
        valid: String,
    },

    /// A parameter has the wrong type or a value outside its domain.
    #[error("augmentation `{op}`: parameter `{key}`: {message}")]
    BadParam {
        op: String,
        key: String,
        message: String,
    },

    /// A required parameter that is absent.
    #[error("augmentation `{op}`: parameter `{key}`: is required{detail}")]
    MissingParam {
        op: String,
        key: String,
        /// What the value should be, e.g. ": a list of op tables" (may be empty).
        detail: String,
    },

    /// A parameter the op does not take (usually a typo).
    #[error("augmentation `{op}`: unknown parameter `{key}`{hint}; it takes: {valid}", hint = closest_hint(.closest))]
    UnknownParam {
        op: String,
        key: String,
        closest: Option<String>,
        valid: String,
    },

    /// An error in one entry of a pipeline (`[[augment]]` tables): which entry (1-based) and
    /// which op, so a config with many tables points at the right one.
    #[error("[[augment]] entry {index} (`{op}`): {error}")]
    Entry {
        index: usize,
        op: String,
        error: Box<AugmentError>,
    },

    /// An op table without a `name` key, or a pipeline that is not a list of tables.
    #[error("bad augmentation config: {0}")]
    BadConfig(String),

    /// TOML that does not parse (the cause is in the message, not repeated as a source).
    #[error("augmentation config is not valid TOML: {0}")]
    Toml(toml::de::Error),

    /// Images handed to a batch function that do not fit together.
    #[error("batch: {0}")]
    BadBatch(String),

    /// A name registered twice.
    #[error("augmentation `{0}` is already registered; pick another name")]
    Duplicate(String),
}

impl From<toml::de::Error> for AugmentError {
    fn from(e: toml::de::Error) -> Self {
        Self::Toml(e)
    }
}

fn closest_hint(closest: &Option<String>) -> String {
    closest
        .as_ref()
        .map(|c| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}

/// The candidate most similar to `name`, if any is reasonably close.
pub(crate) fn closest_match<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    candidates
        .into_iter()
        .map(|c| (strsim::normalized_damerau_levenshtein(name, c), c))
        .filter(|(score, _)| *score >= 0.5)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c.to_string())
}

pub type Result<T, E = AugmentError> = std::result::Result<T, E>;
