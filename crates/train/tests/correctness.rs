//! Correctness of training on the CPU backend (flex), end to end through `spillover_train::run`.

mod common;

use common::{dataset, max_diff, noise, patterns, weights};
use spillover_train::{BackendChoice, RunOptions, TrainConfig, run};

fn config(text: &str, sets: &[&str]) -> TrainConfig {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    TrainConfig::parse(text, "test.toml", &sets).unwrap()
}

const TINY_RESNET: &str = r#"
[model]
arch = "resnet18"
small_input = true
width = 4
[optim]
kind = "sgd"
lr = 0.05
momentum = 0.9
weight_decay = 5e-4
[train]
epochs = 3
batch_size = 32
eval_batch_size = 64
image_grid = 4
"#;

fn flex() -> RunOptions {
    RunOptions {
        backend: BackendChoice::Flex,
        ..RunOptions::default()
    }
}

#[test]
fn overfits_a_tiny_batch_to_100_percent() {
    // 16 noise images with random labels: only memorisation gets them right.
    let train = noise(16, 4, 8, 1);
    let data = dataset(train.clone(), train, 4, 8);
    let cfg = config(
        TINY_RESNET,
        &[
            "model.width=8",
            "optim.kind=adamw",
            "optim.lr=0.01",
            "optim.weight_decay=0.0",
            "train.batch_size=16",
            "train.epochs=60",
            "schedule.kind=constant",
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let out = run(&cfg, &data, dir.path(), &flex()).unwrap();
    let last = out.history.last().unwrap();
    assert_eq!(last.train_top1, 1.0, "{last:?}");
    assert_eq!(last.eval_top1, 1.0, "{last:?}");
    assert!(last.train_loss < 0.1, "{last:?}");
}

#[test]
fn loss_decreases_and_beats_chance_on_learnable_patterns() {
    let data = dataset(patterns(256, 4, 16, 1), patterns(128, 4, 16, 2), 4, 16);
    let dir = tempfile::tempdir().unwrap();
    let out = run(&config(TINY_RESNET, &[]), &data, dir.path(), &flex()).unwrap();
    let h = &out.history;
    assert_eq!(h.len(), 3);
    assert!(h[2].train_loss < 0.7 * h[0].train_loss, "{h:#?}");
    assert!(h[2].eval_top1 > 0.75, "chance is 0.25: {h:#?}");
    assert_eq!(h[2].eval_top5, 1.0, "4 classes are always in the top 5");

    // Everything the run directory promises is there.
    let p = dir.path();
    let resolved = std::fs::read_to_string(p.join("config.toml")).unwrap();
    assert_eq!(
        TrainConfig::parse(&resolved, "config.toml", &[]).unwrap(),
        config(TINY_RESNET, &[])
    );
    let csv = std::fs::read_to_string(p.join("predictions.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "file_name,predicted_class,predicted_probability");
    assert_eq!(lines.len(), 129);
    assert!(lines[1].starts_with("img_2_00000.png,"));
    let events = std::fs::read_dir(p)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains("tfevents")
        })
        .count();
    assert_eq!(events, 1);
    // keep_checkpoints = 2: epochs 2 and 3 remain.
    assert_eq!(
        spillover_train::checkpoint::complete_epochs(p).unwrap(),
        vec![2, 3]
    );
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
    assert_eq!(
        resumed.history,
        straight
            .history
            .iter()
            .map(|r| {
                let mut r = r.clone();
                r.images_per_sec = 0.0;
                r
            })
            .zip(&resumed.history)
            .map(|(mut s, r)| {
                s.images_per_sec = r.images_per_sec;
                s
            })
            .collect::<Vec<_>>()
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

#[test]
fn run_directory_rules_protect_existing_runs() {
    let data = dataset(patterns(64, 4, 8, 7), patterns(16, 4, 8, 8), 4, 8);
    let cfg = config(TINY_RESNET, &["train.epochs=1"]);
    let dir = tempfile::tempdir().unwrap();
    let err = run(
        &cfg,
        &data,
        dir.path(),
        &RunOptions {
            resume: true,
            ..flex()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("config.toml"), "{err}");
    run(&cfg, &data, dir.path(), &flex()).unwrap();
    let err = run(&cfg, &data, dir.path(), &flex())
        .unwrap_err()
        .to_string();
    assert!(err.contains("--resume"), "{err}");
    let other = config(TINY_RESNET, &["train.epochs=2", "optim.lr=0.01"]);
    let err = run(
        &other,
        &data,
        dir.path(),
        &RunOptions {
            resume: true,
            ..flex()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("differs"), "{err}");
    let err = run(
        &config(TINY_RESNET, &["train.batch_size=100"]),
        &data,
        tempfile::tempdir().unwrap().path(),
        &flex(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("larger than the training split"), "{err}");
}
