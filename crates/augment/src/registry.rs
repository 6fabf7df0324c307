//! The registry: every op is built by name from a TOML table. `Registry::default()` holds all
//! built-in ops; `register` adds a user op. Any op table may carry `p = 0.8` to be applied with
//! that probability (ops whose torchvision class has its own `p` consume it themselves).

use crate::Augmentation;
use crate::compose::{Pipeline, RandomApply};
use crate::error::{AugmentError, Result, closest_match};
use crate::params::Params;
use std::collections::BTreeMap;
use std::sync::Arc;
use toml::{Table, Value};

/// Builds one op from its parameters; composite ops also get the registry to build children.
pub type Constructor =
    Arc<dyn Fn(&mut Params, &Registry) -> Result<Box<dyn Augmentation>> + Send + Sync>;

/// One parameter of an op, for `spillover augment list`.
#[derive(Debug, Clone)]
pub struct ParamDoc {
    pub key: &'static str,
    /// The default as TOML, or `required`.
    pub default: &'static str,
    pub help: &'static str,
}

/// What `spillover augment list` prints about an op.
#[derive(Debug, Clone)]
pub struct OpDoc {
    pub name: String,
    pub summary: String,
    pub params: Vec<ParamDoc>,
}

struct Entry {
    doc: OpDoc,
    ctor: Constructor,
}

/// Name → constructor. Cloning is cheap (constructors are shared).
#[derive(Clone)]
pub struct Registry {
    ops: BTreeMap<String, Arc<Entry>>,
}

/// `Registry::default()` holds every built-in op (see [`Registry::builtin`]).
impl Default for Registry {
    fn default() -> Self {
        Registry::builtin()
    }
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.ops.keys()).finish()
    }
}

impl Registry {
    /// A registry with no ops at all (`Registry::builtin()` has the built-ins).
    pub fn empty() -> Self {
        Registry {
            ops: BTreeMap::new(),
        }
    }

    /// Every built-in op, preset and composition.
    pub fn builtin() -> Self {
        let mut r = Registry::empty();
        crate::ops::register_builtins(&mut r);
        r
    }

    /// Adds a user op: `ctor` reads its parameters from `Params` (which reports typos itself).
    pub fn register<F>(&mut self, name: &str, ctor: F) -> Result<()>
    where
        F: Fn(&mut Params) -> Result<Box<dyn Augmentation>> + Send + Sync + 'static,
    {
        let doc = OpDoc {
            name: name.to_string(),
            summary: "user op".into(),
            params: Vec::new(),
        };
        self.register_documented(doc, move |p, _| ctor(p))
    }

    /// Adds an op with its documentation; the constructor also receives the registry.
    pub fn register_documented<F>(&mut self, doc: OpDoc, ctor: F) -> Result<()>
    where
        F: Fn(&mut Params, &Registry) -> Result<Box<dyn Augmentation>> + Send + Sync + 'static,
    {
        if self.ops.contains_key(&doc.name) {
            return Err(AugmentError::Duplicate(doc.name));
        }
        self.ops.insert(
            doc.name.clone(),
            Arc::new(Entry {
                doc,
                ctor: Arc::new(ctor),
            }),
        );
        Ok(())
    }

    /// All registered names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.ops.keys().map(String::as_str)
    }

    /// The documentation of every op, sorted by name.
    pub fn docs(&self) -> impl Iterator<Item = &OpDoc> {
        self.ops.values().map(|e| &e.doc)
    }

    /// Builds one op from a table such as `{ name = "color_jitter", brightness = 0.4, p = 0.8 }`.
    pub fn build(&self, table: &Table) -> Result<Box<dyn Augmentation>> {
        let mut table = table.clone();
        let name = match table.remove("name") {
            Some(Value::String(s)) => s,
            Some(other) => {
                return Err(AugmentError::BadConfig(format!(
                    "`name` must be a string, got `{other}`"
                )));
            }
            None => {
                return Err(AugmentError::BadConfig(format!(
                    "an op table needs `name = \"...\"` (one of: {})",
                    self.names().collect::<Vec<_>>().join(", ")
                )));
            }
        };
        let entry = self.ops.get(&name).ok_or_else(|| AugmentError::UnknownOp {
            closest: closest_match(&name, self.names()),
            valid: self.names().collect::<Vec<_>>().join(", "),
            name: name.clone(),
        })?;
        let mut params = Params::new(name, table);
        let op = match (entry.ctor)(&mut params, self) {
            Ok(op) => op,
            // A missing or bad key next to an unknown one is usually a typo: report the typo.
            Err(e) => return Err(params.finish().err().unwrap_or(e)),
        };
        let op = if params.has("p") {
            let p = params.probability("p", 1.0)?;
            Box::new(RandomApply::new(vec![op], p)) as Box<dyn Augmentation>
        } else {
            op
        };
        params.finish()?;
        Ok(op)
    }

    /// Builds a pipeline (applied in order) from a list of op tables.
    pub fn build_pipeline(&self, tables: &[Table]) -> Result<Pipeline> {
        tables
            .iter()
            .map(|t| self.build(t))
            .collect::<Result<Vec<_>>>()
            .map(Pipeline::new)
    }

    /// Builds a pipeline from TOML: a document with `[[augment]]` tables, or one op table.
    pub fn pipeline_from_toml_str(&self, src: &str) -> Result<Pipeline> {
        let doc: Table = toml::from_str(src)?;
        self.pipeline_from_value(&Value::Table(doc))
    }

    /// Builds a pipeline from an embedded config value: an array of op tables, a table with an
    /// `augment` array, or a single op table (with `name`).
    pub fn pipeline_from_value(&self, value: &Value) -> Result<Pipeline> {
        match value {
            Value::Array(items) => {
                let tables = items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        v.as_table().cloned().ok_or_else(|| {
                            AugmentError::BadConfig(format!(
                                "augment entry {} is `{v}`, not an op table",
                                i + 1
                            ))
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                self.build_pipeline(&tables)
            }
            Value::Table(t) if t.contains_key("name") => {
                self.build(t).map(|op| Pipeline::new(vec![op]))
            }
            Value::Table(t) => match t.get("augment") {
                Some(inner) => self.pipeline_from_value(inner),
                None => Err(AugmentError::BadConfig(
                    "expected `[[augment]]` op tables (or a single table with `name`)".into(),
                )),
            },
            other => Err(AugmentError::BadConfig(format!(
                "expected op tables, got `{other}`"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_name_lists_valid_names_and_closest() {
        let r = Registry::builtin();
        let err = r
            .pipeline_from_toml_str("name = \"color_jiter\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("did you mean `color_jitter`"), "{err}");
        assert!(
            err.contains("random_resized_crop") && err.contains("paper_blur"),
            "{err}"
        );
    }

    #[test]
    fn bad_parameters_name_their_key() {
        let r = Registry::builtin();
        for (src, key) in [
            ("name = \"color_jitter\"\nbrightness = 0.4\np = 1.5", "`p`"),
            (
                "name = \"gaussian_blur\"\nkernel_size = 13\nsigma = -1.0",
                "`sigma`",
            ),
            (
                "name = \"random_resized_crop\"\nsize = 224\nscale = [0.9, 0.1]",
                "`scale`",
            ),
            ("name = \"adjust_hue\"\nhue_factr = 0.1", "`hue_factr`"),
        ] {
            let err = r.pipeline_from_toml_str(src).unwrap_err().to_string();
            assert!(err.contains(key), "{src}: {err}");
        }
    }

    #[test]
    fn duplicate_registration_is_refused() {
        let mut r = Registry::builtin();
        let err = r
            .register("adjust_hue", |_| Ok(Box::new(Pipeline::new(vec![]))))
            .unwrap_err();
        assert!(err.to_string().contains("already registered"));
    }
}
