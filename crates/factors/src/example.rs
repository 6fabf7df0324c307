//! Example prediction files generated from an annotation set, for the demo, the toolkit oracle
//! and benchmarks. A generated model is right on an image with a probability that depends on the
//! image's factors (so error ratios differ from 1 the way real models' do), confuses within the
//! metaclass half the time, and reports a calibrated-looking probability.
//!
//! Generated files also exercise the toolkit's edge cases on purpose: probabilities exactly on
//! calibration-bin edges, 0 and 1, rows in shuffled order, and (for `edge_cases`) a model that
//! predicts a single class, which leaves whole metaclasses without a correct prediction.

use crate::eval::EvalSet;
use crate::factor::{Factor, NUM_FACTORS};
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;

/// How hard each factor makes an image for generated models (added to the error logit).
const FACTOR_DIFFICULTY: [f64; NUM_FACTORS] = [
    -0.6, 0.1, -0.3, 0.2, 0.6, 0.7, 0.1, 0.9, 1.0, 0.3, 0.6, 0.8, 0.9, 0.7, -0.1, 0.5,
];

/// One generated model.
#[derive(Debug, Clone, PartialEq)]
pub struct ExampleModel {
    pub name: String,
    /// Rows `(file_name, predicted_class, predicted_probability)` in shuffled order.
    pub rows: Vec<(String, u32, f64)>,
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExampleSpec {
    pub count: usize,
    pub seed: u64,
    /// Model 0 predicts a single class.
    pub edge_cases: bool,
    /// Shuffle the rows (default); `false` keeps the order of the names, which for val is
    /// `filename_label.csv` order, the only order the toolkit's own loader accepts.
    pub shuffle: bool,
}

/// Generates `spec.count` models over `set`'s images (plus, with `all_names`, over every known
/// image such as unannotated validation images). Deterministic in `spec.seed`.
pub fn example_models(
    set: &EvalSet,
    spec: &ExampleSpec,
    all_names: &[String],
) -> Vec<ExampleModel> {
    let ExampleSpec {
        count,
        seed,
        edge_cases,
        shuffle,
    } = *spec;
    let names: Vec<&str> = if all_names.is_empty() {
        set.names.iter().map(String::as_str).collect()
    } else {
        all_names.iter().map(String::as_str).collect()
    };
    let label_of: rustc_hash::FxHashMap<&str, usize> = set
        .names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let nc = set.num_classes as usize;
    let mut same_meta: Vec<Vec<u32>> = vec![Vec::new(); crate::METACLASSES.len()];
    for (c, &m) in set.class_metaclass.iter().enumerate() {
        same_meta[m as usize].push(c as u32);
    }
    (0..count)
        .map(|m| {
            let mut rng =
                Pcg64::seed_from_u64(seed ^ (m as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let skill = 0.4 + 1.6 * (m as f64 + 0.5) / count.max(1) as f64;
            let constant = edge_cases && m == 0;
            let mut rows: Vec<(String, u32, f64)> = names
                .iter()
                .map(|&name| {
                    let label = label_of.get(name).map(|&i| set.class[i] as usize);
                    let difficulty: f64 = label_of.get(name).map_or(0.0, |&i| {
                        set.factors[i]
                            .iter()
                            .map(|f: Factor| FACTOR_DIFFICULTY[f.index()])
                            .sum()
                    });
                    let p_correct = sigmoid(skill - difficulty);
                    let truth = label.unwrap_or_else(|| rng.random_range(0..nc));
                    let correct = rng.random::<f64>() < p_correct;
                    let class = if constant {
                        0
                    } else if correct {
                        truth as u32
                    } else if rng.random::<bool>() {
                        let pool = &same_meta[set.class_metaclass[truth] as usize];
                        pool[rng.random_range(0..pool.len())]
                    } else {
                        rng.random_range(0..nc) as u32
                    };
                    let prob = match rng.random_range(0..20) {
                        0 => f64::from(rng.random_range(0..=15u32)) / 15.0,
                        1 => 1.0,
                        2 => 0.0,
                        _ => (p_correct + 0.3 * (rng.random::<f64>() - 0.5)).clamp(0.0, 1.0),
                    };
                    (name.to_string(), class, prob)
                })
                .collect();
            if shuffle {
                for i in (1..rows.len()).rev() {
                    rows.swap(i, rng.random_range(0..=i));
                }
            }
            ExampleModel {
                name: format!("example_model_{m:03}"),
                rows,
            }
        })
        .collect()
}

/// Writes `count` example models for `partition` of `dir` as prediction files in `out`
/// (`example_model_NNN.csv[.gz]`). For val, every validation image gets a prediction, annotated
/// or not, as a real model's file would. Returns the paths.
pub fn write_example_files(
    dir: &crate::annotations::AnnotationDir,
    partition: crate::annotations::Partition,
    out: &std::path::Path,
    spec: &ExampleSpec,
    gzip: bool,
) -> Result<Vec<std::path::PathBuf>, crate::eval::EvalError> {
    use crate::annotations::{AnnotationError, Partition, WhichFactor};
    use crate::eval::EvalOptions;
    let options = EvalOptions {
        partition,
        which: WhichFactor::Top,
        filter_prototypes: false,
    };
    let set = EvalSet::load(dir, options)?;
    let all_names: Vec<String> = match partition {
        Partition::Val => dir.val_labels()?.into_iter().map(|(n, _)| n).collect(),
        Partition::Train => vec![],
    };
    let ext = if gzip { "csv.gz" } else { "csv" };
    example_models(&set, spec, &all_names)
        .into_iter()
        .map(|model| {
            let path = out.join(format!("{}.{ext}", model.name));
            crate::predictions::write_predictions_csv(
                &path,
                model.rows.iter().map(|(n, c, p)| (n.as_str(), *c, *p)),
            )
            .map_err(|e| AnnotationError::Io {
                path: path.clone(),
                cause: e,
            })?;
            Ok(path)
        })
        .collect()
}
