//! `spillover sweep --runner slurm` against a real Slurm: Debian's slurm-wlm and munge on
//! localhost (`scripts/slurm-local.sh`, installed by `scripts/setup.sh`). A 4-cell sweep as one
//! job array with throttle 2; one task is sent USR2 (as before a time limit), stops and
//! requeues itself, and resumes; every cell ends done exactly once. Skips, saying why, where
//! Slurm cannot be installed or started.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
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

[slurm]
throttle = 2
cpus = 1
time = "00:10:00"
"#;

const CELLS: [&str; 4] = ["flip-seed0", "flip-seed1", "color1-seed0", "color1-seed1"];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The local cluster, stopped on drop (also when an assertion fails).
struct Cluster {
    dir: PathBuf,
}

impl Cluster {
    fn start(dir: &Path) -> Option<Cluster> {
        let script = repo().join("scripts/slurm-local.sh");
        let out = Command::new("bash")
            .arg(&script)
            .arg("start")
            .arg(dir)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        match out.status.code() {
            Some(0) => Some(Cluster {
                dir: dir.to_path_buf(),
            }),
            Some(77) => {
                eprintln!(
                    "skipped: Slurm is not usable here ({}); scripts/setup.sh installs slurm-wlm and munge",
                    String::from_utf8_lossy(&out.stderr).trim()
                );
                None
            }
            _ => panic!(
                "the local Slurm cluster did not start:\n{}",
                String::from_utf8_lossy(&out.stderr)
            ),
        }
    }

    fn conf(&self) -> PathBuf {
        self.dir.join("slurm.conf")
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(repo().join("scripts/slurm-local.sh"))
            .arg("stop")
            .arg(&self.dir)
            .stdin(Stdio::null())
            .output();
    }
}

fn spillover(cluster: &Cluster, cache: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_spillover"));
    cmd.env("SLURM_CONF", cluster.conf())
        .env("SPILLOVER_CACHE", cache)
        .env("RAYON_NUM_THREADS", "1")
        .env_remove("SLURM_JOB_ID")
        .stdin(Stdio::null());
    cmd
}

fn slurm(cluster: &Cluster, program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .env("SLURM_CONF", cluster.conf())
        .args(args)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

#[test]
fn a_job_array_runs_every_cell_once_and_a_usr2_requeue_resumes() {
    if std::env::var_os("SLURM_JOB_ID").is_some() {
        eprintln!("skipped: running inside a Slurm job");
        return;
    }
    let short = tempfile::Builder::new()
        .prefix("sl")
        .tempdir_in("/tmp")
        .unwrap();
    let Some(cluster) = Cluster::start(&short.path().join("c")) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("world.toml"), tiny::WORLD).unwrap();
    std::fs::write(dir.path().join("base.toml"), tiny::base(30)).unwrap();
    let exp = dir.path().join("exp.toml");
    std::fs::write(&exp, EXPERIMENT).unwrap();
    let cache = dir.path().join("cache");
    let out = dir.path().join("sweep");

    let submit = spillover(&cluster, &cache)
        .arg("sweep")
        .arg(&exp)
        .arg("--out")
        .arg(&out)
        .args(["--runner", "slurm", "--backend", "flex"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&submit.stderr);
    assert!(submit.status.success(), "{stderr}");
    let job = String::from_utf8_lossy(&submit.stdout).trim().to_string();
    assert!(job.parse::<u64>().is_ok(), "no job id: {job:?} {stderr}");
    let scripts: Vec<_> = std::fs::read_dir(out.join("slurm"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sbatch"))
        .collect();
    assert_eq!(scripts.len(), 1, "one sbatch call, one script");
    let script = std::fs::read_to_string(&scripts[0]).unwrap();
    assert!(script.contains("#SBATCH --array=0-3%2"), "{script}");
    assert!(script.contains("#SBATCH --signal=B:USR2@120"), "{script}");

    // A second submission while the array is queued submits nothing.
    let again = spillover(&cluster, &cache)
        .arg("sweep")
        .arg(&exp)
        .arg("--out")
        .arg(&out)
        .args(["--runner", "slurm", "--backend", "flex"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("nothing to submit"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );

    // Once task 0 has a checkpoint, send its batch shell USR2, as Slurm does before a time limit.
    let checkpoint = out
        .join("cells")
        .join(CELLS[0])
        .join("checkpoints/epoch-0001/state.json");
    let start = Instant::now();
    while !checkpoint.is_file() {
        assert!(
            start.elapsed() < Duration::from_secs(180),
            "task 0 never checkpointed: {}",
            slurm(&cluster, "squeue", &[])
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let task = format!("{job}_0");
    let sent = slurm(&cluster, "scancel", &["--batch", "--signal=USR2", &task]);
    eprintln!("scancel: {sent}");

    // status shows Slurm's view beside the store's while the array runs.
    let status = spillover(&cluster, &cache)
        .arg("status")
        .arg(&out)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(text.contains("slurm"), "{text}");

    let wait = spillover(&cluster, &cache)
        .arg("sweep")
        .arg(&exp)
        .arg("--out")
        .arg(&out)
        .args(["--runner", "slurm", "--backend", "flex", "--wait"])
        .output()
        .unwrap();
    assert!(
        wait.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&wait.stderr),
        slurm(&cluster, "squeue", &[])
    );
    for c in CELLS {
        let dir = out.join("cells").join(c);
        assert!(dir.join("done.json").is_file(), "{c} not done");
        let attempts = std::fs::read_to_string(dir.join("attempts.log")).unwrap();
        let starts = attempts.lines().count();
        if c == CELLS[0] {
            // At least once: the requeued task starts again and resumes from its checkpoint. On
            // this one-node test cluster a third start, 11 s after the second, was seen in one run
            // of three (cause not pinned down; a requeued task keeps its job id, and
            // proctrack/linuxproc's clean-up of the first run is a suspect); it resumed too, and
            // the cell was still done once. What must hold is that every start resumes.
            let log = std::fs::read_to_string(out.join("slurm").join(format!("{job}_0.out")))
                .unwrap_or_default();
            assert!(starts >= 2, "task 0 was not requeued:\n{attempts}\n{log}");
            for later in attempts.lines().skip(1) {
                assert!(later.contains(&format!("slurm={job}_0")), "{attempts}");
                assert!(
                    later.contains("resume=true"),
                    "a requeued run resumes: {attempts}"
                );
            }
        } else {
            assert_eq!(starts, 1, "{c}:\n{attempts}");
        }
    }
    let log = std::fs::read_to_string(out.join("slurm").join(format!("{job}_0.out"))).unwrap();
    assert!(log.contains("USR2"), "{log}");
    // A task started again after its cell is done is a no-op (Slurm runs tasks at least once).
    let done_before = std::fs::read(out.join("cells").join(CELLS[1]).join("done.json")).unwrap();
    let rerun = spillover(&cluster, &cache)
        .arg("sweep")
        .arg(&exp)
        .arg("--out")
        .arg(&out)
        .args(["--cell", "1", "--backend", "flex"])
        .output()
        .unwrap();
    assert!(rerun.status.success());
    assert!(String::from_utf8_lossy(&rerun.stderr).contains("already done"));
    assert_eq!(
        std::fs::read(out.join("cells").join(CELLS[1]).join("done.json")).unwrap(),
        done_before
    );
}
