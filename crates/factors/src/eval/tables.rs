//! The toolkit's tables, computed from [`ModelScores`].

use super::npsort::argsort_quicksort;
use super::score::Counts;
use super::{ErrorType, ModelScores};
use crate::factor::{METACLASSES, NUM_FACTORS};

/// A row of `accuracies_per_factor.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct AccuracyRow {
    pub model: String,
    /// Accuracy on images with each factor, in `Factor::ALL` order (NaN: no image / quirk below).
    pub factors: [f64; NUM_FACTORS],
    /// Minimum over the factors, NaN ignored (pandas `min(axis=1)`).
    pub worst_factor: f64,
    /// Accuracy over all used images.
    pub average: f64,
    /// Accuracy over the images of the model's 100 worst classes.
    pub worst_100_classes: f64,
}

/// A row of `accuracies_per_factor_metaclass.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct MetaclassRow {
    pub model: String,
    pub metaclass: &'static str,
    pub factors: [f64; NUM_FACTORS],
    pub worst_factor: f64,
    pub average: f64,
}

/// Per-factor expected calibration error (15 bins); `worst_factor` is the maximum, `average`
/// the ECE over all used images.
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationRow {
    pub model: String,
    pub factors: [f64; NUM_FACTORS],
    pub worst_factor: f64,
    pub average: f64,
}

fn ratio(num: u64, den: u64) -> f64 {
    num as f64 / den as f64
}

/// Factor accuracies of one group. Quirk kept from the toolkit: it sums factors over the
/// *correct* rows grouped by model, so a group without any correct prediction is missing from
/// that sum and all its factor accuracies become NaN (not 0).
fn factor_accuracies(c: &Counts) -> [f64; NUM_FACTORS] {
    std::array::from_fn(|f| {
        if c.correct == 0 {
            f64::NAN
        } else {
            ratio(c.factor_correct[f], c.factor_total[f])
        }
    })
}

fn nan_min(values: &[f64]) -> f64 {
    values
        .iter()
        .copied()
        .filter(|v| !v.is_nan())
        .reduce(f64::min)
        .unwrap_or(f64::NAN)
}

fn nan_max(values: &[f64]) -> f64 {
    values
        .iter()
        .copied()
        .filter(|v| !v.is_nan())
        .reduce(f64::max)
        .unwrap_or(f64::NAN)
}

/// The toolkit's `worst_k_class_acc`: per-class accuracies of all models are sorted together
/// (models in name order, classes in index order) with NumPy's quicksort; each model keeps its
/// first `k` classes, and the accuracy over their images is returned, per model in input order.
pub fn worst_k_classes(models: &[&ModelScores], error_type: ErrorType, k: usize) -> Vec<f64> {
    let mut order: Vec<usize> = (0..models.len()).collect();
    order.sort_by(|&a, &b| models[a].model.cmp(&models[b].model));
    // (model position, class) of every (model, class) group, in group-by order.
    let mut keys = Vec::new();
    let mut acc = Vec::new();
    for &m in &order {
        let s = models[m];
        let correct = &s.get(error_type).class_correct;
        for (class, &total) in s.class_total.iter().enumerate() {
            if total > 0 {
                keys.push((m, class));
                acc.push(f64::from(correct[class]) / f64::from(total));
            }
        }
    }
    let mut taken = vec![0usize; models.len()];
    let mut sums = vec![(0u64, 0u64); models.len()];
    for i in argsort_quicksort(&acc) {
        let (m, class) = keys[i];
        if taken[m] < k {
            taken[m] += 1;
            sums[m].0 += u64::from(models[m].get(error_type).class_correct[class]);
            sums[m].1 += u64::from(models[m].class_total[class]);
        }
    }
    sums.iter().map(|&(c, t)| ratio(c, t)).collect()
}

/// The accuracies table (`compute_factor_accuracies` + `worst_100_classes`), rows sorted by model
/// name as pandas' group-by does.
pub fn accuracy_table(models: &[&ModelScores], error_type: ErrorType) -> Vec<AccuracyRow> {
    let worst = worst_k_classes(models, error_type, 100);
    let mut rows: Vec<AccuracyRow> = models
        .iter()
        .zip(worst)
        .map(|(s, worst_100_classes)| {
            let c = &s.get(error_type).all;
            let factors = factor_accuracies(c);
            AccuracyRow {
                model: s.model.clone(),
                worst_factor: nan_min(&factors),
                factors,
                average: ratio(c.correct, c.total),
                worst_100_classes,
            }
        })
        .collect();
    rows.sort_by(|a, b| a.model.cmp(&b.model));
    rows
}

/// The per-metaclass table: metaclasses in the toolkit's order, models by name within each;
/// (model, metaclass) groups without images are omitted.
pub fn metaclass_table(models: &[&ModelScores], error_type: ErrorType) -> Vec<MetaclassRow> {
    let mut sorted: Vec<&ModelScores> = models.to_vec();
    sorted.sort_by(|a, b| a.model.cmp(&b.model));
    let mut rows = Vec::new();
    for (m, name) in METACLASSES.iter().enumerate() {
        for s in &sorted {
            let c = &s.get(error_type).by_metaclass[m];
            if c.total == 0 {
                continue;
            }
            let factors = factor_accuracies(c);
            rows.push(MetaclassRow {
                model: s.model.clone(),
                metaclass: name,
                worst_factor: nan_min(&factors),
                factors,
                average: ratio(c.correct, c.total),
            });
        }
    }
    rows
}

/// Per-factor expected calibration error (`compute_factor_calibration_errors`).
pub fn calibration_table(models: &[&ModelScores], error_type: ErrorType) -> Vec<CalibrationRow> {
    let mut rows: Vec<CalibrationRow> = models
        .iter()
        .map(|s| {
            let t = s.get(error_type);
            let factors: [f64; NUM_FACTORS] =
                std::array::from_fn(|f| t.calibration_by_factor[f].ece());
            CalibrationRow {
                model: s.model.clone(),
                worst_factor: nan_max(&factors),
                factors,
                average: t.calibration_all.ece(),
            }
        })
        .collect();
    rows.sort_by(|a, b| a.model.cmp(&b.model));
    rows
}

/// The toolkit's `error_ratio`: `(1 - factor accuracy) / (1 - average)` per factor.
pub fn error_ratios(row: &AccuracyRow) -> [f64; NUM_FACTORS] {
    row.factors.map(|a| (1.0 - a) / (1.0 - row.average))
}
