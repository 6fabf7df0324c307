//! The training config: one TOML file per experiment cell, `--set key=value` overrides, checks
//! that name the offending key, and the resolved form written into the run directory.
//!
//! `[data]` and `[[augment]]` are kept as raw TOML and handed to `spillover-data` and
//! `spillover-augment`, which own their schemas.

use std::path::Path;

use serde::{Deserialize, Serialize};
use spillover_augment::PipelineSpec;
use spillover_models::ModelConfig;

use crate::TrainError;
use crate::provenance::SourcedTable;
use crate::schedule::ScheduleKind;

mod model;

pub use model::{ModelSection, ModelSectionError, ResNetOptions, VitOptions, VitPresetOptions};

/// A whole training cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    /// The network (`[model]`, tagged by `arch`).
    pub model: ModelSection,
    /// The optimizer.
    #[serde(default)]
    pub optim: OptimSection,
    /// The learning-rate schedule.
    #[serde(default)]
    pub schedule: ScheduleSection,
    /// Epochs, batch size, seed and the like.
    #[serde(default)]
    pub train: TrainSection,
    /// Data source (owned by `spillover-data`); empty means the synthetic world.
    #[serde(default)]
    pub data: toml::Table,
    /// Augmentation pipeline (owned by `spillover-augment`, built against a registry when the
    /// data opens).
    #[serde(default)]
    pub augment: PipelineSpec,
}

/// Which optimizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptimKind {
    /// SGD with (optionally Nesterov) momentum and coupled L2 weight decay (PyTorch's `SGD`).
    Sgd,
    /// Adam with decoupled weight decay (PyTorch's `AdamW`).
    Adamw,
}

/// `[optim]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OptimSection {
    /// `sgd` or `adamw`.
    pub kind: OptimKind,
    /// Peak learning rate (after warm-up).
    pub lr: f64,
    /// SGD momentum (0 disables it).
    pub momentum: f64,
    /// SGD Nesterov momentum.
    pub nesterov: bool,
    /// Weight decay.
    pub weight_decay: f64,
    /// Also decay norm weights, biases and ViT tokens (the usual recipe does not).
    pub decay_norm_and_bias: bool,
    /// AdamW betas.
    pub betas: [f32; 2],
    /// AdamW epsilon.
    pub eps: f32,
}

impl Default for OptimSection {
    fn default() -> Self {
        Self {
            kind: OptimKind::Sgd,
            lr: 0.1,
            momentum: 0.9,
            nesterov: false,
            weight_decay: 1e-4,
            decay_norm_and_bias: false,
            betas: [0.9, 0.999],
            eps: 1e-8,
        }
    }
}

/// `[schedule]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScheduleSection {
    /// `constant`, `cosine` or `step`.
    pub kind: ScheduleKind,
    /// Linear warm-up, in epochs (fractions allowed).
    pub warmup_epochs: f64,
    /// Cosine floor.
    pub min_lr: f64,
    /// Step: epochs at which the rate is multiplied by `gamma`.
    pub milestones: Vec<usize>,
    /// Step: decay every `step_size` epochs (instead of `milestones`).
    pub step_size: Option<usize>,
    /// Step: decay factor.
    pub gamma: f64,
}

impl Default for ScheduleSection {
    fn default() -> Self {
        Self {
            kind: ScheduleKind::Cosine,
            warmup_epochs: 0.0,
            min_lr: 0.0,
            milestones: vec![],
            step_size: None,
            gamma: 0.1,
        }
    }
}

/// Numeric precision of training.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    /// f32 everywhere.
    F32,
    /// f16 where the device supports it (wgpu), f32 otherwise, with a warning.
    F16,
    /// bf16 where the device supports it, f32 otherwise, with a warning.
    Bf16,
}

/// `[train]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainSection {
    /// Epochs of the whole run.
    pub epochs: usize,
    /// Images per optimizer step (over all devices).
    pub batch_size: usize,
    /// Images per evaluation batch.
    pub eval_batch_size: usize,
    /// Evaluate after every this many epochs; the last epoch is always evaluated (its
    /// predictions are the run's result), and 0 evaluates only after the last. Short sweeps on a
    /// CPU set 0: the evaluation of every epoch costs about a fifth of a small cell.
    pub eval_every: usize,
    /// Seed of weights, data order and augmentation.
    pub seed: u64,
    /// Label smoothing ε (0 = plain cross-entropy).
    pub label_smoothing: f64,
    /// Log training scalars every this many steps.
    pub log_every: usize,
    /// Keep the checkpoints of this many latest epochs.
    pub keep_checkpoints: usize,
    /// Images in the augmented-sample grid logged to TensorBoard (0 = none).
    pub image_grid: usize,
    /// Floating-point precision.
    pub precision: Precision,
}

impl Default for TrainSection {
    fn default() -> Self {
        Self {
            epochs: 10,
            batch_size: 64,
            eval_batch_size: 256,
            eval_every: 1,
            seed: 0,
            label_smoothing: 0.0,
            log_every: 10,
            keep_checkpoints: 2,
            image_grid: 16,
            precision: Precision::F32,
        }
    }
}

impl TrainConfig {
    /// Reads `path` (with its `include`s), applies `overrides` (`key.path=value`, value in TOML
    /// syntax or a bare string) and checks the result.
    pub fn load(path: &Path, overrides: &[String]) -> Result<Self, TrainError> {
        Self::from_sourced(Self::load_sourced(path)?, overrides)
    }

    /// Parses config text; `origin` names it in errors. `include` is not allowed here (there is
    /// no file to resolve it against): use [`TrainConfig::load`].
    pub fn parse(text: &str, origin: &str, overrides: &[String]) -> Result<Self, TrainError> {
        let table = SourcedTable::parse(text, origin).map_err(|e| TrainError::Config {
            origin: origin.into(),
            message: e.to_string(),
        })?;
        if table.table.contains_key("include") {
            return Err(TrainError::Config {
                origin: table.locate("include").unwrap_or(origin.into()),
                message: "include needs a config file (TrainConfig::load)".into(),
            });
        }
        Self::from_sourced(table, overrides)
    }

    /// Reads a config file with its `include`s merged and its `[data]` paths resolved, before
    /// any check: the raw table that [`TrainConfig::from_table`] turns into a config.
    pub fn load_table(path: &Path) -> Result<toml::Table, TrainError> {
        Ok(Self::load_sourced(path)?.table)
    }

    /// [`TrainConfig::load_table`] with the file, line and column of every key, for errors.
    pub fn load_sourced(path: &Path) -> Result<SourcedTable, TrainError> {
        read_with_includes(path, None, 0)
    }

    /// Checks a raw config table (`origin` names it in errors) after applying `overrides`.
    pub fn from_table(
        table: toml::Table,
        origin: &str,
        overrides: &[String],
    ) -> Result<Self, TrainError> {
        Self::from_sourced(SourcedTable::whole(table, origin), overrides)
    }

    /// Checks a raw config table after applying `overrides`; an error on a key names where
    /// that key was written (file, line and column, or the `--set` argument).
    pub fn from_sourced(mut table: SourcedTable, overrides: &[String]) -> Result<Self, TrainError> {
        for kv in overrides {
            apply_override(&mut table, kv).map_err(|message| TrainError::Config {
                origin: format!("--set {kv}"),
                message,
            })?;
        }
        // `[model]` first, on its own, so that an error names the key inside it.
        if let Some(toml::Value::Table(model)) = table.table.get("model")
            && let Err(e) = ModelSection::from_table(model.clone())
        {
            let path: Vec<String> = std::iter::once("model".to_string())
                .chain(e.key.clone())
                .collect();
            return Err(table.error_at(&path, e.message));
        }
        let config: TrainConfig = table
            .table
            .clone()
            .try_into()
            .map_err(|e: toml::de::Error| table.deserialize_error(&e))?;
        config
            .validate()
            .map_err(|message| table.check_error(message))?;
        Ok(config)
    }

    /// The config as TOML, every default spelled out.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a TrainConfig always serializes")
    }

    // The `Err` is the text of a failed check, kept as text on purpose: `check_error` reads the
    // key it names (`train.epochs must be ...`, `[data]: ...`) to blame the file, line and column
    // or `--set` argument that wrote that key.
    fn validate(&self) -> Result<(), String> {
        let t = &self.train;
        let o = &self.optim;
        let s = &self.schedule;
        let checks: [(bool, &str); 10] = [
            (t.epochs > 0, "train.epochs must be at least 1"),
            (t.batch_size > 0, "train.batch_size must be at least 1"),
            (
                t.eval_batch_size > 0,
                "train.eval_batch_size must be at least 1",
            ),
            (
                (0.0..1.0).contains(&t.label_smoothing),
                "train.label_smoothing must be in [0, 1)",
            ),
            (t.log_every > 0, "train.log_every must be at least 1"),
            (
                o.lr > 0.0 && o.lr.is_finite(),
                "optim.lr must be a positive number",
            ),
            (
                (0.0..1.0).contains(&o.momentum),
                "optim.momentum must be in [0, 1)",
            ),
            (
                o.weight_decay >= 0.0,
                "optim.weight_decay must not be negative",
            ),
            (
                s.warmup_epochs >= 0.0 && s.warmup_epochs <= t.epochs as f64,
                "schedule.warmup_epochs must be in [0, train.epochs]",
            ),
            (
                s.gamma > 0.0 && s.min_lr >= 0.0 && s.min_lr <= o.lr,
                "schedule.gamma must be positive and schedule.min_lr in [0, optim.lr]",
            ),
        ];
        if let Some((_, msg)) = checks.iter().find(|(ok, _)| !ok) {
            return Err((*msg).into());
        }
        if o.nesterov && o.momentum == 0.0 {
            return Err("optim.nesterov needs optim.momentum > 0".into());
        }
        if s.kind == ScheduleKind::Step && s.milestones.is_empty() && s.step_size.is_none() {
            return Err(
                "schedule.kind = \"step\" needs schedule.milestones or schedule.step_size".into(),
            );
        }
        if !s.milestones.windows(2).all(|w| w[0] < w[1]) {
            return Err("schedule.milestones must be strictly increasing".into());
        }
        if s.step_size == Some(0) {
            return Err("schedule.step_size must be at least 1".into());
        }
        let data = crate::source::DataSection::from_table(&self.data).map_err(|e| e.to_string())?;
        self.check_model(&data)
    }

    /// Catches model errors before any data is loaded, at the size of the images the data feeds
    /// the model (a ViT's patch must divide it).
    fn check_model(&self, data: &crate::source::DataSection) -> Result<(), String> {
        let patch = self.model.patch_size();
        let size = match data.model_input_size() {
            Some((size, source)) => {
                if let Some(patch) = patch
                    && patch > 0
                    && !size.is_multiple_of(patch)
                {
                    return Err(format!(
                        "model.patch_size = {patch} does not divide the image size {size} ({source}): a ViT cuts the image into whole patches; choose a patch size that divides {size}, or another image size"
                    ));
                }
                size
            }
            // The data reports its own fault when opened; check the rest of the model here.
            None => patch.unwrap_or(1).max(1),
        };
        self.model_config(10, size, 3)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// Dotted keys whose values differ between two configs (e.g. `optim.lr`), sorted.
    pub fn differences(&self, other: &Self) -> Vec<String> {
        fn walk(a: &toml::Value, b: &toml::Value, key: &str, out: &mut Vec<String>) {
            match (a, b) {
                (toml::Value::Table(x), toml::Value::Table(y)) => {
                    let keys: std::collections::BTreeSet<&String> =
                        x.keys().chain(y.keys()).collect();
                    for k in keys {
                        let sub = if key.is_empty() {
                            k.clone()
                        } else {
                            format!("{key}.{k}")
                        };
                        match (x.get(k), y.get(k)) {
                            (Some(va), Some(vb)) => walk(va, vb, &sub, out),
                            _ => out.push(sub),
                        }
                    }
                }
                _ if a != b => out.push(key.to_string()),
                _ => {}
            }
        }
        let as_value =
            |c: &Self| toml::Value::try_from(c).expect("a TrainConfig always serializes");
        let mut out = Vec::new();
        walk(&as_value(self), &as_value(other), "", &mut out);
        out
    }

    /// Milestones of a step schedule (from `step_size` if given).
    pub fn milestones(&self) -> Vec<usize> {
        match self.schedule.step_size {
            Some(k) => (1..)
                .map(|i| i * k)
                .take_while(|&m| m < self.train.epochs.max(1))
                .collect(),
            None => self.schedule.milestones.clone(),
        }
    }

    /// The model for a dataset of `num_classes` classes and `image_size` px square images.
    pub fn model_config(
        &self,
        num_classes: usize,
        image_size: usize,
        channels: usize,
    ) -> Result<ModelConfig, TrainError> {
        let bad = |message: String| TrainError::Config {
            origin: "[model]".into(),
            message,
        };
        let config = self
            .model
            .config(num_classes, image_size, channels, self.train.seed);
        config.validate().map_err(|e| bad(e.to_string()))?;
        Ok(config)
    }
}

/// Reads a config file; its `include = ["base.toml", ...]` files (relative to it, included ones
/// may include further) form the base that the file's own keys overlay: tables merge key by key,
/// other values replace. `by` is the file and position of the `include` that names `path`.
fn read_with_includes(
    path: &Path,
    by: Option<&str>,
    depth: usize,
) -> Result<SourcedTable, TrainError> {
    let origin = path.display().to_string();
    if depth > 8 {
        return Err(TrainError::Config {
            origin: by.unwrap_or(&origin).to_string(),
            message: format!("include {origin}: includes nest deeper than 8 files (a cycle?)"),
        });
    }
    let text = match (std::fs::read_to_string(path), by) {
        (Ok(text), _) => text,
        (Err(e), Some(by)) => {
            return Err(TrainError::Config {
                origin: by.to_string(),
                message: format!(
                    "include: {} {} (include paths are relative to the including file)",
                    absolute_lexical(path).display(),
                    if e.kind() == std::io::ErrorKind::NotFound {
                        "does not exist".to_string()
                    } else {
                        format!("cannot be read: {e}")
                    }
                ),
            });
        }
        (Err(e), None) => return Err(TrainError::io(path, e)),
    };
    let mut table = SourcedTable::parse(&text, &origin).map_err(|e| TrainError::Config {
        origin: origin.clone(),
        message: e.to_string(),
    })?;
    let at = table.locate("include").unwrap_or(origin.clone());
    let bad = |message: &str| TrainError::Config {
        origin: at.clone(),
        message: message.into(),
    };
    let includes: Vec<(String, String)> = match table.table.remove("include") {
        None => vec![],
        Some(toml::Value::String(s)) => vec![(s, at.clone())],
        Some(toml::Value::Array(a)) => a
            .into_iter()
            .enumerate()
            .map(|(i, v)| {
                let at = table.locate(&format!("include.{i}")).unwrap_or(at.clone());
                v.as_str()
                    .map(|s| (s.to_string(), at))
                    .ok_or_else(|| bad("include must list file paths"))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(bad("include must be a file path or a list of them")),
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    resolve_data_paths(&mut table.table, dir);
    let mut merged = SourcedTable::empty(&origin);
    for (inc, at) in includes {
        merged.merge(read_with_includes(&dir.join(&inc), Some(&at), depth + 1)?);
    }
    merged.merge(table);
    Ok(merged)
}

/// `[data]` keys that name files or folders.
const DATA_PATH_KEYS: [&str; 4] = ["world", "path", "val_labels", "annotations"];

/// Makes the relative paths of `[data]` relative to `dir`, the folder of the file that names
/// them (not the working directory), and absolute, so that a config means the same data from
/// wherever it is run and a resolved config (a run's `config.toml`) is self-contained.
pub fn resolve_data_paths(table: &mut toml::Table, dir: &Path) {
    let Some(toml::Value::Table(data)) = table.get_mut("data") else {
        return;
    };
    for key in DATA_PATH_KEYS {
        if let Some(toml::Value::String(s)) = data.get_mut(key) {
            let p = Path::new(s.as_str());
            if p.is_relative() {
                *s = absolute_lexical(&dir.join(p)).display().to_string();
            }
        }
    }
}

/// `path` made absolute (against the working directory) with `.` and `..` removed lexically.
pub fn absolute_lexical(path: &Path) -> std::path::PathBuf {
    use std::path::Component;
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = std::path::PathBuf::new();
    for c in abs.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Sets `a.b.c = value` in `table`; `value` is parsed as TOML, or taken as a string.
fn apply_override(table: &mut SourcedTable, kv: &str) -> Result<(), String> {
    let (key, raw) = kv
        .split_once('=')
        .ok_or("expected key=value, e.g. train.epochs=2")?;
    let value = format!("v = {}", raw.trim())
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(raw.trim().to_string()));
    table.set(key.trim(), value, &format!("--set {kv}"))
}

/// Sets the dotted `key` (`a.b.c`) of `table` to `value`, creating the tables on the way.
pub fn set_key(table: &mut toml::Table, key: &str, value: toml::Value) -> Result<(), String> {
    let parts: Vec<&str> = key.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(format!("malformed key {key:?}"));
    }
    let (last, path) = parts.split_last().expect("non-empty");
    let mut node = table;
    for (i, part) in path.iter().enumerate() {
        let entry = node
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(Default::default()));
        node = entry
            .as_table_mut()
            .ok_or_else(|| format!("{} is not a table", parts[..=i].join(".")))?;
    }
    node.insert(last.to_string(), value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "[model]\narch = \"resnet18\"\nsmall_input = true\n";

    #[test]
    fn defaults_fill_a_minimal_config_and_round_trip() {
        let c = TrainConfig::parse(MINIMAL, "t.toml", &[]).unwrap();
        assert_eq!(c.train.epochs, 10);
        assert_eq!(c.optim.kind, OptimKind::Sgd);
        let again = TrainConfig::parse(&c.to_toml(), "resolved", &[]).unwrap();
        assert_eq!(c, again);
    }

    #[test]
    fn overrides_set_nested_values_with_toml_types() {
        let sets = [
            "train.epochs=2".to_string(),
            "optim.kind=adamw".into(),
            "schedule.milestones=[1, 3]".into(),
        ];
        let c = TrainConfig::parse(MINIMAL, "t.toml", &sets).unwrap();
        assert_eq!(c.train.epochs, 2);
        assert_eq!(c.optim.kind, OptimKind::Adamw);
        assert_eq!(c.schedule.milestones, vec![1, 3]);
    }

    #[test]
    fn errors_name_the_key() {
        let err = |text: &str, sets: &[&str]| {
            let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
            TrainConfig::parse(text, "cell.toml", &sets)
                .unwrap_err()
                .to_string()
        };
        let e = err(MINIMAL, &["train.epochz=2"]);
        assert!(e.starts_with("--set train.epochz=2: [train] epochz"), "{e}");
        let e = err(MINIMAL, &["train.epochs=0"]);
        assert!(e.contains("train.epochs"), "{e}");
        let e = err("[model]\narch = \"resnet19\"\n", &[]);
        assert!(e.contains("resnet19"), "{e}");
        let e = err("[model\narch = 1", &[]);
        assert!(e.contains("line 1"), "{e}");
        let e = err(MINIMAL, &["model.arch.x=1"]);
        assert!(e.contains("model.arch is not a table"), "{e}");
        let e = err("[model]\narch = \"vit\"\ndim = 100\nheads = 3\n", &[]);
        assert!(e.contains("heads 3 does not divide dim 100"), "{e}");
        let e = err(MINIMAL, &["schedule.kind=step"]);
        assert!(e.contains("milestones"), "{e}");
    }

    #[test]
    fn includes_form_the_base_and_the_file_overlays() {
        let dir = tempfile::tempdir().unwrap();
        let model = dir.path().join("model.toml");
        std::fs::write(
            &model,
            "[model]\narch = \"resnet50\"\nwidth = 32\n[train]\nepochs = 5\n",
        )
        .unwrap();
        let main = dir.path().join("cell.toml");
        std::fs::write(
            &main,
            "include = \"model.toml\"\n[model]\nwidth = 16\n[optim]\nlr = 0.2\n",
        )
        .unwrap();
        let c = TrainConfig::load(&main, &["train.seed=3".into()]).unwrap();
        let ModelSection::Resnet50(resnet) = &c.model else {
            panic!("{:?}", c.model)
        };
        assert_eq!(
            (resnet.width, c.train.epochs, c.optim.lr, c.train.seed),
            (16, 5, 0.2, 3)
        );
        std::fs::write(
            &main,
            "# the cell\ninclude = [\"model.toml\", \"missing.toml\"]\n",
        )
        .unwrap();
        let err = TrainConfig::load(&main, &[]).unwrap_err().to_string();
        // The including file, the position of the include, and the path that was tried.
        let tried = absolute_lexical(&dir.path().join("missing.toml"));
        assert_eq!(
            err,
            format!(
                "{}:2:26: include: {} does not exist (include paths are relative to the including file)",
                main.display(),
                tried.display()
            )
        );
        std::fs::write(&main, "include = \"cell.toml\"\n").unwrap();
        assert!(
            TrainConfig::load(&main, &[])
                .unwrap_err()
                .to_string()
                .contains("deeper than 8")
        );
    }

    #[test]
    fn key_errors_carry_the_file_line_and_column_of_the_key() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("base.toml"),
            "[model]\narch = \"resnet18\"\n\n[optim]\n  momentum = \"high\"\n",
        )
        .unwrap();
        let cell = dir.path().join("cell.toml");
        let name = cell.display().to_string();
        let base = dir.path().join("base.toml").display().to_string();
        let err = |text: &str, sets: &[&str]| {
            std::fs::write(&cell, text).unwrap();
            let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
            TrainConfig::load(&cell, &sets).unwrap_err().to_string()
        };
        // A wrong type in an included file: that file, its line and column.
        let e = err("include = \"base.toml\"\n", &[]);
        assert_eq!(
            e,
            format!("{base}:5:3: [optim] momentum: expected a float, found a string \"high\"")
        );
        // An unknown key in the file itself, with the section's valid keys.
        let e = err(
            "include = \"base.toml\"\n[optim]\nmomentum = 0.9\nlrr = 1\n",
            &[],
        );
        assert!(
            e.starts_with(&format!(
                "{name}:4:1: [optim] lrr: unknown key; valid keys: kind, lr,"
            )),
            "{e}"
        );
        // A dotted key and an invalid enum value.
        let e = err(
            "include = \"base.toml\"\noptim.momentum = 0.9\n\n[train]\nprecision = \"f8\"\n",
            &[],
        );
        assert_eq!(
            e,
            format!(
                "{name}:5:1: [train] precision: unknown value \"f8\"; valid values: f32, f16, bf16"
            )
        );
        // A check on a value names where the value was written.
        let e = err(
            "include = \"base.toml\"\n[optim]\nmomentum = 0.9\n[train]\nepochs = 0\n",
            &[],
        );
        assert_eq!(e, format!("{name}:5:1: train.epochs must be at least 1"));
        // A missing key names its table.
        let e = err("[model]\nwidth = 8\n", &[]);
        assert_eq!(e, format!("{name}:1:2: [model]: missing key `arch`"));
    }

    #[test]
    fn model_keys_belong_to_the_arch_and_errors_say_where() {
        let dir = tempfile::tempdir().unwrap();
        let cell = dir.path().join("cell.toml");
        let name = cell.display().to_string();
        let load = |text: &str, sets: &[&str]| {
            std::fs::write(&cell, text).unwrap();
            let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
            TrainConfig::load(&cell, &sets).map_err(|e| e.to_string())
        };
        // A ResNet key on a ViT: the key, the arch and where it was written.
        let vit = "[model]
arch = \"vit_tiny\"
patch_size = 4
";
        assert_eq!(
            load(&format!("{vit}  width = 12\n"), &[]).unwrap_err(),
            format!(
                "{name}:4:3: [model] width: unknown key for arch = \"vit_tiny\"; valid keys: arch, patch_size, pooling"
            )
        );
        assert_eq!(
            load(vit, &["model.width=12"]).unwrap_err(),
            "--set model.width=12: [model] width: unknown key for arch = \"vit_tiny\"; valid keys: arch, patch_size, pooling"
        );
        assert_eq!(
            load(MINIMAL, &["model.patch_size=4"]).unwrap_err(),
            "--set model.patch_size=4: [model] patch_size: unknown key for arch = \"resnet18\"; valid keys: arch, small_input, zero_init_residual, width"
        );
        assert_eq!(
            load("[model]\narch = \"resnet19\"\n", &[]).unwrap_err(),
            format!(
                "{name}:2:1: [model] arch: unknown value \"resnet19\"; valid values: resnet18, resnet34, resnet50, resnet101, resnet152, vit_tiny, vit_small, vit_base, vit"
            )
        );
        assert_eq!(
            load(MINIMAL, &["model.width=wide"]).unwrap_err(),
            "--set model.width=wide: [model] width: expected a non-negative integer, found a string \"wide\""
        );
        // Overrides of the arch's own keys, and of the arch itself.
        let c = load(vit, &["model.pooling=mean", "model.patch_size=8"]).unwrap();
        assert_eq!(
            c.model,
            ModelSection::VitTiny(VitPresetOptions {
                patch_size: 8,
                pooling: spillover_models::Pooling::Mean
            })
        );
        let c = load(MINIMAL, &["model.width=12"]).unwrap();
        assert_eq!(
            c.model,
            ModelSection::Resnet18(ResNetOptions {
                small_input: true,
                width: 12,
                ..Default::default()
            })
        );
    }

    #[test]
    fn every_arch_round_trips_through_the_resolved_config() {
        for arch in ModelSection::ARCHS {
            let text = format!("[model]\narch = \"{arch}\"\n");
            let c = TrainConfig::parse(&text, "t.toml", &[]).unwrap();
            let resolved = c.to_toml();
            assert!(
                resolved.contains(&format!("\n[model]\narch = \"{arch}\"\n")),
                "{resolved}"
            );
            assert_eq!(TrainConfig::parse(&resolved, "resolved", &[]).unwrap(), c);
        }
    }

    #[test]
    fn set_errors_blame_the_set_argument_and_list_the_valid_keys() {
        let err = |sets: &[&str]| {
            let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
            TrainConfig::parse(MINIMAL, "cell.toml", &sets)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err(&["train.epochs=1", "nosuch.key=2"]),
            "--set nosuch.key=2: unknown section [nosuch]; the sections are: model, optim, schedule, train, data, augment"
        );
        let e = err(&["optim.lrx=2"]);
        assert!(
            e.starts_with(
                "--set optim.lrx=2: [optim] lrx: unknown key; valid keys: kind, lr, momentum,"
            ),
            "{e}"
        );
        assert_eq!(
            err(&["optim.lr=abc"]),
            "--set optim.lr=abc: [optim] lr: expected a float, found a string \"abc\""
        );
        assert_eq!(
            err(&["train.epochs=0"]),
            "--set train.epochs=0: train.epochs must be at least 1"
        );
        assert_eq!(
            err(&["train.epochs=-2"]),
            "--set train.epochs=-2: [train] epochs: expected a non-negative integer, found an integer -2"
        );
        let e = err(&["data.nosuch=1"]);
        assert!(
            e.starts_with("--set data.nosuch=1: [data] nosuch: unknown key; valid keys:"),
            "{e}"
        );
    }

    #[test]
    fn shipped_configs_load() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs/train");
        let mut n = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let c = TrainConfig::load(&path, &[]).unwrap_or_else(|e| panic!("{e}"));
            assert!(!c.augment.0.is_empty(), "{}", path.display());
            n += 1;
        }
        assert!(n >= 3);
        let paper = TrainConfig::load(&dir.join("paper_resnet50.toml"), &[]).unwrap();
        assert_eq!(
            (
                paper.model.arch(),
                paper.train.batch_size,
                paper.train.epochs
            ),
            ("resnet50", 512, 80)
        );
        assert_eq!(
            (paper.optim.kind, paper.optim.weight_decay),
            (OptimKind::Sgd, 1e-5)
        );
    }

    #[test]
    fn differences_name_the_changed_keys() {
        let a = TrainConfig::parse(MINIMAL, "a", &[]).unwrap();
        let b = TrainConfig::parse(
            MINIMAL,
            "b",
            &["optim.lr=0.5".into(), "data.path=\"/x\"".into()],
        )
        .unwrap();
        assert_eq!(a.differences(&b), ["data.path", "optim.lr"]);
        assert!(a.differences(&a.clone()).is_empty());
    }

    #[test]
    fn data_paths_are_relative_to_the_file_that_names_them() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a/b")).unwrap();
        std::fs::write(
            dir.path().join("a/base.toml"),
            "[model]\narch = \"resnet18\"\n[data]\nworld = \"worlds/w.toml\"\n",
        )
        .unwrap();
        let cell = dir.path().join("a/b/cell.toml");
        std::fs::write(&cell, "include = \"../base.toml\"\n").unwrap();
        let c = TrainConfig::load(&cell, &[]).unwrap();
        assert_eq!(
            c.data["world"].as_str().unwrap(),
            absolute_lexical(&dir.path().join("a/worlds/w.toml"))
                .display()
                .to_string()
        );
        // The including file's own [data] paths are relative to it; absolute ones stay.
        std::fs::write(
            &cell,
            "include = \"../base.toml\"\n[data]\npath = \"../../imagenet\"\nannotations = \"/x/ann\"\n",
        )
        .unwrap();
        let c = TrainConfig::load(&cell, &[]);
        let err = c.unwrap_err().to_string();
        assert!(err.contains("data.world and data.path"), "{err}");
        std::fs::write(
            dir.path().join("a/base.toml"),
            "[model]\narch = \"resnet18\"\n",
        )
        .unwrap();
        let c = TrainConfig::load(&cell, &[]).unwrap();
        let want = absolute_lexical(&dir.path().join("imagenet"));
        assert_eq!(c.data["path"].as_str().unwrap(), want.display().to_string());
        assert_eq!(c.data["annotations"].as_str(), Some("/x/ann"));
    }

    #[test]
    fn step_size_expands_to_milestones() {
        let c = TrainConfig::parse(
            MINIMAL,
            "t",
            &["train.epochs=10".into(), "schedule.step_size=3".into()],
        )
        .unwrap();
        assert_eq!(c.milestones(), vec![3, 6, 9]);
    }

    #[test]
    fn data_and_augment_pass_through() {
        let text = format!("{MINIMAL}[data]\npath = \"/x\"\n[[augment]]\nop = \"flip\"\np = 0.5\n");
        let c = TrainConfig::parse(&text, "t", &[]).unwrap();
        assert_eq!(c.data["path"].as_str(), Some("/x"));
        assert_eq!(c.augment.0[0]["op"].as_str(), Some("flip"));
    }

    #[test]
    fn a_vit_is_checked_at_the_real_image_size() {
        let vit = |patch: usize, data: &str| {
            let text = format!(
                "[model]\narch = \"vit_tiny\"\npatch_size = {patch}\n[data]\n{data}\n[[augment]]\nname = \"random_resized_crop\"\nsize = 224\n"
            );
            TrainConfig::parse(&text, "vit.toml", &[]).map_err(|e| e.to_string())
        };
        // ViT-Ti/14 at 224 px (set, or the default of image folders) is a valid model.
        vit(14, "path = \"/x\"\nimage_size = 224").unwrap();
        vit(14, "path = \"/x\"").unwrap();
        let e = vit(14, "path = \"/x\"\nimage_size = 200").unwrap_err();
        assert!(
            e.contains(
                "model.patch_size = 14 does not divide the image size 200 (data.image_size)"
            ),
            "{e}"
        );
        // The synthetic world's size comes from its config.
        let dir = tempfile::tempdir().unwrap();
        let world = dir.path().join("w.toml");
        std::fs::write(&world, "image_size = 56\n").unwrap();
        let data = format!("world = {:?}", world.display().to_string());
        vit(14, &data).unwrap();
        let e = vit(16, &data).unwrap_err();
        assert!(
            e.contains(
                "model.patch_size = 16 does not divide the image size 56 (image_size of the world"
            ),
            "{e}"
        );
    }
}
