//! Who a zoo model is: its learning paradigm (the imagenet-x toolkit's `model_types_map`, read
//! at run time from the toolkit's `model_types.py` that `spillover annotations fetch` caches out
//! of the PyPI wheel; the toolkit is CC BY-NC, so its map is not shipped here) and its
//! architecture family (our prefix map, `data/families.tsv`, which users can extend).

use std::collections::HashMap;
use std::path::Path;

/// The toolkit's `ModelTypes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Paradigm {
    Standard,
    SelfSupervised,
    MoreData,
    LpAdversarial,
    RobustnessIntervention,
    RandomFeatures,
    LinearPixels,
    RandomForests,
    NearestNeighbors,
    LowAccuracyCnn,
}

impl Paradigm {
    pub const ALL: [Paradigm; 10] = [
        Paradigm::Standard,
        Paradigm::SelfSupervised,
        Paradigm::MoreData,
        Paradigm::LpAdversarial,
        Paradigm::RobustnessIntervention,
        Paradigm::RandomFeatures,
        Paradigm::LinearPixels,
        Paradigm::RandomForests,
        Paradigm::NearestNeighbors,
        Paradigm::LowAccuracyCnn,
    ];

    /// The four the toolkit compares, in its `MODEL_TYPE_ORDER`.
    pub const COMPARED: [Paradigm; 4] = [
        Paradigm::MoreData,
        Paradigm::Standard,
        Paradigm::SelfSupervised,
        Paradigm::RobustnessIntervention,
    ];

    /// The toolkit's label (`ModelTypes.*.value`).
    pub fn label(self) -> &'static str {
        match self {
            Paradigm::Standard => "Supervised on ImageNet-1K",
            Paradigm::SelfSupervised => "Self-supervised",
            Paradigm::MoreData => "Supervised on more data",
            Paradigm::LpAdversarial => "Lp adversarially robust",
            Paradigm::RobustnessIntervention => "Robustness intervention",
            Paradigm::RandomFeatures => "Random Features",
            Paradigm::LinearPixels => "Linear Classifier on Pixels",
            Paradigm::RandomForests => "Random Forests",
            Paradigm::NearestNeighbors => "Nearest Neighbors",
            Paradigm::LowAccuracyCnn => "Low Accuracy CNN",
        }
    }

    /// The member name in the toolkit's `ModelTypes` enum (`ModelTypes.STANDARD`, ...).
    pub fn member(self) -> &'static str {
        match self {
            Paradigm::Standard => "STANDARD",
            Paradigm::SelfSupervised => "SELFSUPERVISED",
            Paradigm::MoreData => "MORE_DATA",
            Paradigm::LpAdversarial => "LP_ADV",
            Paradigm::RobustnessIntervention => "ROBUST_INTV",
            Paradigm::RandomFeatures => "RANDOM_FEATURES",
            Paradigm::LinearPixels => "LINEAR_PIXELS",
            Paradigm::RandomForests => "RANDOM_FORESTS",
            Paradigm::NearestNeighbors => "NEAREST_NEIGHBORS",
            Paradigm::LowAccuracyCnn => "LOW_ACCURACY_CNN",
        }
    }

    fn from_member(member: &str) -> Option<Paradigm> {
        Paradigm::ALL.into_iter().find(|p| p.member() == member)
    }
}

/// The toolkit's learning-paradigm map: model name (case-sensitive, as the toolkit) to paradigm.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ModelTypes {
    map: HashMap<String, Paradigm>,
}

impl ModelTypes {
    /// The paradigm of a model name, exactly as the toolkit's map (case-sensitive).
    pub fn get(&self, model: &str) -> Option<Paradigm> {
        self.map.get(model).copied()
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The map `spillover annotations fetch` cached in `dir` (the toolkit's `model_types.py`,
    /// checksum-verified): `Ok(None)` when it has not been fetched there.
    pub fn from_cache(dir: &Path) -> Result<Option<ModelTypes>, String> {
        let text =
            spillover_factors::annotations::read_model_types(dir).map_err(|e| e.to_string())?;
        text.map(|t| {
            ModelTypes::parse_py(&t).map_err(|e| {
                format!(
                    "{}: {e}",
                    dir.join(spillover_factors::annotations::MODEL_TYPES_FILE.0)
                        .display()
                )
            })
        })
        .transpose()
    }

    /// Parses the toolkit's `model_types.py`, strictly: the `class ModelTypes(Enum)` block
    /// (every member must be one of [`Paradigm`] with the toolkit's label), the dict literal
    /// `model_types_map = { 'name': ModelTypes.MEMBER, ... }` (string keys without escapes, no
    /// duplicates) and loops `for i in range(N):` + `model_types_map[f"pre{i}post"] =
    /// ModelTypes.MEMBER`. Any other statement that touches `model_types_map` is an error, as
    /// is a file without the enum or the dict. Errors name the line.
    pub fn parse_py(text: &str) -> Result<ModelTypes, String> {
        let lines: Vec<&str> = text.lines().map(|l| l.trim_end()).collect();
        let mut members: HashMap<String, Paradigm> = HashMap::new();
        let mut map: HashMap<String, Paradigm> = HashMap::new();
        let (mut saw_enum, mut saw_dict) = (false, false);
        let mut i = 0;
        while i < lines.len() {
            let line = lines[i];
            let at = |n: usize, msg: String| format!("line {}: {msg}", n + 1);
            if line == "class ModelTypes(Enum):" {
                saw_enum = true;
                i += 1;
                while i < lines.len() && (lines[i].is_empty() || lines[i].starts_with([' ', '\t']))
                {
                    let l = lines[i].trim();
                    if !l.is_empty() && !l.starts_with('#') {
                        let (name, value) = l.split_once('=').ok_or_else(|| {
                            at(i, format!("expected `MEMBER = 'label'`, got `{l}`"))
                        })?;
                        let name = name.trim();
                        let label = parse_string(value.trim()).ok_or_else(|| {
                            at(
                                i,
                                format!("expected a quoted label, got `{}`", value.trim()),
                            )
                        })?;
                        let p = Paradigm::from_member(name)
                            .ok_or_else(|| at(i, format!("unknown ModelTypes member `{name}`")))?;
                        if p.label() != label {
                            return Err(at(
                                i,
                                format!("ModelTypes.{name} is `{label}`, expected `{}`", p.label()),
                            ));
                        }
                        members.insert(name.to_string(), p);
                    }
                    i += 1;
                }
                continue;
            }
            if line.starts_with("model_types_map") && line.contains('{') {
                if line.replace(' ', "") != "model_types_map={" {
                    return Err(at(
                        i,
                        format!("expected `model_types_map = {{` alone on its line, got `{line}`"),
                    ));
                }
                if saw_dict {
                    return Err(at(i, "model_types_map is assigned twice".into()));
                }
                saw_dict = true;
                i += 1;
                let start = i;
                while i < lines.len() && lines[i].trim() != "}" {
                    i += 1;
                }
                if i == lines.len() {
                    return Err(at(start - 1, "the dict is not closed by a line `}`".into()));
                }
                for (n, l) in lines.iter().enumerate().take(i).skip(start) {
                    let l = l.trim();
                    if l.is_empty() || l.starts_with('#') {
                        continue;
                    }
                    let entry = l.strip_suffix(',').unwrap_or(l).trim_end();
                    let (key, value) = split_entry(entry).ok_or_else(|| {
                        at(
                            n,
                            format!("expected `'name': ModelTypes.MEMBER,`, got `{l}`"),
                        )
                    })?;
                    let p = member_ref(value, &members).map_err(|e| at(n, e))?;
                    if map.insert(key.to_string(), p).is_some() {
                        return Err(at(n, format!("`{key}` is in the dict twice")));
                    }
                }
                i += 1;
                continue;
            }
            if let Some(rest) = line.strip_prefix("for ") {
                let body = lines.get(i + 1).copied().unwrap_or("");
                if !body.contains("model_types_map") {
                    i += 1;
                    continue;
                }
                let (var, count) = parse_for(rest)
                    .ok_or_else(|| at(i, format!("expected `for i in range(N):`, got `{line}`")))?;
                if !body.starts_with([' ', '\t']) {
                    return Err(at(
                        i + 1,
                        "expected the loop's one indented statement".into(),
                    ));
                }
                let (pre, post, p) =
                    parse_loop_body(body.trim(), &var, &members).map_err(|e| at(i + 1, e))?;
                if !saw_dict {
                    return Err(at(i, "loop over model_types_map before the dict".into()));
                }
                for k in 0..count {
                    map.insert(format!("{pre}{k}{post}"), p);
                }
                if lines
                    .get(i + 2)
                    .is_some_and(|l| l.starts_with([' ', '\t']) && !l.trim().is_empty())
                {
                    return Err(at(
                        i + 2,
                        "a loop over model_types_map has one statement".into(),
                    ));
                }
                i += 2;
                continue;
            }
            if line.contains("model_types_map") {
                return Err(at(
                    i,
                    format!("unsupported statement on model_types_map: `{line}`"),
                ));
            }
            i += 1;
        }
        if !saw_enum {
            return Err("no `class ModelTypes(Enum):` block".into());
        }
        if !saw_dict {
            return Err("no `model_types_map = {` dict".into());
        }
        Ok(ModelTypes { map })
    }
}

/// A Python string literal in single or double quotes, without escapes or prefixes.
fn parse_string(s: &str) -> Option<&str> {
    let q = s.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let inner = s.strip_prefix(q)?.strip_suffix(q)?;
    (!inner.contains(q) && !inner.contains('\\')).then_some(inner)
}

/// `'key': ModelTypes.X` -> (key, `ModelTypes.X`).
fn split_entry(entry: &str) -> Option<(&str, &str)> {
    let q = entry.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let close = entry[1..].find(q)? + 1;
    let key = parse_string(&entry[..=close])?;
    let value = entry[close + 1..].trim_start().strip_prefix(':')?.trim();
    Some((key, value))
}

fn member_ref(value: &str, members: &HashMap<String, Paradigm>) -> Result<Paradigm, String> {
    let name = value
        .strip_prefix("ModelTypes.")
        .ok_or_else(|| format!("expected `ModelTypes.MEMBER`, got `{value}`"))?;
    members
        .get(name)
        .copied()
        .ok_or_else(|| format!("`ModelTypes.{name}` is not a member of the ModelTypes block above"))
}

/// `i in range(50):` -> ("i", 50).
fn parse_for(rest: &str) -> Option<(String, usize)> {
    let (var, rest) = rest.split_once(" in range(")?;
    let count = rest.strip_suffix("):")?.trim().parse().ok()?;
    let var = var.trim();
    (!var.is_empty() && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then(|| (var.to_string(), count))
}

/// `model_types_map[f"pre{i}post"] = ModelTypes.X` -> (pre, post, paradigm).
fn parse_loop_body(
    body: &str,
    var: &str,
    members: &HashMap<String, Paradigm>,
) -> Result<(String, String, Paradigm), String> {
    let bad = || {
        format!(
            "expected `model_types_map[f\"prefix{{{var}}}suffix\"] = ModelTypes.MEMBER`, got `{body}`"
        )
    };
    let rest = body.strip_prefix("model_types_map[f").ok_or_else(bad)?;
    let (key, value) = rest.split_once(']').ok_or_else(bad)?;
    let key = parse_string(key).ok_or_else(bad)?;
    let value = value.trim_start().strip_prefix('=').ok_or_else(bad)?.trim();
    let hole = format!("{{{var}}}");
    let (pre, post) = key.split_once(&hole).ok_or_else(bad)?;
    if pre.contains(['{', '}']) || post.contains(['{', '}']) {
        return Err(bad());
    }
    Ok((
        pre.to_string(),
        post.to_string(),
        member_ref(value, members)?,
    ))
}

/// Architecture family by name prefix: the shipped `data/families.tsv` plus the user's lines.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FamilyMap {
    /// (lower-case prefix, family); the user's entries first.
    entries: Vec<(String, String)>,
}

impl FamilyMap {
    /// The shipped map with `extra` (prefix, family) pairs taking precedence.
    pub fn new(extra: &[(String, String)]) -> Self {
        let shipped = parse_family_lines(include_str!("../../data/families.tsv"))
            .expect("the shipped family map parses");
        let mut entries: Vec<(String, String)> = extra
            .iter()
            .map(|(p, f)| (p.to_lowercase(), f.clone()))
            .collect();
        entries.extend(shipped);
        FamilyMap { entries }
    }

    /// The family of `model`: the longest matching prefix (user entries win ties), else `unknown`.
    pub fn family(&self, model: &str) -> &str {
        let lower = model.to_lowercase();
        let mut best: Option<&(String, String)> = None;
        for e in &self.entries {
            if lower.starts_with(&e.0) && best.is_none_or(|b| e.0.len() > b.0.len()) {
                best = Some(e);
            }
        }
        best.map_or("unknown", |e| e.1.as_str())
    }
}

/// Parses `prefix<TAB>family` lines (`#` comments, blank lines allowed); Err(line number).
pub fn parse_family_lines(text: &str) -> Result<Vec<(String, String)>, usize> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end();
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let (p, f) = line.split_once('\t').ok_or(i + 1)?;
        if p.trim().is_empty() || f.trim().is_empty() {
            return Err(i + 1);
        }
        out.push((p.trim().to_lowercase(), f.trim().to_string()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file in the toolkit's format, with made-up model names.
    const SAMPLE: &str = r#"""
A docstring.
"""

from enum import Enum

ZOO = ["a", "b"]

class ModelTypes(Enum):
    STANDARD = 'Supervised on ImageNet-1K'
    SELFSUPERVISED = 'Self-supervised'
    MORE_DATA = 'Supervised on more data'
    LOW_ACCURACY_CNN = 'Low Accuracy CNN'

model_types_map = {
'net-a': ModelTypes.STANDARD,
'Net_B': ModelTypes.MORE_DATA,	
"net c": ModelTypes.SELFSUPERVISED, 
# a comment
"net-d": ModelTypes.STANDARD
}

for i in range(3):
    model_types_map[f"small_{i}_epochs"] =  ModelTypes.LOW_ACCURACY_CNN

for k in range(2):
    print(k)
"#;

    #[test]
    fn parses_the_toolkits_format() {
        let m = ModelTypes::parse_py(SAMPLE).unwrap();
        assert_eq!(m.len(), 4 + 3);
        assert_eq!(m.get("net-a"), Some(Paradigm::Standard));
        assert_eq!(m.get("Net_B"), Some(Paradigm::MoreData));
        assert_eq!(m.get("net c"), Some(Paradigm::SelfSupervised));
        assert_eq!(m.get("net-d"), Some(Paradigm::Standard));
        assert_eq!(m.get("small_2_epochs"), Some(Paradigm::LowAccuracyCnn));
        assert_eq!(m.get("small_3_epochs"), None);
        assert_eq!(m.get("net_b"), None, "case-sensitive, as the toolkit");
    }

    #[test]
    fn rejects_what_it_does_not_understand() {
        let err = |from: &str, to: &str| {
            assert!(SAMPLE.contains(from), "{from}");
            ModelTypes::parse_py(&SAMPLE.replacen(from, to, 1)).unwrap_err()
        };
        let e = err(
            "'net-a': ModelTypes.STANDARD,",
            "'net-a': ModelTypes.STANDARD, 'x': ModelTypes.STANDARD,",
        );
        assert!(e.starts_with("line 16:"), "{e}");
        let e = err("ModelTypes.MORE_DATA,", "ModelTypes.LP_ADV,");
        assert!(e.contains("not a member"), "{e}");
        let e = err("'Supervised on more data'", "'More data'");
        assert!(e.contains("expected `Supervised on more data`"), "{e}");
        let e = err("    STANDARD =", "    PLAIN =");
        assert!(e.contains("unknown ModelTypes member `PLAIN`"), "{e}");
        let e = err("\"net c\"", "\"net\\c\"");
        assert!(e.contains("line 18:"), "{e}");
        let e = err("\"net-d\"", "'net-a'");
        assert!(e.contains("twice"), "{e}");
        let e = err("for i in range(3):", "for i in range(3, 5):");
        assert!(e.contains("range(N)"), "{e}");
        let e = err("{i}_epochs", "{i}_{i}_epochs");
        assert!(e.contains("line 24:"), "{e}");
        let e = err("\n}\n", "\n");
        assert!(e.contains("not closed"), "{e}");
        let e = err("ZOO = [", "model_types_map.update(x)\nZOO = [");
        assert!(e.contains("unsupported statement"), "{e}");
        assert!(
            ModelTypes::parse_py("x = 1\n")
                .unwrap_err()
                .contains("ModelTypes(Enum)")
        );
    }

    /// The real map, when `spillover annotations fetch` has cached it.
    #[test]
    fn the_fetched_toolkit_map() {
        let dir = spillover_factors::annotations::default_dir();
        let Some(m) = ModelTypes::from_cache(&dir).unwrap() else {
            eprintln!(
                "skipped: no model_types.py in {} (run `spillover annotations fetch`)",
                dir.display()
            );
            return;
        };
        // 237 named models and the toolkit's loops over 100 + 50 + 10 training lengths.
        assert_eq!(m.len(), 237 + 160);
        assert_eq!(m.get("resnet50"), Some(Paradigm::Standard));
        assert_eq!(m.get("DINO"), Some(Paradigm::SelfSupervised));
        assert_eq!(m.get("BiT-M-R50x1-ILSVRC2012"), Some(Paradigm::MoreData));
        assert_eq!(
            m.get("resnet18_100k_49_epochs"),
            Some(Paradigm::LowAccuracyCnn)
        );
        assert_eq!(m.get("resnet18_100k_50_epochs"), None);
        assert_eq!(m.get("ResNet50"), None);
    }

    #[test]
    fn longest_prefix_wins_and_user_lines_come_first() {
        let m = FamilyMap::new(&[]);
        assert_eq!(m.family("clipRN50"), "convolutional");
        assert_eq!(m.family("clip"), "transformer");
        assert_eq!(m.family("vit_base_patch16_224"), "transformer");
        assert_eq!(m.family("ResNet50"), "convolutional");
        assert_eq!(m.family("DINO"), "unknown");
        let m = FamilyMap::new(&[
            ("dino".into(), "transformer".into()),
            ("resnet".into(), "mine".into()),
        ]);
        assert_eq!(m.family("DINO"), "transformer");
        assert_eq!(m.family("resnet50"), "mine");
        assert_eq!(
            parse_family_lines("# c\nvit\ttransformer\nbad line\n"),
            Err(3)
        );
    }
}
