//! From an experiment file to the list of cells: each a resolved, checked training config with
//! a readable name (`color0.5-seed2`) and a content id (hash of the resolved config), so that
//! an edited file never reuses a stale result.
//!
//! Everything a cell could fail on before training (unknown keys, wrong types, an axis over a
//! key that does not exist, a bad augmentation parameter, duplicate names) fails here, before
//! anything runs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::Digest;
use spillover_augment::Registry;
use spillover_train::TrainConfig;
use spillover_train::config::{absolute_lexical, resolve_data_paths};
use spillover_train::provenance::SourcedTable;

use crate::error::{Result, SweepError};
use crate::experiment::Experiment;

/// One cell of the sweep.
#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    /// Position in the plan (the Slurm array index).
    pub index: usize,
    /// Readable, unique, file-name-safe name.
    pub name: String,
    /// First 12 hex digits of the SHA-256 of the resolved config.
    pub id: String,
    /// The group (augmentation) it belongs to.
    pub group: String,
    /// The value of the group's strength axis, when it has one.
    pub strength: Option<f64>,
    /// `train.seed`.
    pub seed: u64,
    /// `train.epochs`.
    pub epochs: usize,
    /// The `[models]` entry, when there is a model axis.
    pub model: Option<String>,
    /// Axis values that made this cell (label -> value).
    pub values: BTreeMap<String, serde_json::Value>,
    /// Config keys that differ from the base config.
    pub differences: Vec<String>,
    /// The resolved config.
    #[serde(skip)]
    pub config: TrainConfig,
    /// Line of the group or `[[cell]]` entry that made it.
    #[serde(skip)]
    pub line: Option<usize>,
}

/// The expanded sweep.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The experiment file (absolute).
    pub experiment: PathBuf,
    /// Sweep name.
    pub name: String,
    /// The baseline group, if declared.
    pub baseline: Option<String>,
    /// The cells, in plan order.
    pub cells: Vec<Cell>,
    /// Slurm resources.
    pub slurm: crate::slurm::SlurmSection,
    /// `--set` overrides the plan was made with (repeated to every Slurm task).
    pub overrides: Vec<String>,
}

impl Plan {
    /// The cell called `name`, or with index `name`.
    pub fn find(&self, key: &str) -> Option<&Cell> {
        match key.parse::<usize>() {
            Ok(i) => self.cells.get(i),
            Err(_) => self.cells.iter().find(|c| c.name == key),
        }
    }
}

/// How a cell was made, before its config is checked.
struct Draft {
    name_parts: Vec<String>,
    group: String,
    strength: Option<f64>,
    model: Option<String>,
    labels: BTreeMap<String, toml::Value>,
    table: SourcedTable,
    line: Option<usize>,
}

/// Expands `exp` with `overrides` (`key=value`, applied to every cell last), checking every
/// cell's config and augmentation pipeline against `registry`.
pub fn plan(exp: &Experiment, overrides: &[String], registry: &Registry) -> Result<Plan> {
    let f = &exp.file;
    let base = base_table(exp)?;
    // What every cell shares (base + `[sweep] set` + `--set`): differences are against it.
    let mut shared = base.clone();
    apply_sets(exp, &mut shared, &f.sweep.set, None, "sweep.set")?;
    let base_config = TrainConfig::from_sourced(shared, overrides).ok();

    let seeds: Vec<Option<u64>> = if f.sweep.seeds.is_empty() {
        vec![None]
    } else {
        f.sweep.seeds.iter().copied().map(Some).collect()
    };
    let dup_seed = f.sweep.seeds.iter().collect::<BTreeSet<_>>().len() != f.sweep.seeds.len();
    if dup_seed {
        return Err(exp.error_line(exp.find_line("seeds"), "sweep.seeds lists a seed twice"));
    }
    for key in ["seed", "train.seed"] {
        if let Some(v) = f.axes.get(key) {
            return Err(exp.error(
                Some(v.span().start),
                format!("axes.{key}: list seeds in [sweep] seeds = [...]"),
            ));
        }
    }
    let models = models(exp)?;
    let top_axes: Vec<(String, Vec<toml::Value>, usize)> = f
        .axes
        .iter()
        .map(|(k, v)| (k.clone(), v.get_ref().clone(), v.span().start))
        .collect();
    for (key, values, at) in &top_axes {
        if values.is_empty() {
            return Err(exp.error(Some(*at), format!("axes.{key} has no values")));
        }
        if key == "model" {
            for v in values {
                let name = v.as_str().unwrap_or_default();
                if !models.contains_key(name) {
                    return Err(exp.error(
                        Some(*at),
                        format!(
                            "axes.model: {v} is not a [models] entry (defined: {})",
                            models.keys().cloned().collect::<Vec<_>>().join(", ")
                        ),
                    ));
                }
            }
        }
    }
    if f.group.is_empty() && f.cell.is_empty() {
        return Err(exp.error(
            None,
            "the sweep has no cells: add a [[group]] (with name and augment) or a [[cell]]",
        ));
    }

    let mut group_names = BTreeMap::new();
    for g in &f.group {
        if let Some(first) = group_names.insert(g.get_ref().name.clone(), g.span().start) {
            return Err(exp.error(
                Some(g.span().start),
                format!(
                    "a second group named {:?} (the first is on line {}); give each group its own name",
                    g.get_ref().name,
                    exp.line(first)
                ),
            ));
        }
    }
    let mut drafts = Vec::new();
    for g in &f.group {
        let at = g.span().start;
        let g = g.get_ref();
        let mut group_table = base.clone();
        apply_sets(exp, &mut group_table, &f.sweep.set, None, "sweep.set")?;
        if let Some(augment) = &g.augment {
            set_augment(
                exp,
                &mut group_table,
                augment,
                at,
                &format!("group {}", g.name),
            )?;
        }
        apply_sets(
            exp,
            &mut group_table,
            &g.set,
            Some(at),
            &format!("group {}: set", g.name),
        )?;
        let group_axes: Vec<(&String, &Vec<toml::Value>)> = g.axes.iter().collect();
        for (key, values) in &group_axes {
            if values.is_empty() {
                return Err(exp.error(
                    Some(at),
                    format!("group {}: axis {key} has no values", g.name),
                ));
            }
        }
        for combo in cartesian(group_axes.iter().map(|(_, v)| v.len()).collect()) {
            for top in cartesian(top_axes.iter().map(|(_, v, _)| v.len()).collect()) {
                for seed in &seeds {
                    let mut d = Draft {
                        name_parts: vec![],
                        group: g.name.clone(),
                        strength: None,
                        model: None,
                        labels: BTreeMap::new(),
                        table: group_table.clone(),
                        line: Some(exp.line(at)),
                    };
                    d.labels
                        .insert("group".into(), toml::Value::String(g.name.clone()));
                    let mut head = g.name.clone();
                    let mut tail = Vec::new();
                    for ((key, values), &i) in group_axes.iter().zip(&combo) {
                        let v = &values[i];
                        apply_axis(exp, &mut d.table, key, v, &models, at, &g.name)?;
                        if is_strength(key) && d.strength.is_none() {
                            d.strength = v.as_float().or(v.as_integer().map(|i| i as f64));
                            head.push_str(&fmt_value(v));
                            d.labels.insert("strength".into(), v.clone());
                        } else {
                            tail.push(format!("{}{}", last_part(key), fmt_value(v)));
                        }
                        d.labels.insert((*key).clone(), v.clone());
                    }
                    let mut prefix = None;
                    for ((key, values, at), &i) in top_axes.iter().zip(&top) {
                        let v = &values[i];
                        apply_axis(exp, &mut d.table, key, v, &models, *at, &g.name)?;
                        if key == "model" {
                            d.model = v.as_str().map(str::to_string);
                            prefix = d.model.clone();
                        } else {
                            tail.push(format!("{}{}", last_part(key), fmt_value(v)));
                        }
                        d.labels.insert(key.clone(), v.clone());
                    }
                    if let Some(s) = seed {
                        set_seed(exp, &mut d.table, *s, None)?;
                        tail.push(format!("seed{s}"));
                        d.labels
                            .insert("seed".into(), toml::Value::Integer(*s as i64));
                    }
                    d.name_parts = prefix.into_iter().chain([head]).chain(tail).collect();
                    drafts.push(d);
                }
            }
        }
    }
    for c in &f.cell {
        let at = c.span().start;
        let c = c.get_ref();
        let mut table = base.clone();
        apply_sets(exp, &mut table, &f.sweep.set, None, "sweep.set")?;
        if let Some(augment) = &c.augment {
            set_augment(exp, &mut table, augment, at, &format!("cell {}", c.name))?;
        }
        let mut labels = BTreeMap::new();
        labels.insert(
            "group".into(),
            toml::Value::String(c.group.clone().unwrap_or(c.name.clone())),
        );
        if let Some(m) = &c.model {
            let v = toml::Value::String(m.clone());
            apply_axis(exp, &mut table, "model", &v, &models, at, &c.name)?;
            labels.insert("model".into(), v);
        }
        if let Some(s) = c.seed {
            set_seed(exp, &mut table, s, Some(at))?;
            labels.insert("seed".into(), toml::Value::Integer(s as i64));
        }
        apply_sets(
            exp,
            &mut table,
            &c.set,
            Some(at),
            &format!("cell {}: set", c.name),
        )?;
        drafts.push(Draft {
            name_parts: vec![c.name.clone()],
            group: c.group.clone().unwrap_or(c.name.clone()),
            strength: None,
            model: c.model.clone(),
            labels,
            table,
            line: Some(exp.line(at)),
        });
    }

    // Exclusions: every entry must name known labels and match at least one cell.
    let mut keep = vec![true; drafts.len()];
    for ex in &f.sweep.exclude {
        let at = ex.span().start;
        let mut matched = false;
        for (d, k) in drafts.iter().zip(keep.iter_mut()) {
            let hit = ex.get_ref().iter().all(|(key, want)| {
                // A key matches its label in full (`optim.lr`) or by its last part (`lr`); a
                // list matches any of its values (`seed = [3, 4]`).
                d.labels.iter().any(|(label, have)| {
                    (label == key || last_part(label) == key)
                        && match want {
                            toml::Value::Array(any) => any.iter().any(|w| same_value(have, w)),
                            one => same_value(have, one),
                        }
                })
            });
            if hit {
                *k = false;
                matched = true;
            }
        }
        if !matched {
            let known: BTreeSet<&String> = drafts.iter().flat_map(|d| d.labels.keys()).collect();
            return Err(exp.error(
                Some(at),
                format!(
                    "exclude entry {} matches no cell (keys it can use: {})",
                    toml::Value::Table(ex.get_ref().clone()),
                    known.into_iter().cloned().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
    }

    let mut cells: Vec<Cell> = Vec::new();
    let mut names: BTreeMap<String, Option<usize>> = BTreeMap::new();
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    for (d, _) in drafts.into_iter().zip(keep).filter(|(_, k)| *k) {
        let name = sanitize(&d.name_parts.join("-"));
        if let Some(line) = names.get(&name) {
            return Err(SweepError::Experiment {
                file: exp.path.display().to_string(),
                line: d.line,
                message: format!(
                    "two cells are named {name:?} (the other from line {}); give groups and [[cell]]s distinct names",
                    line.map(|l| l.to_string()).unwrap_or("?".into())
                ),
            });
        }
        names.insert(name.clone(), d.line);
        let config =
            TrainConfig::from_sourced(d.table, overrides).map_err(|source| SweepError::Cell {
                file: exp.path.display().to_string(),
                line: d.line,
                cell: name.clone(),
                cause: source,
            })?;
        config
            .augment
            .build(registry)
            .map_err(|e| SweepError::Cell {
                file: exp.path.display().to_string(),
                line: d.line,
                cell: name.clone(),
                cause: spillover_train::TrainError::Config {
                    origin: "[[augment]]".into(),
                    message: e.to_string(),
                },
            })?;
        let id = content_id(&config);
        if let Some(other) = ids.insert(id.clone(), name.clone()) {
            return Err(SweepError::Experiment {
                file: exp.path.display().to_string(),
                line: d.line,
                message: format!(
                    "cells {other} and {name} have the same resolved config; an axis changes nothing (is its key overridden by --set or the group?)"
                ),
            });
        }
        let differences = base_config
            .as_ref()
            .map(|b| b.differences(&config))
            .unwrap_or_default();
        let seed = config.train.seed;
        cells.push(Cell {
            index: cells.len(),
            name,
            id,
            group: d.group,
            strength: d.strength,
            seed,
            epochs: config.train.epochs,
            model: d.model,
            values: d
                .labels
                .iter()
                .filter(|(k, _)| k.as_str() != "group")
                .map(|(k, v)| (k.clone(), toml_to_json(v)))
                .collect(),
            differences,
            config,
            line: d.line,
        });
    }
    if cells.is_empty() {
        return Err(exp.error(None, "every cell is excluded: the grid is empty"));
    }
    if let Some(b) = &f.sweep.baseline
        && !cells.iter().any(|c| &c.group == b)
    {
        let groups: BTreeSet<&str> = cells.iter().map(|c| c.group.as_str()).collect();
        return Err(exp.error_line(
            exp.find_line("baseline"),
            format!(
                "sweep.baseline = {b:?} is not a group of the sweep (groups: {})",
                groups.into_iter().collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    Ok(Plan {
        experiment: absolute_lexical(&exp.path),
        name: exp.name(),
        baseline: f.sweep.baseline.clone(),
        cells,
        slurm: f.slurm.clone(),
        overrides: overrides.to_vec(),
    })
}

/// `sweep.base` (with its includes) overlaid by the inline `[base]` table.
fn base_table(exp: &Experiment) -> Result<SourcedTable> {
    let mut table = match &exp.file.sweep.base {
        Some(rel) => {
            let path = exp.dir().join(rel);
            if !path.is_file() {
                return Err(exp.error(
                    None,
                    format!(
                        "sweep.base = {rel:?}: {} does not exist (paths are relative to the experiment file)",
                        path.display()
                    ),
                ));
            }
            TrainConfig::load_sourced(&path)?
        }
        None => SourcedTable::empty(&format!("{} [base]", exp.path.display())),
    };
    if let Some(inline) = &exp.file.base {
        let mut inline = inline.clone();
        resolve_data_paths(&mut inline, exp.dir());
        if inline.contains_key("include") {
            return Err(exp.error_line(
                exp.find_line("include"),
                "[base] cannot include files; name the file in [sweep] base = \"...\"",
            ));
        }
        let at = exp.find_line("[base]").unwrap_or(1);
        table.merge(SourcedTable::whole(
            inline,
            &format!("{}:{at}: [base]", exp.path.display()),
        ));
    }
    if table.table.is_empty() {
        return Err(exp.error(
            None,
            "no base config: set [sweep] base = \"path/to/train.toml\" or write a [base] table",
        ));
    }
    Ok(table)
}

/// `[models]`: name -> the `[model]` table (inline, or the `[model]` of a config file).
fn models(exp: &Experiment) -> Result<BTreeMap<String, toml::Table>> {
    let mut out = BTreeMap::new();
    for (name, value) in &exp.file.models {
        let at = Some(value.span().start);
        let table = match value.get_ref() {
            toml::Value::Table(t) => t.clone(),
            toml::Value::String(rel) => {
                let path = exp.dir().join(rel);
                let file = TrainConfig::load_table(&path)
                    .map_err(|e| exp.error(at, format!("models.{name}: {e}")))?;
                match file.get("model") {
                    Some(toml::Value::Table(t)) => t.clone(),
                    _ => {
                        return Err(exp.error(
                            at,
                            format!("models.{name}: {} has no [model] table", path.display()),
                        ));
                    }
                }
            }
            other => {
                return Err(exp.error(
                    at,
                    format!(
                        "models.{name} must be a [model] table or a config file path, not {}",
                        other.type_str()
                    ),
                ));
            }
        };
        out.insert(name.clone(), table);
    }
    Ok(out)
}

/// Replaces the pipeline with a group's or cell's `augment` (made at byte `at`).
fn set_augment(
    exp: &Experiment,
    table: &mut SourcedTable,
    augment: &[toml::Table],
    at: usize,
    owner: &str,
) -> Result<()> {
    let value = toml::Value::Array(augment.iter().cloned().map(toml::Value::Table).collect());
    let blame = exp.blame(
        exp.find_line_after(at, "augment"),
        &format!("{owner}: augment"),
    );
    table
        .set("augment", value, &blame)
        .map_err(|m| exp.error(Some(at), m))
}

/// Sets `train.seed` from `[sweep] seeds` (or a `[[cell]]`'s seed, made at byte `at`).
fn set_seed(
    exp: &Experiment,
    table: &mut SourcedTable,
    seed: u64,
    at: Option<usize>,
) -> Result<()> {
    let blame = match at {
        Some(at) => exp.blame(exp.find_line_after(at, "seed"), "seed"),
        None => exp.blame(exp.find_line("seeds"), "sweep.seeds"),
    };
    table
        .set("train.seed", toml::Value::Integer(seed as i64), &blame)
        .map_err(|m| exp.error(at, m))
}

/// Applies the overrides of a `set` table (`what`: `sweep.set`, `group NAME: set`, ...; the
/// entry that holds it starts at byte `at`); an error on one names the experiment file, its
/// line and the key.
fn apply_sets(
    exp: &Experiment,
    table: &mut SourcedTable,
    sets: &BTreeMap<String, toml::Value>,
    at: Option<usize>,
    what: &str,
) -> Result<()> {
    for (key, value) in sets {
        let mut value = value.clone();
        if key.starts_with("data.")
            && let toml::Value::String(s) = &mut value
            && Path::new(s.as_str()).is_relative()
            && DATA_PATH_KEYS.contains(&&key["data.".len()..])
        {
            *s = absolute_lexical(&exp.dir().join(&*s)).display().to_string();
        }
        let line = exp.find_line_after(at.unwrap_or(0), key);
        let blame = exp.blame(line, &format!("{what} {key:?}"));
        table
            .set(key, value, &blame)
            .map_err(|m| exp.error_line(line, format!("{what}: {key}: {m}")))?;
    }
    Ok(())
}

const DATA_PATH_KEYS: [&str; 4] = ["world", "path", "val_labels", "annotations"];

/// Applies one axis value: `model` (a `[models]` entry), `augment.OP.PARAM` (that parameter of
/// every `OP` entry of the pipeline) or any dotted config key.
fn apply_axis(
    exp: &Experiment,
    table: &mut SourcedTable,
    key: &str,
    value: &toml::Value,
    models: &BTreeMap<String, toml::Table>,
    at: usize,
    owner: &str,
) -> Result<()> {
    if key == "model" {
        let name = value.as_str().unwrap_or_default();
        let model = models.get(name).ok_or_else(|| {
            exp.error(
                Some(at),
                format!("{owner}: model {value} is not a [models] entry"),
            )
        })?;
        let line = exp.file.models.get(name).map(|m| exp.line(m.span().start));
        let blame = exp.blame(line, &format!("models.{name}"));
        return table
            .set("model", toml::Value::Table(model.clone()), &blame)
            .map_err(|m| exp.error(Some(at), m));
    }
    if let Some(rest) = key.strip_prefix("augment.") {
        let Some((op, param)) = rest.split_once('.') else {
            return Err(exp.error(
                Some(at),
                format!("{owner}: axis {key:?}: write augment.OP.PARAM, e.g. augment.paper_color_jitter.strength"),
            ));
        };
        let entries = table
            .table
            .get_mut("augment")
            .and_then(|a| a.as_array_mut())
            .map(|a| a.as_mut_slice())
            .unwrap_or_default();
        let mut present = Vec::new();
        let mut hits = 0;
        for entry in entries.iter_mut().filter_map(|e| e.as_table_mut()) {
            let name = entry
                .get("name")
                .and_then(|n| n.as_str())
                .unwrap_or_default()
                .to_string();
            if name == op {
                entry.insert(param.to_string(), value.clone());
                hits += 1;
            }
            present.push(name);
        }
        if hits == 0 {
            return Err(exp.error(
                Some(at),
                format!(
                    "{owner}: axis {key}: the pipeline has no {op:?} entry (it has: {}); add it to the group's augment",
                    if present.is_empty() { "nothing".into() } else { present.join(", ") }
                ),
            ));
        }
        return Ok(());
    }
    let mut value = value.clone();
    if let Some(k) = key.strip_prefix("data.")
        && DATA_PATH_KEYS.contains(&k)
        && let toml::Value::String(s) = &mut value
        && Path::new(s.as_str()).is_relative()
    {
        *s = absolute_lexical(&exp.dir().join(&*s)).display().to_string();
    }
    let line = exp.find_line_after(at, key);
    let blame = exp.blame(line, &format!("{owner}: axis {key:?}"));
    table
        .set(key, value, &blame)
        .map_err(|m| exp.error_line(line, format!("{owner}: axis {key}: {m}")))
}

fn is_strength(key: &str) -> bool {
    key == "strength" || key.ends_with(".strength")
}

fn last_part(key: &str) -> &str {
    key.rsplit('.').next().unwrap_or(key)
}

/// All index combinations of axes of the given lengths, last axis fastest.
fn cartesian(lens: Vec<usize>) -> Vec<Vec<usize>> {
    let mut out = vec![vec![]];
    for len in lens {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                (0..len).map(move |i| {
                    let mut p = prefix.clone();
                    p.push(i);
                    p
                })
            })
            .collect();
    }
    out
}

/// A value as it appears in a cell name: `0.5`, `1`, `resnet18`.
pub fn fmt_value(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => format!("{f}"),
        toml::Value::Boolean(b) => b.to_string(),
        other => other.to_string(),
    }
}

fn same_value(a: &toml::Value, b: &toml::Value) -> bool {
    match (a, b) {
        (toml::Value::Integer(x), toml::Value::Float(y))
        | (toml::Value::Float(y), toml::Value::Integer(x)) => *x as f64 == *y,
        _ => a == b,
    }
}

fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// First 12 hex digits of the SHA-256 of the resolved config's TOML.
pub fn content_id(config: &TrainConfig) -> String {
    sha2::Sha256::digest(config.to_toml().as_bytes())[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn toml_to_json(v: &toml::Value) -> serde_json::Value {
    match v {
        toml::Value::String(s) => serde_json::Value::String(s.clone()),
        toml::Value::Integer(i) => serde_json::json!(i),
        toml::Value::Float(f) => serde_json::json!(f),
        toml::Value::Boolean(b) => serde_json::json!(b),
        other => serde_json::Value::String(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "[model]\narch = \"resnet18\"\nsmall_input = true\nwidth = 8\n[train]\nepochs = 2\n[data]\nworld = \"w.toml\"\n";

    const PAPER: &str = r#"[sweep]
base = "cfg/base.toml"
baseline = "flip"
seeds = [0, 1, 2]

[[group]]
name = "flip"
augment = [{ name = "random_horizontal_flip" }]

[[group]]
name = "color"
augment = [{ name = "random_horizontal_flip" }, { name = "paper_color_jitter" }]
axes = { "augment.paper_color_jitter.strength" = [0.2, 0.4, 0.6, 0.8, 1.0] }
"#;

    fn experiment(text: &str) -> (tempfile::TempDir, Experiment) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("cfg")).unwrap();
        std::fs::write(dir.path().join("cfg/base.toml"), BASE).unwrap();
        let path = dir.path().join("exp.toml");
        std::fs::write(&path, text).unwrap();
        let exp = Experiment::load(&path).unwrap();
        (dir, exp)
    }

    fn plan_of(text: &str, sets: &[&str]) -> Result<Plan> {
        let (_dir, exp) = experiment(text);
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        plan(&exp, &sets, &Registry::default())
    }

    fn err_of(text: &str) -> String {
        plan_of(text, &[]).unwrap_err().to_string()
    }

    #[test]
    fn the_paper_grid_expands_to_named_cells_with_distinct_ids() {
        let (dir, exp) = experiment(PAPER);
        let p = plan(&exp, &[], &Registry::default()).unwrap();
        assert_eq!(p.cells.len(), 3 + 5 * 3);
        let names: Vec<&str> = p.cells.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            &names[..4],
            ["flip-seed0", "flip-seed1", "flip-seed2", "color0.2-seed0"]
        );
        assert_eq!(names.last(), Some(&"color1-seed2"));
        let c = p.cells.iter().find(|c| c.name == "color0.6-seed1").unwrap();
        assert_eq!(
            (c.group.as_str(), c.strength, c.seed),
            ("color", Some(0.6), 1)
        );
        assert_eq!(c.config.augment.0[1]["strength"].as_float(), Some(0.6));
        assert_eq!(c.differences, ["augment", "train.seed"]);
        let ids: BTreeSet<&str> = p.cells.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids.len(), p.cells.len());
        // The base's world path is relative to the base file, not the working directory.
        let world = absolute_lexical(&dir.path().join("cfg/w.toml"));
        assert_eq!(
            c.config.data["world"].as_str(),
            Some(world.to_str().unwrap())
        );
        // The same file plans the same ids; an override changes every id.
        let again = plan(&exp, &[], &Registry::default()).unwrap();
        assert_eq!(again.cells[5].id, p.cells[5].id);
        let lr = plan(&exp, &["optim.lr=0.3".into()], &Registry::default()).unwrap();
        assert!(lr.cells.iter().all(|c| c.config.optim.lr == 0.3));
        assert_ne!(lr.cells[5].id, p.cells[5].id);
    }

    #[test]
    fn top_level_axes_models_cells_and_excludes_combine() {
        let text = format!(
            "{}\n[models]\nr18 = {{ arch = \"resnet18\", small_input = true, width = 8 }}\nvit = {{ arch = \"vit_tiny\", patch_size = 4 }}\n\n[axes]\nmodel = [\"r18\", \"vit\"]\n\"optim.lr\" = [0.1, 0.2]\n\n[[cell]]\nname = \"long\"\nset = {{ \"train.epochs\" = 5 }}\n",
            PAPER.replace(
                "seeds = [0, 1, 2]",
                "seeds = [0, 1, 2]\nexclude = [{ group = \"color\", model = \"vit\" }]"
            )
        );
        let p = plan_of(&text, &[]).unwrap();
        // flip: 2 models x 2 lr x 3 seeds; color: r18 only, 5 strengths x 2 lr x 3 seeds; + long.
        assert_eq!(p.cells.len(), 12 + 30 + 1);
        let v = p
            .cells
            .iter()
            .find(|c| c.name == "vit-flip-lr0.2-seed1")
            .unwrap();
        assert_eq!(v.config.model.arch(), "vit_tiny");
        assert_eq!(v.model.as_deref(), Some("vit"));
        assert_eq!(v.config.optim.lr, 0.2);
        let long = p.cells.last().unwrap();
        assert_eq!((long.name.as_str(), long.config.train.epochs), ("long", 5));

        // A list in an exclude entry matches any of its values: more seeds at the two ends of
        // the strength grid only.
        let ends = PAPER.replace(
            "seeds = [0, 1, 2]",
            "seeds = [0, 1, 2, 3]\nexclude = [{ strength = [0.4, 0.6, 0.8], seed = [2, 3] }]",
        );
        let p = plan_of(&ends, &[]).unwrap();
        let names: Vec<&str> = p.cells.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(p.cells.len(), 4 + 2 * 4 + 3 * 2, "{names:?}");
        assert!(names.contains(&"color1-seed3") && names.contains(&"color0.2-seed3"));
        assert!(names.contains(&"color0.6-seed1") && !names.contains(&"color0.6-seed2"));
    }

    #[test]
    fn mistakes_are_errors_with_file_line_and_key_before_anything_runs() {
        let e = err_of(&PAPER.replace("paper_color_jitter.strength", "paper_color_jiter.strength"));
        assert!(
            e.contains("exp.toml:10:") && e.contains("no \"paper_color_jiter\" entry"),
            "{e}"
        );
        let e = err_of(&format!("{PAPER}\n[axes]\n\"train.epochz\" = [1, 2]\n"));
        assert!(e.contains("epochz") && e.contains("exp.toml"), "{e}");
        let e = err_of(&format!("{PAPER}\n[axes]\n\"train.epochs\" = [\"two\"]\n"));
        assert!(
            e.contains("train.epochs") || e.contains("invalid type"),
            "{e}"
        );
        let e = err_of(&PAPER.replace("name = \"color\"", "name = \"flip\""));
        assert!(
            e.contains("exp.toml:10:") && e.contains("a second group named \"flip\""),
            "{e}"
        );
        let e = err_of(&format!("{PAPER}\n[[cell]]\nname = \"flip-seed0\"\n"));
        assert!(e.contains("two cells are named \"flip-seed0\""), "{e}");
        let ex = |list: &str| {
            PAPER.replace(
                "seeds = [0, 1, 2]",
                &format!("seeds = [0, 1, 2]\nexclude = {list}"),
            )
        };
        let e = err_of(&ex("[{ group = \"flip\" }, { group = \"color\" }]"));
        assert!(e.contains("grid is empty"), "{e}");
        let e = err_of(&ex("[{ group = \"blur\" }]"));
        assert!(
            e.contains("exp.toml:5:") && e.contains("matches no cell"),
            "{e}"
        );
        let e = err_of(&PAPER.replace("baseline = \"flip\"", "baseline = \"none\""));
        assert!(
            e.contains("exp.toml:3:") && e.contains("not a group"),
            "{e}"
        );
        let e = err_of("[sweep]\nbase = \"cfg/base.toml\"\n");
        assert!(e.contains("no cells"), "{e}");
        let e = err_of(&PAPER.replace("cfg/base.toml", "cfg/nope.toml"));
        assert!(
            e.contains("nope.toml") && e.contains("relative to the experiment file"),
            "{e}"
        );
        let e = err_of(&format!("{PAPER}\n[axes]\nmodel = [\"big\"]\n"));
        assert!(e.contains("not a [models] entry"), "{e}");
        let e = err_of(&PAPER.replace(
            "{ name = \"paper_color_jitter\" }]",
            "{ name = \"paper_color_jitter\", strenght = 1.0 }]",
        ));
        assert!(e.contains("cell color") && e.contains("strenght"), "{e}");
    }

    #[test]
    fn config_errors_name_the_experiment_entry_or_base_file_that_wrote_the_key() {
        let (dir, exp) = experiment(&PAPER.replace(
            "seeds = [0, 1, 2]",
            "seeds = [0, 1, 2]\nset = { \"train.epochs\" = 3, \"train.epochz\" = 2 }",
        ));
        let e = plan(&exp, &[], &Registry::default())
            .unwrap_err()
            .to_string();
        let file = exp.path.display().to_string();
        assert!(
            e.starts_with(&format!(
                "{file}:7: cell flip-seed0: {file}:5: sweep.set \"train.epochz\": [train] epochz: unknown key; valid keys: epochs,"
            )),
            "{e}"
        );
        // An unknown section in a top-level axis.
        let e = err_of(&format!("{PAPER}\n[axes]\n\"optimm.lr\" = [0.1, 0.2]\n"));
        assert!(
            e.contains("exp.toml:16: flip: axis \"optimm.lr\": unknown section [optimm]; the sections are: model,"),
            "{e}"
        );
        // A bad value in the base file: its line and column, not the experiment's.
        std::fs::write(
            dir.path().join("cfg/base.toml"),
            BASE.replace("epochs = 2", "epochs = 2\nbatch_size = \"big\""),
        )
        .unwrap();
        let e = plan(&exp, &[], &Registry::default())
            .unwrap_err()
            .to_string();
        let base = dir.path().join("cfg/base.toml");
        assert!(
            e.contains(&format!(
                "{}:7:1: [train] batch_size: expected a non-negative integer, found a string \"big\"",
                base.display()
            )),
            "{e}"
        );
        // --set is blamed on --set, with the valid keys.
        let e = plan(&exp, &["optim.lrr=1".into()], &Registry::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("cell flip-seed0: --set optim.lrr=1: [optim] lrr: unknown key; valid keys: kind, lr,"),
            "{e}"
        );
    }
}
