//! The user's op reaches training and sweeps: a 2-cell sweep with `vignette` through the
//! example's own `spillover-vignette` binary (examples/custom-augment; its cells run as that
//! binary too), then the report; and the example's shipped sweep plans.

use spillover_e2e::{TINY_WORLD, command, repo_root, run_ok};

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

#[test]
fn a_sweep_trains_with_the_users_op_and_reports_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("world.toml"), TINY_WORLD).unwrap();
    let exp = dir.path().join("exp.toml");
    std::fs::write(&exp, EXPERIMENT).unwrap();
    let out = dir.path().join("sweep");
    let cache = dir.path().join("cache");
    let o = run_ok(
        command("spillover-vignette", &cache)
            .arg("sweep")
            .arg(&exp)
            .arg("--out")
            .arg(&out)
            .args(["--backend", "flex", "--quiet"]),
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("2 of 2 cells done"), "{stderr}");
    let config = std::fs::read_to_string(out.join("cells/vignette0.8/config.toml")).unwrap();
    assert!(
        config.contains("name = \"vignette\"") && config.contains("strength = 0.8"),
        "{config}"
    );
    assert!(out.join("cells/vignette0.8/predictions.csv").is_file());

    let report = dir.path().join("report");
    run_ok(
        command("spillover-vignette", &cache)
            .arg("report")
            .arg(&out)
            .arg("--out")
            .arg(&report),
    );
    let page = std::fs::read_to_string(report.join("index.html")).unwrap();
    assert!(page.contains("vignette"), "the report names the user's op");
}

#[test]
fn the_examples_sweep_plans_with_its_binary_and_not_without() {
    let dir = tempfile::tempdir().unwrap();
    let exp = repo_root().join("examples/custom-augment/vignette_sweep.toml");
    let o = run_ok(
        command("spillover-vignette", &dir.path().join("cache"))
            .args(["sweep", "--plan", "--format", "json"])
            .arg(&exp),
    );
    let cells: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let cells = cells.as_array().unwrap();
    assert!(cells.iter().any(|c| c["group"] == "vignette"), "{cells:?}");
    // The plain binary does not know the op, and says so before anything runs.
    let o = command("spillover", &dir.path().join("cache"))
        .args(["sweep", "--plan"])
        .arg(&exp)
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("vignette"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
