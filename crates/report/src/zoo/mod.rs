//! The model-zoo report: error ratios of many models, grouped by learning paradigm and by
//! architecture family, with the toolkit's group test per factor (Alexander–Govern), the share
//! of models with error ratio above 1, and the correlation of error ratios across models.

mod maps;

pub use maps::{FamilyMap, ModelTypes, Paradigm, parse_family_lines};

use spillover_factors::stats::{holm, mean, variance};
use spillover_factors::{Factor, NUM_FACTORS};

use crate::input::RunRecord;
use crate::stats::{alexander_govern, spearman};

/// Fewest models of the compared paradigms for the summaries to use only them.
const MIN_CORE: usize = 10;

/// One model of the zoo.
#[derive(Debug, Clone, PartialEq)]
pub struct ZooModel {
    pub run: RunRecord,
    /// The table or file it came from.
    pub source: String,
    pub paradigm: Option<Paradigm>,
    pub family: String,
}

/// Means per group and the test of equal means, for one factor.
#[derive(Debug, Clone, PartialEq)]
pub struct FactorGroups {
    pub factor: Factor,
    /// Per group: mean and standard deviation of the error ratio.
    pub mean: Vec<f64>,
    pub sd: Vec<f64>,
    pub p: f64,
    pub p_holm: f64,
}

/// A comparison of groups of models across the 16 factors.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupComparison {
    /// What the groups are (`learning paradigm`, `architecture family`).
    pub by: String,
    /// Group names and the indices of their models in [`Zoo::models`].
    pub groups: Vec<(String, Vec<usize>)>,
    pub factors: Vec<FactorGroups>,
}

/// The zoo and what is computed from it.
#[derive(Debug, Clone, PartialEq)]
pub struct Zoo {
    pub models: Vec<ZooModel>,
    pub notes: Vec<String>,
    /// The models the summaries are over: those of the toolkit's four compared paradigms when
    /// there are at least 10, else all.
    pub core: Vec<usize>,
    /// Share of [`Zoo::core`] models with error ratio > 1, per factor.
    pub share_above_one: Vec<f64>,
    pub mean_er: Vec<f64>,
    /// Factors by mean error ratio, ascending (the toolkit's bar order).
    pub order: Vec<Factor>,
    pub paradigm: GroupComparison,
    pub family: GroupComparison,
    /// Spearman correlation of error ratios across the core models, factor x factor.
    pub er_correlation: Vec<Vec<f64>>,
}

impl Zoo {
    /// Builds the zoo from (source, run) pairs; a model name seen twice keeps its first row.
    /// Without `model_types` (the toolkit's map not fetched) no model has a paradigm: there is
    /// no paradigm comparison and the summaries are over every model.
    pub fn new(
        models: Vec<(String, RunRecord)>,
        families: &FamilyMap,
        model_types: Option<&ModelTypes>,
    ) -> Zoo {
        let mut notes = Vec::new();
        let mut kept: Vec<ZooModel> = Vec::new();
        let mut dupes = Vec::new();
        for (source, run) in models {
            if run.name.eq_ignore_ascii_case("human") {
                continue;
            }
            if kept.iter().any(|m| m.run.name == run.name) {
                dupes.push(run.name);
                continue;
            }
            kept.push(ZooModel {
                paradigm: model_types.and_then(|m| m.get(&run.name)),
                family: families.family(&run.name).to_string(),
                run,
                source,
            });
        }
        if !dupes.is_empty() {
            notes.push(format!(
                "{} model(s) appear in more than one input; the first row is kept: {}",
                dupes.len(),
                dupes.join(", ")
            ));
        }
        let er = |m: &ZooModel, f: Factor| m.run.error_ratio(f);
        // The toolkit's analyses keep its four compared paradigms (low-accuracy CNNs, random
        // features, ... would otherwise dominate); a zoo without them uses every model.
        let compared: Vec<usize> = (0..kept.len())
            .filter(|&i| {
                kept[i]
                    .paradigm
                    .is_some_and(|p| Paradigm::COMPARED.contains(&p))
            })
            .collect();
        let core: Vec<usize> = if compared.len() >= MIN_CORE {
            compared
        } else {
            (0..kept.len()).collect()
        };
        let per_factor = |f: Factor| -> Vec<f64> {
            core.iter()
                .map(|&i| er(&kept[i], f))
                .filter(|v| v.is_finite())
                .collect()
        };
        let share_above_one: Vec<f64> = Factor::ALL
            .iter()
            .map(|&f| {
                let v = per_factor(f);
                v.iter().filter(|&&x| x > 1.0).count() as f64 / v.len() as f64
            })
            .collect();
        let mean_er: Vec<f64> = Factor::ALL.iter().map(|&f| mean(&per_factor(f))).collect();
        let mut order = Factor::ALL.to_vec();
        order.sort_by(|a, b| mean_er[a.index()].total_cmp(&mean_er[b.index()]));

        let paradigm_groups: Vec<(String, Vec<usize>)> = Paradigm::COMPARED
            .iter()
            .map(|p| {
                let idx = (0..kept.len())
                    .filter(|&i| kept[i].paradigm == Some(*p))
                    .collect();
                (p.label().to_string(), idx)
            })
            .collect();
        let mut family_names: Vec<String> = kept.iter().map(|m| m.family.clone()).collect();
        family_names.sort();
        family_names.dedup();
        family_names.retain(|f| f != "unknown" && f != "other");
        let family_groups: Vec<(String, Vec<usize>)> = family_names
            .into_iter()
            .map(|f| {
                let idx = core
                    .iter()
                    .copied()
                    .filter(|&i| kept[i].family == f)
                    .collect();
                (f, idx)
            })
            .collect();
        let untyped = kept.iter().filter(|m| m.paradigm.is_none()).count();
        if model_types.is_none() {
            notes.push(format!(
                "no learning-paradigm grouping: the imagenet-x toolkit's model-type map is not available (run `spillover annotations fetch`); summaries are over all {} models",
                kept.len()
            ));
        } else if untyped > 0 {
            notes.push(format!(
                "{untyped} model(s) are not in the toolkit's paradigm map (left out of the paradigm comparison)"
            ));
        }
        let er_correlation = Factor::ALL
            .iter()
            .map(|&a| {
                Factor::ALL
                    .iter()
                    .map(|&b| {
                        let pairs: (Vec<f64>, Vec<f64>) = core
                            .iter()
                            .map(|&i| (er(&kept[i], a), er(&kept[i], b)))
                            .filter(|(x, y)| x.is_finite() && y.is_finite())
                            .unzip();
                        spearman(&pairs.0, &pairs.1).0
                    })
                    .collect()
            })
            .collect();
        let paradigm = compare(&kept, "learning paradigm", paradigm_groups);
        let family = compare(&kept, "architecture family", family_groups);
        Zoo {
            models: kept,
            core,
            notes,
            share_above_one,
            mean_er,
            order,
            paradigm,
            family,
            er_correlation,
        }
    }

    /// Factors with error ratio > 1 for at least `share` of the core models, hardest first.
    /// What the core models are, for captions.
    pub fn core_label(&self) -> String {
        if self.core.len() == self.models.len() {
            format!("{} models", self.models.len())
        } else {
            format!(
                "{} models of the toolkit's four compared paradigms",
                self.core.len()
            )
        }
    }

    pub fn hardest(&self, share: f64) -> Vec<(Factor, f64)> {
        let mut v: Vec<(Factor, f64)> = Factor::ALL
            .iter()
            .map(|&f| (f, self.share_above_one[f.index()]))
            .filter(|p| p.1 >= share)
            .collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1));
        v
    }
}

/// Per factor: group means and SDs of the error ratio and the Alexander–Govern test; Holm over
/// the 16 factors. Groups with no models are dropped.
fn compare(models: &[ZooModel], by: &str, groups: Vec<(String, Vec<usize>)>) -> GroupComparison {
    let groups: Vec<(String, Vec<usize>)> =
        groups.into_iter().filter(|g| !g.1.is_empty()).collect();
    let mut factors: Vec<FactorGroups> = Factor::ALL
        .iter()
        .map(|&f| {
            let values: Vec<Vec<f64>> = groups
                .iter()
                .map(|(_, idx)| {
                    idx.iter()
                        .map(|&i| models[i].run.error_ratio(f))
                        .filter(|v| v.is_finite())
                        .collect()
                })
                .collect();
            let slices: Vec<&[f64]> = values.iter().map(|v| v.as_slice()).collect();
            FactorGroups {
                factor: f,
                mean: values.iter().map(|v| mean(v)).collect(),
                sd: values.iter().map(|v| variance(v, 1).sqrt()).collect(),
                p: alexander_govern(&slices),
                p_holm: f64::NAN,
            }
        })
        .collect();
    let p: Vec<f64> = factors.iter().map(|f| f.p).collect();
    for (f, h) in factors.iter_mut().zip(holm(&p)) {
        f.p_holm = h;
    }
    debug_assert_eq!(factors.len(), NUM_FACTORS);
    GroupComparison {
        by: by.to_string(),
        groups,
        factors,
    }
}
