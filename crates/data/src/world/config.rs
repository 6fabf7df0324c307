//! The world's TOML configuration: classes, class-cue ties, factor rates per split and per
//! class. A user file only needs the keys it changes; the rest come from the embedded default.

use super::classes::{TEMPLATES, Template, template};
use crate::error::DataError;
use serde::{Deserialize, Serialize};
use spillover_factors::{Factor, NUM_FACTORS};
use std::collections::BTreeMap;
use std::path::Path;

/// The embedded default configuration (also at `configs/data/world.toml`).
pub const DEFAULT_WORLD_TOML: &str = include_str!("default_world.toml");

/// A whole world configuration, resolved against the default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorldConfig {
    pub seed: u64,
    pub image_size: u32,
    pub classes: Vec<String>,
    pub ties: Ties,
    pub splits: Splits,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub class_overrides: Vec<ClassOverride>,
}

/// How strongly a non-shape cue carries class identity (see the default file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ties {
    pub color: f64,
    pub background: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Splits {
    pub train: SplitConfig,
    pub val: SplitConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitConfig {
    pub images_per_class: usize,
    pub annotated: f64,
    pub extra_rate: f64,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub top_weights: BTreeMap<String, f64>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra_rates: BTreeMap<String, f64>,
}

/// Factor rates for one class (both splits, or the one named by `split`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassOverride {
    pub class: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub top_weights: BTreeMap<String, f64>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra_rates: BTreeMap<String, f64>,
}

/// The two splits the world writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Split {
    Train,
    Val,
}

impl Split {
    pub const ALL: [Split; 2] = [Split::Train, Split::Val];

    pub fn name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Val => "val",
        }
    }
}

impl Default for WorldConfig {
    fn default() -> Self {
        toml::from_str(DEFAULT_WORLD_TOML).expect("the embedded default world config parses")
    }
}

/// Overlays `user` on `base`: tables merge key by key, anything else replaces.
fn merge(base: &mut toml::Table, user: toml::Table) {
    for (k, v) in user {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(u)) => merge(b, u),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

impl WorldConfig {
    /// Parses a user config (only the changed keys are needed) over the default.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Self, DataError> {
        let bad = |message: String| DataError::Config {
            path: origin.to_string(),
            message,
        };
        let user: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| bad(e.to_string()))?;
        let mut merged: toml::Table = DEFAULT_WORLD_TOML.parse().expect("default parses");
        merge(&mut merged, user);
        let cfg: WorldConfig = toml::Value::Table(merged)
            .try_into()
            .map_err(|e: toml::de::Error| bad(e.to_string()))?;
        cfg.validate().map_err(bad)?;
        Ok(cfg)
    }

    /// Reads and parses a config file.
    pub fn load(path: &Path) -> Result<Self, DataError> {
        let text = std::fs::read_to_string(path).map_err(|e| DataError::io(path, e))?;
        Self::from_toml_str(&text, &path.display().to_string())
    }

    /// The resolved config as TOML (written beside a generated world).
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a validated config serialises")
    }

    /// Checks every value and names the key of the first bad one.
    pub fn validate(&self) -> Result<(), String> {
        if self.seed > i64::MAX as u64 {
            return Err(format!(
                "seed {} is too large: TOML integers stop at {}",
                self.seed,
                i64::MAX
            ));
        }
        if !(16..=512).contains(&self.image_size) {
            return Err(format!(
                "image_size = {} must be within 16..=512",
                self.image_size
            ));
        }
        if self.classes.len() < 2 {
            return Err("classes: list at least two class templates".into());
        }
        for (i, name) in self.classes.iter().enumerate() {
            if template(name).is_none() {
                let known: Vec<_> = TEMPLATES.iter().map(|t| t.name).collect();
                return Err(format!(
                    "classes[{i}] = {name:?} is not a template; the templates are: {}",
                    known.join(", ")
                ));
            }
            if self.classes[..i].contains(name) {
                return Err(format!("classes[{i}] = {name:?} is listed twice"));
            }
        }
        unit("ties.color", self.ties.color)?;
        unit("ties.background", self.ties.background)?;
        for split in Split::ALL {
            let s = self.split(split);
            let key = format!("splits.{}", split.name());
            if s.images_per_class == 0 {
                return Err(format!("{key}.images_per_class must be at least 1"));
            }
            unit(&format!("{key}.annotated"), s.annotated)?;
            unit(&format!("{key}.extra_rate"), s.extra_rate)?;
            check_map(&format!("{key}.top_weights"), &s.top_weights, f64::INFINITY)?;
            check_map(&format!("{key}.extra_rates"), &s.extra_rates, 1.0)?;
        }
        for (i, o) in self.class_overrides.iter().enumerate() {
            let key = format!("class_overrides[{i}]");
            if !self.classes.contains(&o.class) {
                return Err(format!("{key}.class = {:?} is not in `classes`", o.class));
            }
            if let Some(s) = &o.split
                && !Split::ALL.iter().any(|x| x.name() == s)
            {
                return Err(format!("{key}.split = {s:?} must be \"train\" or \"val\""));
            }
            check_map(&format!("{key}.top_weights"), &o.top_weights, f64::INFINITY)?;
            check_map(&format!("{key}.extra_rates"), &o.extra_rates, 1.0)?;
        }
        for split in Split::ALL {
            for c in 0..self.classes.len() {
                if self.top_weights(split, c).iter().sum::<f64>() <= 0.0 {
                    return Err(format!(
                        "top weights of class {:?} in split {} are all zero",
                        self.classes[c],
                        split.name()
                    ));
                }
            }
        }
        Ok(())
    }

    pub fn split(&self, split: Split) -> &SplitConfig {
        match split {
            Split::Train => &self.splits.train,
            Split::Val => &self.splits.val,
        }
    }

    pub fn templates(&self) -> Vec<&'static Template> {
        self.classes
            .iter()
            .map(|n| template(n).expect("validated"))
            .collect()
    }

    fn overrides(&self, split: Split, class: usize) -> impl Iterator<Item = &ClassOverride> {
        self.class_overrides.iter().filter(move |o| {
            o.class == self.classes[class] && o.split.as_deref().is_none_or(|s| s == split.name())
        })
    }

    /// Relative weight of each factor (in [`Factor::ALL`] order) as the top factor.
    pub fn top_weights(&self, split: Split, class: usize) -> [f64; NUM_FACTORS] {
        let mut w = [1.0; NUM_FACTORS];
        apply(&mut w, &self.split(split).top_weights);
        for o in self.overrides(split, class) {
            apply(&mut w, &o.top_weights);
        }
        w
    }

    /// Chance of each factor as an extra factor of an annotated image.
    pub fn extra_rates(&self, split: Split, class: usize) -> [f64; NUM_FACTORS] {
        let mut r = [self.split(split).extra_rate; NUM_FACTORS];
        apply(&mut r, &self.split(split).extra_rates);
        for o in self.overrides(split, class) {
            apply(&mut r, &o.extra_rates);
        }
        r
    }
}

fn apply(values: &mut [f64; NUM_FACTORS], map: &BTreeMap<String, f64>) {
    for (name, v) in map {
        values[name.parse::<Factor>().expect("validated").index()] = *v;
    }
}

fn unit(key: &str, v: f64) -> Result<(), String> {
    if (0.0..=1.0).contains(&v) {
        Ok(())
    } else {
        Err(format!("{key} = {v} must be within 0..=1"))
    }
}

fn check_map(key: &str, map: &BTreeMap<String, f64>, max: f64) -> Result<(), String> {
    for (name, v) in map {
        name.parse::<Factor>()
            .map_err(|e| format!("{key}.{name}: {e}"))?;
        if !(v.is_finite() || max.is_infinite()) || *v < 0.0 || *v > max {
            return Err(format!("{key}.{name} = {v} must be within 0..={max}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid_and_the_configs_copy_matches_it() {
        let cfg = WorldConfig::default();
        cfg.validate().unwrap();
        assert_eq!(cfg.classes.len(), 10);
        let copy = concat!(env!("CARGO_MANIFEST_DIR"), "/../../configs/data/world.toml");
        assert_eq!(
            std::fs::read_to_string(copy).unwrap(),
            DEFAULT_WORLD_TOML,
            "configs/data/world.toml drifted from the embedded default"
        );
        let again = WorldConfig::from_toml_str(&cfg.to_toml(), "resolved").unwrap();
        assert_eq!(again, cfg, "the resolved config round-trips");
    }

    #[test]
    fn partial_user_config_overlays_the_default() {
        let cfg = WorldConfig::from_toml_str(
            "seed = 7\n[splits.val]\nimages_per_class = 20\n[splits.val.top_weights]\npose = 3.0\n\
             [[class_overrides]]\nclass = \"bird\"\nsplit = \"train\"\nextra_rates = { darker = 0.5 }\n",
            "user.toml",
        )
        .unwrap();
        assert_eq!(cfg.seed, 7);
        assert_eq!(cfg.splits.val.images_per_class, 20);
        assert_eq!(
            cfg.splits.val.annotated, 1.0,
            "untouched keys keep the default"
        );
        assert_eq!(cfg.top_weights(Split::Val, 0)[Factor::Pose.index()], 3.0);
        assert_eq!(cfg.top_weights(Split::Val, 0)[Factor::Color.index()], 1.0);
        let bird = cfg.classes.iter().position(|c| c == "bird").unwrap();
        assert_eq!(
            cfg.extra_rates(Split::Train, bird)[Factor::Darker.index()],
            0.5
        );
        assert_eq!(
            cfg.extra_rates(Split::Val, bird)[Factor::Darker.index()],
            0.06
        );
        assert_eq!(
            cfg.extra_rates(Split::Train, 0)[Factor::Darker.index()],
            0.06
        );
    }

    #[test]
    fn errors_name_the_file_and_key() {
        let err = |text: &str| {
            WorldConfig::from_toml_str(text, "my.toml")
                .unwrap_err()
                .to_string()
        };
        let e = err("[splits.val.top_weights]\ncolour = 2.0\n");
        assert!(
            e.contains("my.toml")
                && e.contains("splits.val.top_weights.colour")
                && e.contains("unknown factor"),
            "{e}"
        );
        let e = err("[ties]\ncolor = 1.5\n");
        assert!(e.contains("ties.color = 1.5"), "{e}");
        let e = err("classes = [\"dog\", \"unicorn\"]\n");
        assert!(
            e.contains("classes[1]") && e.contains("unicorn") && e.contains("vessel"),
            "{e}"
        );
        let e = err("[ties]\ncolr = 1.0\n");
        assert!(e.contains("colr"), "{e}");
        let e = err("image_size = \n");
        assert!(e.contains("my.toml") && e.contains("line 1"), "{e}");
    }
}
