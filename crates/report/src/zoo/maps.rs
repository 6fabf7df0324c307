//! Who a zoo model is: its learning paradigm (the toolkit's `model_types_map`) and its
//! architecture family (a prefix map users can extend).

use std::collections::HashMap;
use std::sync::OnceLock;

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

    fn from_key(key: &str) -> Option<Paradigm> {
        Some(match key {
            "standard" => Paradigm::Standard,
            "self_supervised" => Paradigm::SelfSupervised,
            "more_data" => Paradigm::MoreData,
            "lp_adversarial" => Paradigm::LpAdversarial,
            "robustness_intervention" => Paradigm::RobustnessIntervention,
            "random_features" => Paradigm::RandomFeatures,
            "linear_pixels" => Paradigm::LinearPixels,
            "random_forests" => Paradigm::RandomForests,
            "nearest_neighbors" => Paradigm::NearestNeighbors,
            "low_accuracy_cnn" => Paradigm::LowAccuracyCnn,
            _ => return None,
        })
    }

    /// The paradigm of a model name, exactly as the toolkit's map (case-sensitive).
    pub fn of(model: &str) -> Option<Paradigm> {
        static MAP: OnceLock<HashMap<String, Paradigm>> = OnceLock::new();
        let map = MAP.get_or_init(|| {
            let mut m: HashMap<String, Paradigm> = include_str!("../../data/model_types.tsv")
                .lines()
                .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
                .filter_map(|l| {
                    let (name, key) = l.split_once('\t')?;
                    Some((name.to_string(), Paradigm::from_key(key.trim())?))
                })
                .collect();
            // The toolkit's loops over training epochs.
            let low = Paradigm::LowAccuracyCnn;
            m.extend((0..100).map(|i| (format!("resnet18_50k_{i}_epochs"), low)));
            m.extend((0..50).map(|i| (format!("resnet18_100k_{i}_epochs"), low)));
            m.extend((0..10).map(|i| (format!("resnet101_{i}_epochs"), low)));
            m
        });
        map.get(model).copied()
    }
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

    #[test]
    fn paradigms_follow_the_toolkit_map() {
        assert_eq!(Paradigm::of("resnet50"), Some(Paradigm::Standard));
        assert_eq!(Paradigm::of("DINO"), Some(Paradigm::SelfSupervised));
        assert_eq!(
            Paradigm::of("BiT-M-R50x1-ILSVRC2012"),
            Some(Paradigm::MoreData)
        );
        assert_eq!(
            Paradigm::of("resnet18_100k_49_epochs"),
            Some(Paradigm::LowAccuracyCnn)
        );
        assert_eq!(Paradigm::of("resnet18_100k_50_epochs"), None);
        assert_eq!(
            Paradigm::of("ResNet50"),
            None,
            "case-sensitive, as the toolkit"
        );
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
