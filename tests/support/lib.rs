//! Helpers shared by the end-to-end tests of `tests/`: the repository root, the built binaries
//! (`spillover` of crates/cli, `spillover-vignette` of examples/custom-augment), running them
//! with a private cache, and the tiny world that trains in about 0.1 s an epoch.
//!
//! The binaries belong to other packages, so Cargo gives these tests no `CARGO_BIN_EXE_*` for
//! them: they are looked up next to the test executable (`target/release/`), where
//! `cargo test --workspace` puts them (crates/cli and examples/custom-augment have integration
//! tests of their own, so Cargo builds their binaries before any test runs).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The repository root (the workspace's).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// The path of the built binary `name`, in the target directory of the running test
/// (`target/release/deps/TEST-HASH` -> `target/release/NAME`). Panics, saying how to build it,
/// if it is not there.
pub fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable's path");
    let dir = exe
        .parent()
        .and_then(|deps| {
            if deps.file_name().is_some_and(|n| n == "deps") {
                deps.parent()
            } else {
                Some(deps)
            }
        })
        .expect("the test executable lies in a target directory");
    let path = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.is_file(),
        "{} is missing: these tests drive binaries of other packages; build them with \
         `cargo test --release --workspace` (what scripts/test.sh runs), not `-p spillover-e2e` \
         alone",
        path.display()
    );
    path
}

/// `name` with a private `SPILLOVER_CACHE` (nothing read from or left in the user's cache), one
/// compute thread and no stdin.
pub fn command(name: &str, cache: &Path) -> Command {
    let mut cmd = Command::new(binary(name));
    cmd.env("SPILLOVER_CACHE", cache)
        .env("RAYON_NUM_THREADS", "1")
        .env("RUST_LOG", "warn")
        .env_remove("SPILLOVER_FAULT")
        .stdin(Stdio::null());
    cmd
}

/// `spillover` with a private cache.
pub fn spillover(cache: &Path) -> Command {
    command("spillover", cache)
}

/// Runs `cmd`; panics with its command line, stdout and stderr unless it succeeded.
pub fn run_ok(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("the command starts");
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The data rows of a CSV file (lines after the header, empty lines not counted).
pub fn csv_rows(path: &Path) -> Vec<String> {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

/// The tiny world (`world.toml`: 16 px, 10 classes, 200 training and 100 validation images)
/// and its base training config, one definition shared with crates/cli's own tests.
#[path = "../../crates/cli/tests/tiny/mod.rs"]
mod tiny;
pub use tiny::{WORLD as TINY_WORLD, base as tiny_base};

/// Validation images of [`TINY_WORLD`].
pub const TINY_WORLD_VAL_IMAGES: usize = 100;

/// `spillover status DIR --json`: (cell name, state) of every cell.
pub fn cell_states(cache: &Path, sweep: &Path) -> Vec<(String, String)> {
    let out = run_ok(spillover(cache).arg("status").arg(sweep).arg("--json"));
    let cells: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("status --json prints JSON");
    cells
        .as_array()
        .expect("status --json prints an array")
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap_or_default().to_string(),
                c["state"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}
