//! Training-config mistakes through the built binary: each error blames what wrote the bad key
//! (the file, line and column, a `--set` argument, or the experiment file's entry) and says
//! what is valid there; nothing is printed twice.

use std::path::Path;
use std::process::{Command, Stdio};

mod tiny;

/// Runs `spillover ARGS` in `dir`, expects failure, returns stderr.
fn fails(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_spillover"))
        .current_dir(dir)
        .env("SPILLOVER_CACHE", dir.join("cache"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "{args:?} succeeded:\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("world.toml"), tiny::WORLD).unwrap();
    std::fs::write(dir.path().join("base.toml"), tiny::base(2)).unwrap();
    std::fs::write(dir.path().join("cell.toml"), "include = \"base.toml\"\n").unwrap();
    dir
}

#[test]
fn train_blames_set_and_lists_the_valid_keys() {
    let dir = setup();
    let train = |set: &str| {
        fails(
            dir.path(),
            &["train", "cell.toml", "--print-config", "--set", set],
        )
    };
    assert_eq!(
        train("nosuch.key=2"),
        "error: --set nosuch.key=2: unknown section [nosuch]; the sections are: model, optim, schedule, train, data, augment\n"
    );
    assert_eq!(
        train("optim.lrr=2"),
        "error: --set optim.lrr=2: [optim] lrr: unknown key; valid keys: kind, lr, momentum, nesterov, weight_decay, decay_norm_and_bias, betas, eps\n"
    );
    assert_eq!(
        train("optim.lr=fast"),
        "error: --set optim.lr=fast: [optim] lr: expected a float, found a string \"fast\"\n"
    );
}

#[test]
fn train_errors_carry_the_line_and_column_of_the_key_and_the_including_file() {
    let dir = setup();
    let base = tiny::base(2).replace("lr = 0.05", "lr = \"fast\"");
    std::fs::write(dir.path().join("base.toml"), base).unwrap();
    let stderr = fails(dir.path(), &["train", "cell.toml", "--print-config"]);
    assert_eq!(
        stderr,
        "error: base.toml:6:1: [optim] lr: expected a float, found a string \"fast\"\n"
    );
    std::fs::write(
        dir.path().join("cell.toml"),
        "include = \"base.toml\"\n[train]\n  epochz = 3\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("base.toml"), tiny::base(2)).unwrap();
    let stderr = fails(dir.path(), &["train", "cell.toml", "--print-config"]);
    assert!(
        stderr
            .starts_with("error: cell.toml:3:3: [train] epochz: unknown key; valid keys: epochs,"),
        "{stderr}"
    );
    std::fs::write(
        dir.path().join("cell.toml"),
        "include = [\"base.toml\", \"../configs/nope.toml\"]\n",
    )
    .unwrap();
    let stderr = fails(dir.path(), &["train", "cell.toml", "--print-config"]);
    let tried = dir.path().parent().unwrap().join("configs/nope.toml");
    assert_eq!(
        stderr,
        format!(
            "error: cell.toml:1:25: include: {} does not exist (include paths are relative to the including file)\n",
            tried.display()
        )
    );
}

#[test]
fn sweep_blames_set_and_the_experiment_entry() {
    let dir = setup();
    let experiment = |set: &str| {
        format!(
            "[sweep]\nbase = \"base.toml\"\nset = {{ {set} }}\n\n[[group]]\nname = \"flip\"\naugment = [{{ name = \"random_horizontal_flip\" }}]\n"
        )
    };
    std::fs::write(
        dir.path().join("exp.toml"),
        experiment("\"train.epochs\" = 1"),
    )
    .unwrap();
    let stderr = fails(
        dir.path(),
        &["sweep", "exp.toml", "--plan", "--set", "nosuch.key=2"],
    );
    assert_eq!(
        stderr,
        "error: exp.toml:5: cell flip: --set nosuch.key=2: unknown section [nosuch]; the sections are: model, optim, schedule, train, data, augment\n"
    );
    std::fs::write(
        dir.path().join("exp.toml"),
        experiment("\"train.epochz\" = 1"),
    )
    .unwrap();
    let stderr = fails(dir.path(), &["sweep", "exp.toml", "--plan"]);
    assert!(
        stderr.starts_with(
            "error: exp.toml:5: cell flip: exp.toml:3: sweep.set \"train.epochz\": [train] epochz: unknown key; valid keys: epochs,"
        ),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}
