//! Exactness against the official toolkit on prediction files spillover generates.
//!
//! `scripts/toolkit-oracle.sh` ran imagenet-x 0.0.7 (numpy 1.23.5, pandas 1.5.3) on the same
//! generated models and wrote its tables to `tests/oracle/`. The generated models include one
//! that predicts a single class (groups without a correct prediction), probabilities on
//! calibration-bin edges, 0 and 1, shuffled rows and unannotated images.

mod common;

use spillover_factors::annotations::{Partition, WhichFactor};
use spillover_factors::eval::{
    ErrorType, EvalOptions, EvalSet, ModelScores, ScoreOptions, accuracy_table, calibration_table,
    error_ratios, metaclass_table,
};
use spillover_factors::example::{ExampleSpec, write_example_files};
use spillover_factors::predictions::expand_inputs;
use spillover_factors::pyfloat::repr;
use std::path::{Path, PathBuf};

fn oracle(name: &str) -> (Vec<String>, Vec<Vec<String>>) {
    common::read_csv(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/oracle")
            .join(name),
    )
}

fn cell(v: f64) -> String {
    if v.is_nan() { String::new() } else { repr(v) }
}

/// Compares our rows with the toolkit's: text identical, or within `tol`; returns the number of
/// cells that were not identical.
fn compare(name: &str, ours: &[Vec<String>], tol: f64) -> usize {
    let (_, theirs) = oracle(name);
    assert_eq!(theirs.len(), ours.len(), "{name}: row count");
    let mut inexact = 0;
    for (t, o) in theirs.iter().zip(ours) {
        assert_eq!(t.len(), o.len(), "{name}");
        for (a, b) in t.iter().zip(o) {
            if a != b {
                let (x, y): (f64, f64) = (a.parse().unwrap(), b.parse().unwrap());
                assert!(
                    (x - y).abs() <= tol,
                    "{name}: toolkit {a}, ours {b} (row {t:?})"
                );
                inexact += 1;
            }
        }
    }
    inexact
}

fn score_dir(set: &EvalSet, dir: &Path) -> Vec<ModelScores> {
    expand_inputs(&[dir.to_path_buf()])
        .unwrap()
        .iter()
        .map(|(m, p)| set.score_file(m, p, ScoreOptions::default()).unwrap())
        .collect()
}

fn check(tag: &str, set: &EvalSet, scores: &[ModelScores], types: &[ErrorType]) {
    for &t in types {
        let human = (t == ErrorType::RealClass).then(|| set.human());
        let models: Vec<&ModelScores> = scores.iter().chain(human.as_ref()).collect();
        let table = accuracy_table(&models, t);
        let rows: Vec<Vec<String>> = table
            .iter()
            .map(|r| {
                let mut v = vec![r.model.clone()];
                v.extend(r.factors.iter().map(|x| cell(*x)));
                v.extend([r.worst_factor, r.average, r.worst_100_classes].map(cell));
                v
            })
            .collect();
        assert_eq!(compare(&format!("{tag}_{t}_accuracies.csv"), &rows, 0.0), 0);
        let ratios: Vec<Vec<String>> = table
            .iter()
            .map(|r| {
                std::iter::once(r.model.clone())
                    .chain(error_ratios(r).iter().map(|x| cell(*x)))
                    .collect()
            })
            .collect();
        assert_eq!(
            compare(&format!("{tag}_{t}_error_ratios.csv"), &ratios, 0.0),
            0
        );
        if set.options.partition == Partition::Val && !tag.contains("_all") {
            let meta: Vec<Vec<String>> = metaclass_table(&models, t)
                .iter()
                .map(|r| {
                    let mut v = vec![r.model.clone(), r.metaclass.to_string()];
                    v.extend(r.factors.iter().map(|x| cell(*x)));
                    v.extend([r.worst_factor, r.average].map(cell));
                    v
                })
                .collect();
            assert_eq!(compare(&format!("{tag}_{t}_metaclass.csv"), &meta, 0.0), 0);
            let cal: Vec<Vec<String>> = calibration_table(&models, t)
                .iter()
                .map(|r| {
                    let mut v = vec![r.model.clone()];
                    v.extend(r.factors.iter().map(|x| cell(*x)));
                    v.extend([r.worst_factor, r.average].map(cell));
                    v
                })
                .collect();
            // Bit-identical too: probabilities are parsed the way pandas parses them.
            assert_eq!(compare(&format!("{tag}_{t}_calibration.csv"), &cal, 0.0), 0);
        }
    }
}

#[test]
fn validation_tables_match_the_toolkit() {
    let annotations = common::imagenet_x();
    let tmp = tempfile::tempdir().unwrap();
    let spec = ExampleSpec {
        count: 6,
        seed: 7,
        edge_cases: true,
        shuffle: true,
    };
    write_example_files(&annotations, Partition::Val, tmp.path(), &spec, false).unwrap();
    for which in [WhichFactor::Top, WhichFactor::Multi] {
        for filter_prototypes in [true, false] {
            let set = EvalSet::load(
                &annotations,
                EvalOptions {
                    partition: Partition::Val,
                    which,
                    filter_prototypes,
                },
            )
            .unwrap();
            let scores = score_dir(&set, tmp.path());
            let tag = format!(
                "val_{which}_{}",
                if filter_prototypes { "filtered" } else { "all" }
            );
            let types: &[ErrorType] = if filter_prototypes {
                &ErrorType::ALL
            } else {
                &[ErrorType::Class]
            };
            check(&tag, &set, &scores, types);
        }
    }
}

#[test]
fn training_partition_tables_match_the_toolkit() {
    let annotations = common::imagenet_x();
    let tmp = tempfile::tempdir().unwrap();
    let spec = ExampleSpec {
        count: 3,
        seed: 11,
        edge_cases: false,
        shuffle: true,
    };
    write_example_files(&annotations, Partition::Train, tmp.path(), &spec, true).unwrap();
    for which in [WhichFactor::Top, WhichFactor::Multi] {
        let set = EvalSet::load(
            &annotations,
            EvalOptions {
                partition: Partition::Train,
                which,
                filter_prototypes: true,
            },
        )
        .unwrap();
        assert!(!set.has_real_labels());
        let scores = score_dir(&set, tmp.path());
        check(
            &format!("train_{which}_filtered"),
            &set,
            &scores,
            &[ErrorType::Class, ErrorType::Metaclass],
        );
    }
}

/// Without calibration, probabilities are only validated (not converted): the accuracy tables
/// must not change.
#[test]
fn skipping_calibration_changes_no_accuracy() {
    let annotations = common::imagenet_x();
    let tmp = tempfile::tempdir().unwrap();
    let spec = ExampleSpec {
        count: 2,
        seed: 3,
        edge_cases: false,
        shuffle: true,
    };
    let files =
        write_example_files(&annotations, Partition::Val, tmp.path(), &spec, false).unwrap();
    let set = EvalSet::load(&annotations, EvalOptions::default()).unwrap();
    let fast = ScoreOptions {
        calibration: false,
        ..ScoreOptions::default()
    };
    for path in &files {
        let with = set.score_file("m", path, ScoreOptions::default()).unwrap();
        let without = set.score_file("m", path, fast).unwrap();
        for t in ErrorType::ALL {
            assert_eq!(accuracy_table(&[&with], t), accuracy_table(&[&without], t));
            assert!(calibration_table(&[&without], t)[0].average.is_nan());
        }
    }
}
