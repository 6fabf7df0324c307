//! The user's op reaches training and sweeps: a 2-cell sweep with `vignette` through the
//! example's own `spillover-vignette` binary (its cells run as that binary too), then the report.

use std::process::Command;

const WORLD: &str = "seed = 3\nimage_size = 16\n[splits.train]\nimages_per_class = 20\n[splits.val]\nimages_per_class = 10\n";

const EXPERIMENT: &str = r#"
[sweep]
baseline = "flip"

[base]
model = { arch = "resnet18", small_input = true, width = 4 }
train = { epochs = 2, batch_size = 50, eval_batch_size = 100, image_grid = 0 }
data = { world = "world.toml" }

[[group]]
name = "flip"
augment = [{ name = "random_horizontal_flip" }]

[[group]]
name = "vignette"
augment = [{ name = "random_horizontal_flip" }, { name = "vignette", p = 1.0 }]
axes = { "augment.vignette.strength" = [0.8] }
"#;

fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_spillover-vignette"));
    cmd.env("RAYON_NUM_THREADS", "1");
    cmd
}

#[test]
fn a_sweep_trains_with_the_users_op_and_reports_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("world.toml"), WORLD).unwrap();
    let exp = dir.path().join("exp.toml");
    std::fs::write(&exp, EXPERIMENT).unwrap();
    let out = dir.path().join("sweep");
    let cache = dir.path().join("cache");
    let o = bin()
        .env("SPILLOVER_CACHE", &cache)
        .arg("sweep")
        .arg(&exp)
        .arg("--out")
        .arg(&out)
        .args(["--backend", "flex", "--quiet"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(stderr.contains("2 of 2 cells done"), "{stderr}");
    let config = std::fs::read_to_string(out.join("cells/vignette0.8/config.toml")).unwrap();
    assert!(
        config.contains("name = \"vignette\"") && config.contains("strength = 0.8"),
        "{config}"
    );
    assert!(out.join("cells/vignette0.8/predictions.csv").is_file());

    // Every command of the binary knows the op.
    let list = bin().args(["augment", "list"]).output().unwrap();
    assert!(String::from_utf8_lossy(&list.stdout).contains("vignette"));

    let report = dir.path().join("report");
    let o = bin()
        .env("SPILLOVER_CACHE", &cache)
        .arg("report")
        .arg(&out)
        .arg("--out")
        .arg(&report)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let page = std::fs::read_to_string(report.join("index.html")).unwrap();
    assert!(page.contains("vignette"), "the report names the user's op");
}
