//! `spillover train --out`: one writer per run directory, and a user's own folder or file is
//! never overwritten.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod tiny;

const CONFIG: &str = r#"
[model]
arch = "resnet18"
small_input = true
width = 4
[train]
epochs = 400
batch_size = 50
eval_batch_size = 100
image_grid = 0
[data]
world = "world.toml"
[[augment]]
name = "random_horizontal_flip"
"#;

fn train(dir: &Path, out: &Path, extra: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_spillover"));
    cmd.env("SPILLOVER_CACHE", dir.join("cache"))
        .env("RAYON_NUM_THREADS", "1")
        .arg("train")
        .arg(dir.join("cell.toml"))
        .arg("--out")
        .arg(out)
        .args(["--backend", "flex", "--quiet"])
        .args(extra)
        .stdin(Stdio::null());
    cmd
}

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("world.toml"), tiny::WORLD).unwrap();
    std::fs::write(dir.path().join("cell.toml"), CONFIG).unwrap();
    dir
}

fn stderr_of(cmd: &mut Command) -> (bool, String) {
    let o = cmd.output().unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn a_second_writer_is_refused_and_a_dead_writers_lock_taken_over() {
    let dir = setup();
    let out = dir.path().join("run");
    let mut first = train(dir.path(), &out, &[])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the first run holds the directory (its config is written under the lock).
    let start = Instant::now();
    while !out.join("config.toml").exists() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "first run never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let (ok, err) = stderr_of(&mut train(dir.path(), &out, &["--set", "train.epochs=1"]));
    assert!(!ok);
    assert!(err.contains("another spillover process (pid"), "{err}");
    assert!(err.contains(&format!("pid {}", first.id())), "{err}");
    // The config is still the first run's.
    let saved = std::fs::read_to_string(out.join("config.toml")).unwrap();
    assert!(saved.contains("epochs = 400"), "{saved}");
    first.kill().unwrap();
    first.wait().unwrap();
    // The dead process's lock is taken over: a fresh start over its directory needs --resume
    // only when it left checkpoints, so name the state explicitly.
    let (_, err) = stderr_of(&mut train(dir.path(), &out, &["--set", "train.epochs=1"]));
    assert!(!err.contains("another spillover process"), "{err}");
}

#[test]
fn a_folder_that_is_not_a_run_and_a_file_are_refused() {
    let dir = setup();
    let mine = dir.path().join("mine");
    std::fs::create_dir_all(&mine).unwrap();
    std::fs::write(mine.join("notes.txt"), "my notes").unwrap();
    std::fs::write(mine.join("config.yaml"), "x: 1").unwrap();
    let (ok, err) = stderr_of(&mut train(dir.path(), &mine, &["--set", "train.epochs=1"]));
    assert!(!ok);
    assert!(
        err.contains("not a spillover run") && err.contains("notes.txt"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(mine.join("notes.txt")).unwrap(),
        "my notes"
    );
    assert_eq!(
        std::fs::read_dir(&mine).unwrap().count(),
        2,
        "nothing was added"
    );

    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let (ok, err) = stderr_of(&mut train(dir.path(), &file, &["--set", "train.epochs=1"]));
    assert!(!ok);
    assert!(err.contains("is a file, not a run directory"), "{err}");

    // An empty folder is fine, and the finished run has its history.
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let (ok, err) = stderr_of(&mut train(dir.path(), &empty, &["--set", "train.epochs=1"]));
    assert!(ok, "{err}");
    let history = std::fs::read_to_string(empty.join("history.csv")).unwrap();
    assert!(
        history.starts_with(
            "epoch,lr,train_loss,train_top1,eval_loss,eval_top1,eval_top5,images_per_sec\n1,"
        ),
        "{history}"
    );
    assert_eq!(history.lines().count(), 2);
}
