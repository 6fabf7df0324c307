//! Exactness against the official toolkit on the four real ImageNet models of
//! `../shared/reference` (DINO, ResNet50, SimCLR, ViT).

mod common;

use spillover_factors::annotations::WhichFactor;
use spillover_factors::eval::{
    ErrorType, EvalOptions, EvalSet, ModelScores, ScoreOptions, accuracy_table, error_ratios,
};
use spillover_factors::{Factor, pyfloat};

const MODELS: [&str; 4] = ["DINO", "ResNet50", "SimCLR", "ViT"];

fn score_models(set: &EvalSet, reference: &std::path::Path) -> Vec<ModelScores> {
    MODELS
        .iter()
        .map(|m| {
            let path = reference.join(format!("imagenetx/model_predictions/{m}.csv.gz"));
            set.score_file(m, &path, ScoreOptions::default()).unwrap()
        })
        .collect()
}

/// Every cell of the toolkit's `accuracies_per_factor.csv` (the paper's own `base` tables,
/// written by `python -m imagenet_x aggregate`) is reproduced to the last bit: compared as text.
#[test]
fn accuracy_tables_are_bit_identical_to_the_toolkit() {
    let Some(reference) = common::reference() else {
        return;
    };
    let annotations = common::imagenet_x();
    for which in [WhichFactor::Top, WhichFactor::Multi] {
        let set = EvalSet::load(
            &annotations,
            EvalOptions {
                which,
                ..Default::default()
            },
        )
        .unwrap();
        let mut scores = score_models(&set, &reference);
        for error_type in ErrorType::ALL {
            if error_type == ErrorType::RealClass {
                scores.push(set.human());
            }
            let refs: Vec<&ModelScores> = scores.iter().collect();
            let table = accuracy_table(&refs, error_type);
            let path = reference.join(format!(
                "imagenetx/results/val/{which}_factor/base/{error_type}/accuracies_per_factor.csv.gz"
            ));
            let (header, rows) = common::read_csv(&path);
            assert_eq!(header[0], "model");
            assert_eq!(rows.len(), table.len(), "{}", path.display());
            for (row, ours) in rows.iter().zip(&table) {
                let mut cells = vec![ours.model.clone()];
                cells.extend(ours.factors.iter().map(|v| pyfloat::repr(*v)));
                cells.extend(
                    [ours.worst_factor, ours.average, ours.worst_100_classes].map(pyfloat::repr),
                );
                assert_eq!(row, &cells, "{} {which} {error_type}", ours.model);
            }
        }
    }
}

/// The error ratios the toolkit's README publishes (6 significant digits; top factor,
/// prototypes filtered, class labels).
#[test]
fn error_ratios_match_the_toolkit_readme() {
    let Some(reference) = common::reference() else {
        return;
    };
    let annotations = common::imagenet_x();
    let set = EvalSet::load(&annotations, EvalOptions::default()).unwrap();
    let scores = score_models(&set, &reference);
    let refs: Vec<&ModelScores> = scores.iter().collect();
    let table = accuracy_table(&refs, ErrorType::Class);
    #[rustfmt::skip]
    let readme: [(&str, [f64; 16]); 4] = [
        ("DINO", [0.726197, 1.06799, 0.927478, 1.1779, 1.54369, 1.64228, 1.12906, 1.95486, 2.15032, 1.24805, 1.46777, 1.93051, 2.03486, 1.70361, 0.924938, 1.4244]),
        ("ResNet50", [0.694739, 1.1417, 0.771442, 1.18883, 1.49743, 1.74423, 1.13236, 2.10548, 2.39386, 1.31592, 1.71502, 1.92327, 2.17128, 1.92798, 1.16639, 1.97389]),
        ("SimCLR", [0.774029, 1.0867, 0.911171, 1.11955, 1.54176, 1.47304, 1.01247, 1.61814, 2.0584, 1.0121, 1.12238, 1.75552, 2.03412, 1.17686, 0.879497, 1.1907]),
        ("ViT", [0.74067, 1.09097, 0.862456, 1.15164, 1.64401, 1.53992, 0.917235, 2.01538, 2.04465, 1.29087, 1.83403, 1.98596, 1.93631, 1.60108, 0.782348, f64::NAN]),
    ];
    for ((model, expected), row) in readme.iter().zip(&table) {
        assert_eq!(&row.model, model);
        let ratios = error_ratios(row);
        for (f, (e, got)) in Factor::ALL.iter().zip(expected.iter().zip(ratios)) {
            if e.is_nan() {
                continue; // the README's table is cut off before ViT's last column
            }
            assert_eq!(
                format!("{got:.5e}"),
                format!("{e:.5e}"),
                "{model} {f}: {got} vs README {e}"
            );
            assert!(
                (got - e).abs() <= 5e-6 * e.abs().max(1.0),
                "{model} {f}: {got} vs {e}"
            );
        }
    }
    let resnet_pose = error_ratios(&table[1])[0];
    assert!(
        (resnet_pose - 0.694739033548185).abs() < 1e-12,
        "full precision from the toolkit: {resnet_pose}"
    );
}
