//! Correctness of training on the CPU backend (flex), end to end through `spillover_train::run`.

mod common;

use common::{TINY_RESNET, config, dataset, flex, noise, patterns};
use spillover_train::{RunOptions, TrainConfig, run};

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
    assert_eq!(last.eval_top1, Some(1.0), "{last:?}");
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
    assert!(h[2].eval_top1.unwrap() > 0.75, "chance is 0.25: {h:#?}");
    assert_eq!(
        h[2].eval_top5,
        Some(1.0),
        "4 classes are always in the top 5"
    );

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
fn eval_every_skips_evaluations_but_not_the_last_and_changes_no_result() {
    let data = dataset(patterns(64, 4, 8, 3), patterns(32, 4, 8, 4), 4, 8);
    let train = |every: &str| {
        let dir = tempfile::tempdir().unwrap();
        let cfg = config(TINY_RESNET, &[&format!("train.eval_every={every}")]);
        let out = run(&cfg, &data, dir.path(), &flex()).unwrap();
        let read = |f: &str| std::fs::read_to_string(dir.path().join(f)).unwrap();
        (out.history, read("predictions.csv"), read("history.csv"))
    };
    let (every, every_predictions, _) = train("1");
    let (last_only, last_only_predictions, csv) = train("0");
    let evaluated = |h: &[spillover_train::checkpoint::EpochRecord]| -> Vec<bool> {
        h.iter().map(|r| r.eval_top1.is_some()).collect()
    };
    assert_eq!(evaluated(&every), [true, true, true]);
    assert_eq!(evaluated(&last_only), [false, false, true]);
    assert_eq!(evaluated(&train("2").0), [false, true, true]);
    // Evaluating draws nothing from the training streams: the same weights, the same result.
    assert_eq!(every_predictions, last_only_predictions);
    assert_eq!(
        every.last(),
        last_only
            .last()
            .map(|r| {
                let mut r = r.clone();
                r.images_per_sec = every.last().unwrap().images_per_sec;
                r
            })
            .as_ref()
    );
    // Skipped evaluations are empty history.csv fields, not zeros.
    let rows: Vec<&str> = csv.lines().collect();
    assert!(
        rows[1].ends_with(&format!(",,,,{}", last_only[0].images_per_sec)),
        "{csv}"
    );
    assert!(!rows[3].contains(",,"), "{csv}");
}

#[test]
fn run_directory_rules_protect_existing_runs() {
    let data = dataset(patterns(64, 4, 8, 7), patterns(16, 4, 8, 8), 4, 8);
    let cfg = config(TINY_RESNET, &["train.epochs=1"]);
    let dir = tempfile::tempdir().unwrap();
    let error = |cfg: &TrainConfig, dir: &std::path::Path, resume: bool| {
        run(cfg, &data, dir, &RunOptions { resume, ..flex() })
            .unwrap_err()
            .to_string()
    };
    let err = error(&cfg, dir.path(), true);
    assert!(err.contains("config.toml"), "{err}");
    run(&cfg, &data, dir.path(), &flex()).unwrap();
    let err = error(&cfg, dir.path(), false);
    assert!(err.contains("--resume"), "{err}");
    let err = error(
        &config(TINY_RESNET, &["train.epochs=2", "optim.lr=0.01"]),
        dir.path(),
        true,
    );
    assert!(
        err.contains("differs") && err.contains("optim.lr, train.epochs"),
        "{err}"
    );
    let err = error(
        &config(TINY_RESNET, &["train.batch_size=100"]),
        tempfile::tempdir().unwrap().path(),
        false,
    );
    assert!(err.contains("larger than the training split"), "{err}");
}
