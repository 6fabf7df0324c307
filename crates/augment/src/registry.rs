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
        if !entry.doc.params.is_empty() {
            params.declare(entry.doc.params.iter().map(|p| p.key));
        }
        let op = match (entry.ctor)(&mut params, self) {
            Ok(op) => op,
            // Keys after the failing one were never read: the constructor's error is the fault
            // (unless it is a missing key next to a typo of it).
            Err(e) => return Err(params.explain_failure(e)),
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

    /// Builds a pipeline (applied in order) from a list of op tables. An error names the entry
    /// (1-based index and op name).
    pub fn build_pipeline(&self, tables: &[Table]) -> Result<Pipeline> {
        tables
            .iter()
            .enumerate()
            .map(|(i, t)| {
                self.build(t).map_err(|e| AugmentError::Entry {
                    index: i + 1,
                    op: match t.get("name") {
                        Some(Value::String(s)) => s.clone(),
                        _ => "no name".into(),
                    },
                    error: Box::new(e),
                })
            })
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
                                "[[augment]] entry {} is `{v}`, not an op table",
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

    /// A valid table for every built-in op, giving every documented key a value.
    const EXAMPLES: &[&str] = &[
        "{ name = 'adjust_brightness', brightness_factor = 1.2 }",
        "{ name = 'adjust_contrast', contrast_factor = 1.2 }",
        "{ name = 'adjust_saturation', saturation_factor = 1.2 }",
        "{ name = 'adjust_hue', hue_factor = 0.1, backend = 'tensor' }",
        "{ name = 'adjust_sharpness', sharpness_factor = 1.2 }",
        "{ name = 'rgb_to_grayscale', num_output_channels = 3 }",
        "{ name = 'grayscale', num_output_channels = 1 }",
        "{ name = 'solarize', threshold = 100 }",
        "{ name = 'posterize', bits = 3 }",
        "{ name = 'invert' }",
        "{ name = 'equalize' }",
        "{ name = 'autocontrast' }",
        "{ name = 'horizontal_flip' }",
        "{ name = 'vertical_flip' }",
        "{ name = 'gaussian_blur', kernel_size = 5, sigma = 1.0 }",
        "{ name = 'crop', top = 1, left = 2, height = 5, width = 6 }",
        "{ name = 'resized_crop', top = 1, left = 2, height = 5, width = 6, size = 4, interpolation = 'bilinear', antialias = true }",
        "{ name = 'resize', size = 8, max_size = 12, interpolation = 'bilinear', antialias = true }",
        "{ name = 'center_crop', output_size = 8 }",
        "{ name = 'rotate', angle = 10.0, interpolation = 'bilinear', expand = true, center = [1, 2], fill = 3 }",
        "{ name = 'affine', angle = 10.0, translate = [1, 2], scale = 1.1, shear = 3.0, interpolation = 'bilinear', fill = 3, center = [1, 2] }",
        "{ name = 'erase', i = 1, j = 2, h = 3, w = 4, v = 'random', inplace = true }",
        "{ name = 'random_resized_crop', size = 8, scale = [0.5, 1.0], ratio = [0.8, 1.2], interpolation = 'bilinear', antialias = true }",
        "{ name = 'random_horizontal_flip', p = 0.3 }",
        "{ name = 'random_vertical_flip', p = 0.3 }",
        "{ name = 'color_jitter', brightness = 0.4, contrast = 0.4, saturation = 0.4, hue = 0.1, backend = 'pil' }",
        "{ name = 'random_grayscale', p = 0.3 }",
        "{ name = 'random_solarize', threshold = 100, p = 0.3 }",
        "{ name = 'random_posterize', bits = 3, p = 0.3 }",
        "{ name = 'random_equalize', p = 0.3 }",
        "{ name = 'random_autocontrast', p = 0.3 }",
        "{ name = 'random_invert', p = 0.3 }",
        "{ name = 'random_adjust_sharpness', sharpness_factor = 2.0, p = 0.3 }",
        "{ name = 'random_rotation', degrees = 10, interpolation = 'bilinear', expand = true, center = [1, 2], fill = 3 }",
        "{ name = 'random_affine', degrees = 10, translate = [0.1, 0.1], scale = [0.9, 1.1], shear = 5, interpolation = 'bilinear', fill = 3, center = [1, 2] }",
        "{ name = 'random_erasing', p = 0.3, scale = [0.1, 0.2], ratio = [0.5, 2.0], value = 3 }",
        "{ name = 'rand_augment', num_ops = 2, magnitude = 5, num_magnitude_bins = 11, interpolation = 'bilinear', fill = 3 }",
        "{ name = 'trivial_augment_wide', num_magnitude_bins = 11, interpolation = 'bilinear', fill = 3 }",
        "{ name = 'aug_mix', severity = 2, mixture_width = 2, chain_depth = 2, alpha = 0.5, all_ops = false, interpolation = 'nearest', fill = 3 }",
        "{ name = 'paper_color_jitter', strength = 0.5, backend = 'tensor' }",
        "{ name = 'paper_blur', strength = 0.5 }",
        "{ name = 'paper_crop', scale_min = 0.5, size = 8 }",
        "{ name = 'imagenet_train', size = 8 }",
        "{ name = 'imagenet_eval', resize = 10, crop = 8 }",
        "{ name = 'compose', transforms = [{ name = 'invert' }] }",
        "{ name = 'random_apply', transforms = [{ name = 'invert' }], p = 0.3 }",
        "{ name = 'random_choice', transforms = [{ name = 'invert' }, { name = 'equalize' }], p = [1, 2] }",
        "{ name = 'random_order', transforms = [{ name = 'invert' }] }",
    ];

    fn example_tables() -> Vec<Table> {
        EXAMPLES
            .iter()
            .map(|src| {
                let doc: Table = toml::from_str(&format!("op = {src}")).unwrap();
                doc["op"].as_table().unwrap().clone()
            })
            .collect()
    }

    #[test]
    fn every_builtin_has_an_example_using_every_documented_key() {
        let r = Registry::builtin();
        let tables = example_tables();
        let names: Vec<&str> = tables.iter().map(|t| t["name"].as_str().unwrap()).collect();
        assert_eq!(
            names
                .iter()
                .copied()
                .collect::<std::collections::BTreeSet<_>>(),
            r.names().collect(),
            "one example per op"
        );
        for t in &tables {
            let name = t["name"].as_str().unwrap();
            let entry = &r.ops[name];
            for p in &entry.doc.params {
                // `size` of center_crop is the alternative name of `output_size`.
                if (name, p.key) != ("center_crop", "size") {
                    assert!(t.contains_key(p.key), "{name}: example lacks `{}`", p.key);
                }
            }
            r.build(t).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }

    #[test]
    fn builtins_document_every_key_they_read() {
        // A constructor that reads an undocumented key would make `explain_failure` take a valid
        // key for a typo; the documented list is also what `augment list` shows.
        let r = Registry::builtin();
        for t in example_tables() {
            let name = t["name"].as_str().unwrap().to_string();
            let entry = &r.ops[&name];
            let mut table = t.clone();
            table.remove("name");
            let mut params = Params::new(name.clone(), table);
            (entry.ctor)(&mut params, &r).unwrap_or_else(|e| panic!("{name}: {e}"));
            for key in params.asked() {
                assert!(
                    entry.doc.params.iter().any(|p| p.key == *key),
                    "{name} reads `{key}` but does not document it"
                );
            }
        }
    }

    #[test]
    fn a_bad_value_is_reported_for_its_key_whatever_follows_it() {
        // For every op and every key: a bad value with all the op's other keys present must be
        // reported as that key's fault, never as an "unknown parameter" for a key read later.
        let r = Registry::builtin();
        let mut checked = 0;
        for t in example_tables() {
            let name = t["name"].as_str().unwrap();
            for key in t.keys().filter(|k| *k != "name") {
                let mut bad = t.clone();
                bad.insert(key.clone(), Value::String("not a valid value".into()));
                let err = r.build(&bad).map(|_| ()).unwrap_err();
                assert!(
                    matches!(&err, AugmentError::BadParam { key: k, .. } if k == key),
                    "{name} with a bad `{key}`: {err}"
                );
                checked += 1;
            }
        }
        assert!(checked > 100, "{checked}");
    }

    #[test]
    fn the_real_error_wins_over_keys_not_read_yet() {
        let r = Registry::builtin();
        for (src, want) in [
            (
                "name = \"color_jitter\"\nbrightness = -1.0\ncontrast = 0.5",
                "parameter `brightness`: must be non-negative",
            ),
            (
                "name = \"gaussian_blur\"\nkernel_size = 4\nsigma = 1.0",
                "parameter `kernel_size`: must be odd",
            ),
            (
                "name = \"random_resized_crop\"\nsize = 0\nscale = [0.5, 1.0]",
                "parameter `size`: sizes must be positive",
            ),
        ] {
            let err = r.pipeline_from_toml_str(src).unwrap_err().to_string();
            assert!(err.contains(want), "{src}: {err}");
            assert!(!err.contains("unknown parameter"), "{src}: {err}");
        }
    }

    #[test]
    fn unknown_keys_list_every_valid_key() {
        let r = Registry::builtin();
        let err = r
            .pipeline_from_toml_str("name = \"color_jitter\"\nbrightness = 0.4\ncontrst = 0.5")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unknown parameter `contrst` (did you mean `contrast`?)")
                && err.contains("it takes: backend, brightness, contrast, hue, saturation"),
            "{err}"
        );
        // A typo of a required key: the typo, not "missing kernel_size", is the fault.
        let err = r
            .pipeline_from_toml_str("name = \"gaussian_blur\"\nkernel_sze = 3")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown parameter `kernel_sze`"), "{err}");
        // A truly unknown key next to a bad value: the bad value is reported.
        let err = r
            .pipeline_from_toml_str("name = \"gaussian_blur\"\nkernel_size = 4\nsigm = 1.0")
            .unwrap_err()
            .to_string();
        assert!(err.contains("must be odd"), "{err}");
    }

    #[test]
    fn user_ops_without_docs_report_their_own_errors_and_typos() {
        let mut r = Registry::builtin();
        r.register("needs_two", |p| {
            let a = p.f64_in("a", None, 0.0, 1.0)?;
            let b = p.f64_in("b", None, 0.0, 1.0)?;
            Ok(crate::ops::random::FnOp::boxed(
                format!("needs_two({a}, {b})"),
                |i, _| i,
            ))
        })
        .unwrap();
        let build = |src: &str| {
            r.pipeline_from_toml_str(src)
                .map(|_| ())
                .unwrap_err()
                .to_string()
        };
        let err = build("name = \"needs_two\"\na = 2.0\nb = 0.5");
        assert!(err.contains("parameter `a`: must be in [0, 1]"), "{err}");
        let err = build("name = \"needs_two\"\na = 0.5\nbb = 0.5");
        assert!(
            err.contains("unknown parameter `bb` (did you mean `b`?)"),
            "{err}"
        );
        let err = build("name = \"needs_two\"\na = 0.5\nb = 0.5\nc = 1");
        assert!(
            err.contains("unknown parameter `c`; it takes: a, b"),
            "{err}"
        );
    }

    #[test]
    fn pipeline_errors_name_the_entry() {
        let r = Registry::builtin();
        let src = "[[augment]]\nname = \"random_horizontal_flip\"\n\
                   [[augment]]\nname = \"color_jitter\"\nbrightness = -1.0\n";
        let err = r.pipeline_from_toml_str(src).unwrap_err();
        assert!(
            matches!(&err, AugmentError::Entry { index: 2, op, .. } if op == "color_jitter"),
            "{err:?}"
        );
        let text = err.to_string();
        assert!(
            text.starts_with("[[augment]] entry 2 (`color_jitter`): ")
                && text.contains("`brightness`"),
            "{text}"
        );
        let spec = crate::PipelineSpec(vec![toml::from_str("name = \"nosuch\"").unwrap()]);
        let err = spec.build(&r).unwrap_err().to_string();
        assert!(
            err.starts_with("[[augment]] entry 1 (`nosuch`): unknown augmentation"),
            "{err}"
        );
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
