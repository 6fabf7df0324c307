//! Where each key of a training config came from: the file, line and column that wrote it, or
//! the `--set` argument (or experiment-file entry) that set it. A config is merged from several
//! files and overrides before it is checked; an error on a key blames the spot that wrote it:
//! `configs/x.toml:12:1: [optim] lr: expected a float, found a string "x"`, or
//! `--set nosuch.key=2: unknown section [nosuch]; the sections are: model, optim, ...`.

use std::collections::BTreeMap;

use toml::de::{DeTable, DeValue};

use crate::TrainError;

/// One writer of keys: a file (with positions) or an override (without).
#[derive(Debug, Clone, PartialEq)]
struct Layer {
    /// The file name, or the override as the user wrote it (`--set train.epochs=2`).
    name: String,
    /// Every dotted key path it wrote (`optim`, `optim.lr`, `augment.0.name`), with the
    /// 1-based line and column of the key where the layer is a file.
    keys: BTreeMap<String, Option<(usize, usize)>>,
}

/// A raw config table and, for each of its keys, who wrote it. Later layers win, as in the
/// merge: a table merges key by key, any other value replaces the earlier one.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SourcedTable {
    /// The merged table.
    pub table: toml::Table,
    layers: Vec<Layer>,
    /// What to blame when a key is written by no layer (the first file's name).
    name: String,
}

impl SourcedTable {
    /// Parses TOML `text` that `name` (a file name) holds, keeping the position of every key.
    pub fn parse(text: &str, name: &str) -> Result<Self, toml::de::Error> {
        let table: toml::Table = text.parse()?;
        let doc = DeTable::parse(text)?;
        let mut keys = BTreeMap::new();
        walk_table(doc.get_ref(), "", text, &mut keys);
        Ok(Self {
            table,
            layers: vec![Layer {
                name: name.into(),
                keys,
            }],
            name: name.into(),
        })
    }

    /// A table without positions; every key in it is blamed on `name`.
    pub fn whole(table: toml::Table, name: &str) -> Self {
        let mut keys = BTreeMap::new();
        for (k, v) in &table {
            value_paths(k, v, &mut keys);
        }
        Self {
            table,
            layers: vec![Layer {
                name: name.into(),
                keys,
            }],
            name: name.into(),
        }
    }

    /// No keys yet; errors on no particular key blame `name`.
    pub fn empty(name: &str) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// What errors on no particular key are blamed on.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Overlays `over`: tables merge key by key, other values replace.
    pub fn merge(&mut self, over: SourcedTable) {
        if self.name.is_empty() {
            self.name = over.name.clone();
        }
        merge(&mut self.table, over.table);
        self.layers.extend(over.layers);
    }

    /// Sets the dotted `key` to `value` (creating the tables on the way); `blame` (e.g.
    /// `--set train.epochs=2`) is what errors on the key, its value, and the tables it created
    /// will name.
    pub fn set(&mut self, key: &str, value: toml::Value, blame: &str) -> Result<(), String> {
        let mut keys = BTreeMap::new();
        let parts: Vec<&str> = key.split('.').collect();
        for i in 1..parts.len() {
            let prefix = parts[..i].join(".");
            if lookup(&self.table, &prefix).is_none() {
                keys.insert(prefix, None);
            }
        }
        value_paths(key, &value, &mut keys);
        crate::config::set_key(&mut self.table, key, value)?;
        self.layers.push(Layer {
            name: blame.into(),
            keys,
        });
        Ok(())
    }

    /// `file:line:column` (or `--set ...`) of the layer that last wrote the dotted `path`, or of
    /// its closest written ancestor.
    pub fn locate(&self, path: &str) -> Option<String> {
        let mut path = path;
        loop {
            for layer in self.layers.iter().rev() {
                if let Some(spot) = layer.keys.get(path) {
                    return Some(match spot {
                        Some((line, column)) => format!("{}:{line}:{column}", layer.name),
                        None => layer.name.clone(),
                    });
                }
            }
            path = &path[..path.rfind('.')?];
        }
    }

    /// The error for a config that failed to deserialize: the offending key's origin and a
    /// message in the user's words (`[optim] lr: expected a float, found a string "x"`).
    pub fn deserialize_error(&self, error: &toml::de::Error) -> TrainError {
        let (path, message) = explain_toml(error);
        self.error_at(&path, message)
    }

    /// The error for a failed check whose message names the key it is about, as
    /// `train.epochs must be ...` or `[data]: unknown field ...`.
    pub fn check_error(&self, message: String) -> TrainError {
        if let Some(rest) = message.strip_prefix('[')
            && let Some((section, rest)) = rest.split_once("]: ")
            && !section.contains(' ')
        {
            let (first, keys) = split_display(rest);
            let keys: Vec<String> = std::iter::once(section.to_string())
                .chain(keys.iter().map(|k| k.to_string()))
                .collect();
            let (path, explained) = explain(first, &keys);
            return self.error_at(&path, explained);
        }
        let first = message.split([' ', ':', ',']).next().unwrap_or_default();
        let key = first.trim_end_matches('.');
        let path: Vec<String> = if !key.is_empty()
            && key.contains('.')
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        {
            key.split('.').map(str::to_string).collect()
        } else {
            vec![]
        };
        let origin = self
            .locate(&path.join("."))
            .unwrap_or_else(|| self.name.clone());
        TrainError::Config { origin, message }
    }

    /// The error `message` about the key at `path` (`["model", "width"]`), blamed on the spot
    /// that wrote that key (or its closest written ancestor).
    pub(crate) fn error_at(&self, path: &[String], message: String) -> TrainError {
        let origin = self
            .locate(&path.join("."))
            .unwrap_or_else(|| self.name.clone());
        let message = match path {
            // An unknown section says so itself.
            [_] if message.starts_with("unknown section") => message,
            [] => message,
            [section] => format!("[{section}]: {message}"),
            [table @ .., key] => format!("[{}] {key}: {message}", table.join(".")),
        };
        TrainError::Config { origin, message }
    }
}

/// The key path (relative to the table that was deserialized) and a message in the user's
/// words for a toml deserialization error.
pub(crate) fn explain_toml(error: &toml::de::Error) -> (Vec<String>, String) {
    explain(error.message(), &error_keys(&error.to_string()))
}

/// The key path of a failed deserialization and a message in the user's words. `keys` is the
/// path serde reported (the table the error is in, or the key whose value is wrong).
fn explain(message: &str, keys: &[String]) -> (Vec<String>, String) {
    let mut path = keys.to_vec();
    let quoted = |s: &str| -> Vec<String> {
        s.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    };
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (field, valid) = rest.split_once('`').unwrap_or((rest, ""));
        let valid = quoted(valid);
        let message = if path.is_empty() {
            format!(
                "unknown section [{field}]; the sections are: {}",
                valid.join(", ")
            )
        } else if valid.is_empty() {
            format!("unknown key; [{}] takes no keys", path.join("."))
        } else {
            format!("unknown key; valid keys: {}", valid.join(", "))
        };
        path.push(field.to_string());
        return (path, message);
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let (value, valid) = rest.split_once('`').unwrap_or((rest, ""));
        return (
            path,
            format!(
                "unknown value \"{value}\"; valid values: {}",
                quoted(valid).join(", ")
            ),
        );
    }
    if let Some(field) = message.strip_prefix("missing field `") {
        let field = field.trim_end_matches('`');
        return (path, format!("missing key `{field}`"));
    }
    for kind in ["invalid type: ", "invalid value: ", "invalid length "] {
        if let Some(rest) = message.strip_prefix(kind)
            && let Some((found, expected)) = rest.rsplit_once(", expected ")
        {
            let found = if kind == "invalid length " {
                format!("an array of {found} values")
            } else {
                found_words(found)
            };
            return (
                path,
                format!("expected {}, found {found}", expected_words(expected)),
            );
        }
    }
    (path, message.trim().to_string())
}

/// serde's expectation (`f64`, `usize`, `a boolean`, `struct X`) in the user's words.
fn expected_words(expected: &str) -> String {
    match expected {
        "f64" | "f32" => "a float".into(),
        "usize" | "u64" | "u32" | "u16" | "u8" => "a non-negative integer".into(),
        "i64" | "i32" | "isize" => "an integer".into(),
        "a sequence" => "an array".into(),
        "a map" => "a table".into(),
        e if e.starts_with("struct ") || e.starts_with("a map") => "a table".into(),
        e => e.to_string(),
    }
}

/// serde's `Unexpected` (`string "x"`, `integer `3``, `floating point `1.5``) in words.
fn found_words(found: &str) -> String {
    for (serde, words) in [
        ("string ", "a string "),
        ("integer ", "an integer "),
        ("floating point ", "a float "),
        ("boolean ", "a boolean "),
    ] {
        if let Some(rest) = found.strip_prefix(serde) {
            return format!("{words}{}", rest.replace('`', ""));
        }
    }
    match found {
        "sequence" => "an array".into(),
        "map" => "a table".into(),
        f => f.to_string(),
    }
}

/// The key path a toml error's text names (`in `optim.lr``), empty when it names none.
fn error_keys(display: &str) -> Vec<String> {
    split_display(display).1
}

/// A toml error's text split into its message (first line) and the key path of its
/// `in `a.b`` line.
fn split_display(display: &str) -> (&str, Vec<String>) {
    let first = display.lines().next().unwrap_or_default();
    let keys = display
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("in `")?.strip_suffix('`'))
        .map(|k| k.split('.').map(str::to_string).collect())
        .unwrap_or_default();
    (first, keys)
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// 1-based line and column (in characters) of byte offset `at` of `text`.
fn line_column(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at.min(text.len())];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

fn walk_table(
    table: &DeTable<'_>,
    prefix: &str,
    text: &str,
    out: &mut BTreeMap<String, Option<(usize, usize)>>,
) {
    for (key, value) in table.iter() {
        let path = join(prefix, key.get_ref());
        out.insert(path.clone(), Some(line_column(text, key.span().start)));
        walk_value(value.get_ref(), &path, text, out);
    }
}

fn walk_value(
    value: &DeValue<'_>,
    path: &str,
    text: &str,
    out: &mut BTreeMap<String, Option<(usize, usize)>>,
) {
    match value {
        DeValue::Table(t) => walk_table(t, path, text, out),
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let sub = format!("{path}.{i}");
                out.insert(sub.clone(), Some(line_column(text, item.span().start)));
                walk_value(item.get_ref(), &sub, text, out);
            }
        }
        _ => {}
    }
}

/// Every dotted path of `value` (itself included) at `path`.
fn value_paths(
    path: &str,
    value: &toml::Value,
    out: &mut BTreeMap<String, Option<(usize, usize)>>,
) {
    out.insert(path.to_string(), None);
    match value {
        toml::Value::Table(t) => {
            for (k, v) in t {
                value_paths(&join(path, k), v, out);
            }
        }
        toml::Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                value_paths(&format!("{path}.{i}"), v, out);
            }
        }
        _ => {}
    }
}

fn lookup<'a>(table: &'a toml::Table, path: &str) -> Option<&'a toml::Value> {
    let mut parts = path.split('.');
    let mut node = table.get(parts.next()?)?;
    for part in parts {
        node = node.as_table()?.get(part)?;
    }
    Some(node)
}

/// Overlays `over` on `base`: tables merge key by key, other values replace.
pub(crate) fn merge(base: &mut toml::Table, over: toml::Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_located_in_the_last_layer_that_wrote_them() {
        let mut s = SourcedTable::parse("[optim]\nlr = 1\n  momentum = 0.5\n", "a.toml").unwrap();
        s.merge(
            SourcedTable::parse("optim.lr = 2\n[[augment]]\nname = \"x\"\n", "b.toml").unwrap(),
        );
        s.set(
            "train.epochs",
            toml::Value::Integer(2),
            "--set train.epochs=2",
        )
        .unwrap();
        assert_eq!(s.locate("optim.momentum").as_deref(), Some("a.toml:3:3"));
        assert_eq!(s.locate("optim.lr").as_deref(), Some("b.toml:1:7"));
        assert_eq!(s.locate("augment.0.name").as_deref(), Some("b.toml:3:1"));
        assert_eq!(
            s.locate("train.epochs").as_deref(),
            Some("--set train.epochs=2")
        );
        // The set created [train]; it did not create [optim].
        assert_eq!(s.locate("train").as_deref(), Some("--set train.epochs=2"));
        assert_eq!(s.locate("optim.nesterov").as_deref(), Some("b.toml:1:1"));
        assert_eq!(s.locate("schedule"), None);
    }
}
