//! The whole loop through the built `spillover`: an experiment file is swept (2 groups x 2 seeds
//! on the tiny world), every cell trains and exports its predictions and per-factor table, the
//! world's annotations are written by `spillover world generate` of the same world config, and
//! `spillover report` turns the sweep into its page and markdown.

use std::collections::BTreeSet;

use spillover_e2e::{
    TINY_WORLD, TINY_WORLD_VAL_IMAGES, cell_states, csv_rows, run_ok, spillover, tiny_base,
};

const EXPERIMENT: &str = r#"
[sweep]
name = "loop"
base = "base.toml"
baseline = "flip"
seeds = [0, 1]

[[group]]
name = "flip"
augment = [{ name = "random_horizontal_flip" }]

[[group]]
name = "jittered"
augment = [{ name = "random_horizontal_flip" }, { name = "paper_color_jitter" }]
axes = { "augment.paper_color_jitter.strength" = [1.0] }
"#;

const CELLS: [&str; 4] = [
    "flip-seed0",
    "flip-seed1",
    "jittered1-seed0",
    "jittered1-seed1",
];

/// The 16 ImageNet-X factors, in the toolkit's order.
const FACTORS: [&str; 16] = [
    "pose",
    "background",
    "pattern",
    "color",
    "smaller",
    "shape",
    "partial_view",
    "subcategory",
    "texture",
    "larger",
    "darker",
    "object_blocking",
    "person_blocking",
    "style",
    "brighter",
    "multiple_objects",
];

#[test]
fn sweep_trains_predicts_scores_and_reports() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cache = d.join("cache");
    std::fs::write(d.join("world.toml"), TINY_WORLD).unwrap();
    std::fs::write(d.join("base.toml"), tiny_base(2)).unwrap();
    std::fs::write(d.join("exp.toml"), EXPERIMENT).unwrap();

    // The plan: four cells, named as the groups and seeds say.
    let plan = run_ok(
        spillover(&cache)
            .args(["sweep", "--plan", "--format", "json"])
            .arg(d.join("exp.toml")),
    );
    let plan: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    let planned: BTreeSet<&str> = plan
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["cell"].as_str().unwrap())
        .collect();
    assert_eq!(planned, CELLS.into_iter().collect());

    // Sweep: every cell trains to the end.
    let sweep = d.join("sweep");
    let out = run_ok(
        spillover(&cache)
            .arg("sweep")
            .arg(d.join("exp.toml"))
            .arg("--out")
            .arg(&sweep)
            .args(["--backend", "flex", "--quiet"]),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("4 of 4 cells done"), "{stderr}");

    // Each cell: one prediction per validation image, in the imagenet_x format, and a table of
    // the 16 factors plus `all`, scored on the validation images.
    for cell in CELLS {
        let run = sweep.join("cells").join(cell);
        assert!(run.join("done.json").is_file(), "{cell}: no done.json");
        let header = std::fs::read_to_string(run.join("predictions.csv")).unwrap();
        assert!(
            header.starts_with("file_name,predicted_class,predicted_probability\n"),
            "{cell}"
        );
        let rows = csv_rows(&run.join("predictions.csv"));
        assert_eq!(rows.len(), TINY_WORLD_VAL_IMAGES, "{cell}: predictions");
        let names: BTreeSet<&str> = rows.iter().map(|r| r.split(',').next().unwrap()).collect();
        assert_eq!(names.len(), TINY_WORLD_VAL_IMAGES, "{cell}: duplicate rows");
        for row in &rows {
            let f: Vec<&str> = row.split(',').collect();
            let class: u32 = f[1].parse().unwrap();
            let p: f64 = f[2].parse().unwrap();
            assert!(class < 10 && (0.0..=1.0).contains(&p), "{cell}: {row}");
        }
        let factors = csv_rows(&run.join("factors.csv"));
        let named: Vec<&str> = factors
            .iter()
            .map(|r| r.split(',').next().unwrap())
            .filter(|f| *f != "all")
            .collect();
        assert_eq!(named, FACTORS, "{cell}: factors.csv");
        let all: Vec<&str> = factors
            .iter()
            .find(|r| r.starts_with("all,"))
            .expect("an `all` row")
            .split(',')
            .collect();
        let images: usize = all[1].parse().unwrap();
        let accuracy: f64 = all[2].parse().unwrap();
        assert!(images > 0 && images <= TINY_WORLD_VAL_IMAGES, "{all:?}");
        assert!((0.0..=1.0).contains(&accuracy), "{all:?}");
        assert!(
            csv_rows(&run.join("history.csv")).len() == 2,
            "{cell}: history.csv has one row per epoch"
        );
    }

    // `spillover status` agrees.
    let states = cell_states(&cache, &sweep);
    assert_eq!(states.len(), 4, "{states:?}");
    assert!(states.iter().all(|(_, s)| s == "done"), "{states:?}");

    // The world's annotations, from the same world config, score the report.
    run_ok(spillover(&cache).current_dir(d).args([
        "world",
        "generate",
        "--config",
        "world.toml",
        "--out",
        "world",
    ]));
    assert!(d.join("world/annotations").is_dir());
    let report = d.join("report");
    let out = run_ok(
        spillover(&cache)
            .arg("report")
            .arg(&sweep)
            .arg("--out")
            .arg(&report)
            .arg("--annotations")
            .arg(d.join("world/annotations"))
            .arg("--no-png"),
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.contains("index.html"), "{printed}");
    let page = std::fs::read_to_string(report.join("index.html")).unwrap();
    let markdown = std::fs::read_to_string(report.join("report.md")).unwrap();
    for text in [&page, &markdown] {
        assert!(
            text.contains("flip") && text.contains("jittered"),
            "the report names both groups"
        );
        assert!(
            text.contains("co-occurrence"),
            "the report reads the world's annotations"
        );
    }
    assert!(page.contains("<svg"), "the page inlines its figures");
    assert!(markdown.contains("## Verdict"), "{markdown}");
    // The spill-over matrix: the jittered group against the baseline, one row per factor.
    let matrix = std::fs::read_dir(report.join("tables"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with("-matrix.csv"))
        .expect("a matrix table");
    let rows = csv_rows(&matrix);
    let factors: Vec<&str> = rows.iter().map(|r| r.split(',').nth(4).unwrap()).collect();
    assert_eq!(factors, FACTORS, "{}", matrix.display());
    assert!(
        rows.iter().all(|r| r.starts_with("jittered,1,2,2,")),
        "{rows:?}"
    );
}
