//! `spillover sweep` end to end, through the built binary, on tiny cells (a 16 px world of 200
//! training images, a 4-channel ResNet-18, two epochs): exactly once under SIGKILL at random
//! moments and at every crash point, two sweeps on one directory, failing cells.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

mod tiny;

const EXPERIMENT: &str = r#"
[sweep]
base = "base.toml"
baseline = "flip"
seeds = [0, 1]

[[group]]
name = "flip"
augment = [{ name = "random_horizontal_flip" }]

[[group]]
name = "color"
augment = [{ name = "random_horizontal_flip" }, { name = "paper_color_jitter" }]
axes = { "augment.paper_color_jitter.strength" = [1.0] }
"#;

const CELLS: [&str; 4] = ["flip-seed0", "flip-seed1", "color1-seed0", "color1-seed1"];

/// A folder with the experiment, its base config and world, and a private cache.
fn fixture(extra: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("world.toml"), tiny::WORLD).unwrap();
    std::fs::write(dir.path().join("base.toml"), tiny::base(2)).unwrap();
    let exp = dir.path().join("exp.toml");
    std::fs::write(&exp, format!("{EXPERIMENT}{extra}")).unwrap();
    (dir, exp)
}

fn spillover(cache: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_spillover"));
    // One thread per cell: the same arithmetic in every run, so predictions compare as bytes.
    cmd.env("SPILLOVER_CACHE", cache)
        .env("RAYON_NUM_THREADS", "1")
        .env_remove("SPILLOVER_FAULT")
        .stdin(Stdio::null());
    cmd
}

fn sweep_cmd(exp: &Path, out: &Path, cache: &Path, extra: &[&str]) -> Command {
    let mut cmd = spillover(cache);
    cmd.arg("sweep")
        .arg(exp)
        .arg("--out")
        .arg(out)
        .args(["--backend", "flex", "--quiet"])
        .args(extra);
    cmd
}

fn run_ok(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{:?} failed: {}\n{}",
        cmd,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn predictions(out: &Path) -> BTreeMap<String, Vec<u8>> {
    CELLS
        .iter()
        .map(|c| {
            let p = out.join("cells").join(c).join("predictions.csv");
            (
                c.to_string(),
                std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
            )
        })
        .collect()
}

/// (inode, bytes) of every existing done.json.
fn done_records(out: &Path) -> BTreeMap<String, (u64, Vec<u8>)> {
    CELLS
        .iter()
        .filter_map(|c| {
            let p = out.join("cells").join(c).join("done.json");
            let meta = std::fs::metadata(&p).ok()?;
            Some((c.to_string(), (meta.ino(), std::fs::read(&p).unwrap())))
        })
        .collect()
}

/// True while any process of process group `pgid` exists.
fn group_alive(pgid: i32) -> bool {
    // SAFETY: signal 0 only checks for existence.
    unsafe { libc::kill(-pgid, 0) == 0 }
}

fn wait_group_gone(pgid: i32) {
    let start = Instant::now();
    while group_alive(pgid) {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "processes of the killed sweep (group {pgid}) are still running: orphaned cells"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A small deterministic generator (the seed is printed, so a failure can be replayed).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

#[test]
fn plan_lists_cells_with_names_ids_and_differences() {
    let (dir, exp) = fixture("");
    let out = run_ok(
        spillover(&dir.path().join("cache"))
            .args(["sweep", "--plan"])
            .arg(&exp),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for c in CELLS {
        assert!(text.contains(c), "{text}");
    }
    assert!(text.contains("augment train.seed"), "{text}");
    assert!(text.contains("4 cells"), "{text}");
    // From another working directory, the relative paths still resolve (against the file).
    let out = run_ok(
        spillover(&dir.path().join("cache"))
            .current_dir("/")
            .args(["sweep", "--plan", "--format", "json"])
            .arg(&exp),
    );
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 4);
    // An edited config changes the ids of the cells it touches, and only theirs.
    let ids = |o: &Output| -> Vec<String> {
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect()
    };
    let before = ids(&out);
    let after = ids(&run_ok(
        spillover(&dir.path().join("cache"))
            .args([
                "sweep",
                "--plan",
                "--format",
                "json",
                "--set",
                "optim.lr=0.02",
            ])
            .arg(&exp),
    ));
    assert!(before.iter().zip(&after).all(|(a, b)| a != b));
}

#[test]
fn killed_at_random_moments_the_sweep_ends_exactly_once_and_byte_identical() {
    let (dir, exp) = fixture("");
    let cache = dir.path().join("cache");
    let reference = dir.path().join("reference");
    // 32 epochs a cell (about 8 s in all): 24 kills land before the sweep could finish.
    let args = ["--jobs", "2", "--set", "train.epochs=32"];
    run_ok(&mut sweep_cmd(&exp, &reference, &cache, &args));
    let want = predictions(&reference);
    let status = run_ok(
        spillover(&cache)
            .arg("status")
            .arg(&reference)
            .arg("--json"),
    );
    let rows: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .all(|r| r["state"] == "done"),
        "{rows}"
    );

    let out = dir.path().join("killed");
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    eprintln!("kill schedule seed {seed}");
    let mut rng = Lcg(seed);
    // Crash points first (each kills the whole sweep at that exact moment), then random kills.
    let faults = [
        "state-write@2",
        "checkpoint-partial",
        "predictions-written",
        "factors-written",
        "done-write",
        "state-write@1",
        "checkpoint-partial@3",
    ];
    let mut kills = 0;
    let mut seen = BTreeMap::new();
    for round in 0..100 {
        if kills >= 24 || done_records(&out).len() == CELLS.len() {
            break;
        }
        let mut cmd = sweep_cmd(&exp, &out, &cache, &args);
        cmd.process_group(0);
        let fault = faults.get(round).copied();
        if let Some(f) = fault {
            cmd.env("SPILLOVER_FAULT", f);
        }
        let mut child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let pgid = child.id() as i32;
        if fault.is_none() {
            std::thread::sleep(Duration::from_millis(30 + rng.next() % 270));
            if child.try_wait().unwrap().is_none() {
                // Half the time the whole group, half the time only the runner: its cells
                // must die with it (PR_SET_PDEATHSIG), not train on as orphans.
                let target = if rng.next().is_multiple_of(2) {
                    -pgid
                } else {
                    pgid
                };
                // SAFETY: plain kill(2).
                unsafe { libc::kill(target, libc::SIGKILL) };
                kills += 1;
            }
        }
        let status = child.wait().unwrap();
        if fault.is_some() && status.code().is_none() {
            kills += 1;
        }
        eprintln!(
            "round {round}: {fault:?} -> {status}; {} cells done",
            done_records(&out).len()
        );
        wait_group_gone(pgid);
        // A done cell is never written again.
        let now = done_records(&out);
        for (cell, record) in &seen {
            assert_eq!(
                now.get(cell),
                Some(record),
                "done.json of {cell} changed after it was written"
            );
        }
        seen = now;
    }
    assert!(
        kills >= 20,
        "only {kills} kills landed before the sweep finished"
    );
    // Resume to the end.
    run_ok(&mut sweep_cmd(&exp, &out, &cache, &args));
    let final_records = done_records(&out);
    for (cell, record) in &seen {
        assert_eq!(final_records.get(cell), Some(record), "{cell}");
    }
    assert_eq!(
        predictions(&out),
        want,
        "predictions differ from the uninterrupted sweep"
    );
    // No temporary file left as a result, and a rerun does nothing.
    let again = run_ok(&mut sweep_cmd(&exp, &out, &cache, &args[2..]));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("4 of 4 cells done (0 this run, 4 before)")
    );
    assert_eq!(done_records(&out), final_records);
}

#[test]
fn two_sweeps_on_one_directory_run_no_cell_twice() {
    let (dir, exp) = fixture("");
    let cache = dir.path().join("cache");
    let out = dir.path().join("shared");
    // Render the world once first, so both start training at the same moment.
    run_ok(spillover(&cache).args(["sweep", "--plan"]).arg(&exp));
    let a = sweep_cmd(&exp, &out, &cache, &["--jobs", "2"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let b = sweep_cmd(&exp, &out, &cache, &["--jobs", "2"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    for child in [a, b] {
        let o = child.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    for c in CELLS {
        let attempts =
            std::fs::read_to_string(out.join("cells").join(c).join("attempts.log")).unwrap();
        assert_eq!(
            attempts.lines().count(),
            1,
            "{c} started more than once:\n{attempts}"
        );
    }
    assert_eq!(done_records(&out).len(), 4);
}

#[test]
fn failing_cells_are_reported_with_their_reason_while_the_others_finish() {
    // One cell whose data is missing (fails at run time), one that panics, one killed as the
    // OOM killer would; the four regular cells must finish.
    let extra = r#"
[[cell]]
name = "nodata"
set = { "data.world" = "no-such-world.toml" }

[[cell]]
name = "panics"
seed = 7

[[cell]]
name = "oom"
seed = 8
set = { "train.epochs" = 200 }
"#;
    let (dir, exp) = fixture(extra);
    let cache = dir.path().join("cache");
    let out = dir.path().join("failing");
    let child = sweep_cmd(&exp, &out, &cache, &["--jobs", "2"])
        .env("SPILLOVER_FAULT", "panic:panics")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Kill the long cell once it runs.
    let state = out.join("cells/oom/state.json");
    let start = Instant::now();
    loop {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "cell oom never started"
        );
        if let Ok(text) = std::fs::read_to_string(&state) {
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            if v["state"] == "running" {
                std::thread::sleep(Duration::from_millis(300));
                // SAFETY: plain kill(2) of the cell's process.
                unsafe { libc::kill(v["pid"].as_i64().unwrap() as i32, libc::SIGKILL) };
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let o = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{stderr}");
    assert!(stderr.contains("4 of 7 cells done"), "{stderr}");
    let status = run_ok(spillover(&cache).arg("status").arg(&out).arg("--json"));
    let rows: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    let by_name: BTreeMap<&str, &serde_json::Value> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["name"].as_str().unwrap(), r))
        .collect();
    for c in CELLS {
        assert_eq!(by_name[c]["state"], "done", "{c}");
    }
    let detail = |c: &str| by_name[c]["detail"].as_str().unwrap().to_string();
    assert_eq!(by_name["nodata"]["state"], "failed");
    assert!(
        detail("nodata").contains("no-such-world.toml"),
        "{}",
        detail("nodata")
    );
    assert!(
        detail("panics").contains("panic: injected"),
        "{}",
        detail("panics")
    );
    assert!(detail("oom").contains("signal 9"), "{}", detail("oom"));
    // Failed cells wait for --retry-failed; a plain rerun only reports them.
    let again = sweep_cmd(&exp, &out, &cache, &[]).output().unwrap();
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("rerun with --retry-failed"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
}

#[test]
fn a_bad_cell_stops_the_sweep_before_anything_runs_naming_file_line_and_cell() {
    let extra = "\n[[cell]]\nname = \"bad\"\naugment = [{ name = \"gaussian_blur\", kernel_size = 4, sigma = 1.0 }]\n";
    let (dir, exp) = fixture(extra);
    let out = dir.path().join("never");
    let o = sweep_cmd(&exp, &out, &dir.path().join("cache"), &[])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(stderr.contains("exp.toml:16: cell bad"), "{stderr}");
    assert!(stderr.contains("gaussian_blur"), "{stderr}");
    assert!(
        !out.exists(),
        "nothing may be written before the plan checks out"
    );
}
