//! Bitwise reproducibility: the same seed gives the same predictions, and a resumed run ends
//! exactly where an uninterrupted one does (weights, predictions, metrics).
//!
//! Flex sums large tensors (over 64K elements) with rayon's parallel `sum`, whose order rayon
//! leaves unspecified, so a float sum may differ in its last bit between runs. These tests run
//! on one thread, which rules that out and leaves every remaining difference to the training
//! loop: seeding, data order, RNG and optimizer state, schedule position.

mod common;

use common::{TINY_RESNET, dataset, flex, max_diff, patterns, weights};
use spillover_train::{RunOptions, TrainConfig, run};

fn one_thread() {
    static POOL: std::sync::Once = std::sync::Once::new();
    POOL.call_once(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build_global()
            .expect("first use of the global pool");
    });
}

fn config(text: &str, sets: &[&str]) -> TrainConfig {
    one_thread();
    common::config(text, sets)
}

#[test]
fn same_seed_gives_identical_predictions() {
    let data = dataset(patterns(128, 4, 8, 3), patterns(64, 4, 8, 4), 4, 8);
    let cfg = config(TINY_RESNET, &["train.epochs=2"]);
    let csv = |cfg: &TrainConfig| {
        let dir = tempfile::tempdir().unwrap();
        run(cfg, &data, dir.path(), &flex()).unwrap();
        std::fs::read_to_string(dir.path().join("predictions.csv")).unwrap()
    };
    let a = csv(&cfg);
    assert_eq!(a, csv(&cfg));
    assert_ne!(
        a,
        csv(&config(TINY_RESNET, &["train.epochs=2", "train.seed=1"]))
    );
}

#[test]
fn resume_ends_with_the_weights_of_an_uninterrupted_run() {
    let data = dataset(patterns(96, 4, 8, 5), patterns(32, 4, 8, 6), 4, 8);
    // Momentum state, a warm-up and a cosine schedule: all must survive the restart.
    let cfg = config(
        TINY_RESNET,
        &["schedule.warmup_epochs=1", "optim.nesterov=true"],
    );
    let straight_dir = tempfile::tempdir().unwrap();
    let straight = run(&cfg, &data, straight_dir.path(), &flex()).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let first = run(
        &cfg,
        &data,
        dir.path(),
        &RunOptions {
            stop_after: Some(1),
            ..flex()
        },
    )
    .unwrap();
    assert!(!first.finished && first.predictions.is_none());
    assert_eq!(first.history.len(), 1);
    let resumed = run(
        &cfg,
        &data,
        dir.path(),
        &RunOptions {
            resume: true,
            ..flex()
        },
    )
    .unwrap();
    assert!(resumed.finished);
    // The same metrics epoch by epoch (throughput aside, which is wall-clock). Epochs before
    // the restart come back from state.json, whose float parsing (serde_json without
    // `float_roundtrip`) may be one ulp off, so those compare to 1e-12.
    assert_eq!(resumed.history.len(), straight.history.len());
    for (r, s) in resumed.history.iter().zip(&straight.history) {
        let pairs = [
            (r.lr, s.lr),
            (r.train_loss, s.train_loss),
            (r.train_top1, s.train_top1),
            (r.eval_loss.unwrap(), s.eval_loss.unwrap()),
            (r.eval_top1.unwrap(), s.eval_top1.unwrap()),
            (r.eval_top5.unwrap(), s.eval_top5.unwrap()),
        ];
        assert!(
            pairs
                .iter()
                .all(|(a, b)| (a - b).abs() <= 1e-12 * b.abs().max(1.0)),
            "{r:?} vs {s:?}"
        );
    }
    // The epoch trained after the restart reproduces the uninterrupted one to the bit.
    assert_eq!(
        resumed.history.last().map(|r| r.eval_loss),
        straight.history.last().map(|r| r.eval_loss)
    );
    assert_eq!(
        max_diff(&weights(&straight.model), &weights(&resumed.model)),
        0.0
    );
    assert_eq!(
        std::fs::read_to_string(straight_dir.path().join("predictions.csv")).unwrap(),
        std::fs::read_to_string(dir.path().join("predictions.csv")).unwrap()
    );
}
