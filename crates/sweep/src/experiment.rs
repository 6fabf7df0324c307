//! The experiment file: one TOML file that declares a whole sweep.
//!
//! ```toml
//! # Does stronger colour jitter lower the colour error ratio but raise the pose one?
//! [sweep]
//! base = "../configs/train/demo.toml"   # the training config every cell starts from
//! baseline = "flip"                     # the group the report compares against
//! seeds = [0, 1, 2]                     # every cell once per seed
//!
//! [[group]]                             # a named augmentation pipeline
//! name = "flip"
//! augment = [{ name = "random_horizontal_flip" }]
//!
//! [[group]]
//! name = "color"
//! augment = [{ name = "random_horizontal_flip" }, { name = "paper_color_jitter" }]
//! axes = { "augment.paper_color_jitter.strength" = [0.25, 0.5, 1.0] }
//! ```
//!
//! Cells are the union over groups of each group's axes crossed with the top-level `[axes]`
//! (any config key; `model` picks a `[models]` entry) and the seeds, plus explicit `[[cell]]`s,
//! minus `[sweep] exclude`. Paths are relative to the file that names them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::error::{Result, SweepError};

/// The parsed file, with the spans of its entries for messages.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentFile {
    /// `[sweep]`: name, base config, baseline, seeds, overrides.
    pub sweep: SweepSection,
    /// An inline base training config (instead of, or on top of, `sweep.base`).
    #[serde(default)]
    pub base: Option<toml::Table>,
    /// Named models for the `model` axis: an inline `[model]` table or a config file path.
    #[serde(default)]
    pub models: BTreeMap<String, Spanned<toml::Value>>,
    /// Axes crossed with every group: config key -> values.
    #[serde(default)]
    pub axes: BTreeMap<String, Spanned<Vec<toml::Value>>>,
    /// Named augmentation pipelines (or other variants), each with its own axes.
    #[serde(default)]
    pub group: Vec<Spanned<GroupSection>>,
    /// Explicit extra cells.
    #[serde(default)]
    pub cell: Vec<Spanned<ExtraCell>>,
    /// Slurm resources for `--runner slurm`.
    #[serde(default)]
    pub slurm: crate::slurm::SlurmSection,
}

/// `[sweep]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepSection {
    /// Name of the sweep (default: the file's stem).
    pub name: Option<String>,
    /// The base training config file, relative to the experiment file.
    pub base: Option<String>,
    /// The group every other group is compared against in the report.
    pub baseline: Option<String>,
    /// Seeds (`train.seed`): every group cell runs once per seed.
    #[serde(default)]
    pub seeds: Vec<u64>,
    /// Overrides for every cell: `{ "train.epochs" = 2 }`.
    #[serde(default)]
    pub set: BTreeMap<String, toml::Value>,
    /// Combinations to leave out: `[{ group = "flip", model = "vit" }]`.
    #[serde(default)]
    pub exclude: Vec<Spanned<toml::Table>>,
}

/// `[[group]]`: a variant of the base (usually an augmentation pipeline) and its axes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupSection {
    /// Name, the first part of its cells' names.
    pub name: String,
    /// The group's whole `[[augment]]` pipeline (replaces the base's).
    pub augment: Option<Vec<toml::Table>>,
    /// Overrides for the group's cells.
    #[serde(default)]
    pub set: BTreeMap<String, toml::Value>,
    /// The group's own axes: config key (or `augment.OP.PARAM`) -> values.
    #[serde(default)]
    pub axes: BTreeMap<String, Vec<toml::Value>>,
}

/// `[[cell]]`: one explicit cell.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtraCell {
    /// Cell name.
    pub name: String,
    /// The group it belongs to in the report (default: its name).
    pub group: Option<String>,
    /// Its `[[augment]]` pipeline (default: the base's).
    pub augment: Option<Vec<toml::Table>>,
    /// A `[models]` entry.
    pub model: Option<String>,
    /// Its seed (default: the base config's).
    pub seed: Option<u64>,
    /// Overrides.
    #[serde(default)]
    pub set: BTreeMap<String, toml::Value>,
}

/// An experiment file read from disk.
#[derive(Debug)]
pub struct Experiment {
    /// The file.
    pub path: PathBuf,
    /// Its text (for line numbers).
    pub text: String,
    /// Its content.
    pub file: ExperimentFile,
}

impl Experiment {
    /// Reads and parses `path`; TOML and schema errors carry the line.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| SweepError::io(path, e))?;
        Self::parse(path, text)
    }

    /// Parses experiment text; `path` locates relative paths and names the file in errors.
    pub fn parse(path: &Path, text: String) -> Result<Self> {
        let file: ExperimentFile = toml::from_str(&text).map_err(|e| {
            let line = e.span().map(|s| line_of(&text, s.start));
            SweepError::Experiment {
                file: path.display().to_string(),
                line,
                message: e.message().trim().to_string(),
            }
        })?;
        Ok(Self {
            path: path.to_path_buf(),
            text,
            file,
        })
    }

    /// The folder relative paths in the file are resolved against.
    pub fn dir(&self) -> &Path {
        match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        }
    }

    /// The sweep's name: `[sweep] name`, else the file stem.
    pub fn name(&self) -> String {
        self.file.sweep.name.clone().unwrap_or_else(|| {
            self.path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "sweep".into())
        })
    }

    /// 1-based line of byte offset `at`.
    pub fn line(&self, at: usize) -> usize {
        line_of(&self.text, at)
    }

    /// An error at byte offset `at` (None: the file as a whole).
    pub fn error(&self, at: Option<usize>, message: impl Into<String>) -> SweepError {
        SweepError::Experiment {
            file: self.path.display().to_string(),
            line: at.map(|a| self.line(a)),
            message: message.into(),
        }
    }

    /// An error at a 1-based line (None: the file as a whole).
    pub fn error_line(&self, line: Option<usize>, message: impl Into<String>) -> SweepError {
        SweepError::Experiment {
            file: self.path.display().to_string(),
            line,
            message: message.into(),
        }
    }

    /// The line of the first occurrence of `needle` (a key as written), for entries whose
    /// spans serde does not keep (keys of `[sweep]`).
    pub fn find_line(&self, needle: &str) -> Option<usize> {
        self.text.find(needle).map(|at| self.line(at))
    }

    /// The line of the first occurrence of `needle` from the line of byte offset `at` on (the
    /// key of an entry that starts at `at`), else the line of `at`.
    pub fn find_line_after(&self, at: usize, needle: &str) -> Option<usize> {
        let at = at.min(self.text.len());
        let start = self.text[..at].rfind('\n').map_or(0, |i| i + 1);
        let found = self.text[start..].find(needle).map(|i| start + i);
        Some(self.line(found.unwrap_or(at)))
    }

    /// `file:line: what`: what a key set by this file is blamed on in a cell's config errors.
    pub fn blame(&self, line: Option<usize>, what: &str) -> String {
        match line {
            Some(l) => format!("{}:{l}: {what}", self.path.display()),
            None => format!("{}: {what}", self.path.display()),
        }
    }
}

fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_errors_name_the_line_and_key() {
        let text = "[sweep]\nbase = \"b.toml\"\n\n[[group]]\nname = \"x\"\naxess = {}\n";
        let err = Experiment::parse(Path::new("e.toml"), text.into())
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("e.toml:6:"), "{err}");
        assert!(err.contains("axess"), "{err}");
        let err = Experiment::parse(Path::new("e.toml"), "[sweep]\nseeds = [\"a\"]\n".into())
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("e.toml:2:"), "{err}");
    }
}
