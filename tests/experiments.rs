//! Every shipped experiment file plans (all its cells resolve and check out) and opens with the
//! comment the project asks of it: the question, the cost, what its report should show; and the
//! paper's ImageNet recipes start: one cell of each trains one step on a tiny ImageNet-layout
//! folder and finishes with its predictions.

use std::path::Path;

use spillover_e2e::{csv_rows, repo_root, run_ok, spillover};

#[test]
fn every_experiment_plans_and_says_what_it_asks() {
    let dir = repo_root().join("experiments");
    let cache = tempfile::tempdir().unwrap();
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        n += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        let head: String = text
            .lines()
            .take_while(|l| l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            head.contains('?'),
            "{}: the opening comment asks no question",
            path.display()
        );
        assert!(
            head.contains("Cost:"),
            "{}: the opening comment gives no cost",
            path.display()
        );
        let out = spillover(cache.path())
            .args(["sweep", "--plan", "--format", "json"])
            .arg(&path)
            .current_dir("/")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let cells: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let cells = cells.as_array().unwrap();
        assert!(cells.len() >= 2, "{}", path.display());
        // Every experiment compares against an explicit baseline group.
        assert!(
            cells.iter().any(|c| c["group"] == "flip"),
            "{}: no baseline cells",
            path.display()
        );
    }
    assert!(n >= 5, "experiments/ holds {n} files");
}

/// Two real ImageNet classes (the first two wnids of ILSVRC-2012, the ones `data.classes = 2`
/// keeps) and the images per class of each split.
const WNIDS: [&str; 2] = ["n01440764", "n01443537"];
const TRAIN_PER_CLASS: usize = 2;
const VAL_PER_CLASS: usize = 2;

/// An ImageNet-layout folder (`train/<wnid>/*.JPEG`, `val/<wnid>/*.JPEG`) of JPEGs larger than
/// the recipe's 256 px resize, so its 224 px centre crop takes real pixels.
fn tiny_imagenet(root: &Path) {
    for (split, n) in [("train", TRAIN_PER_CLASS), ("val", VAL_PER_CLASS)] {
        for (c, wnid) in WNIDS.iter().enumerate() {
            let dir = root.join(split).join(wnid);
            std::fs::create_dir_all(&dir).unwrap();
            for i in 0..n {
                let (w, h) = (300 + 20 * i as u32, 270);
                let img = image::RgbImage::from_fn(w, h, |x, y| {
                    let v = ((x * (c as u32 + 1) + y * (i as u32 + 2)) % 256) as u8;
                    if c == 0 {
                        image::Rgb([v, 255 - v, 90])
                    } else {
                        image::Rgb([40, v, v / 2])
                    }
                });
                let name = format!("{wnid}_{split}_{i}.JPEG");
                img.save_with_format(dir.join(name), image::ImageFormat::Jpeg)
                    .unwrap();
            }
        }
    }
}

#[test]
fn the_imagenet_recipes_start() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = d.join("imagenet");
    tiny_imagenet(&data);
    let cache = d.join("cache");
    // Size only: the data, its classes, one epoch of batch 2 (two steps), and the warm-up
    // shortened to that epoch (the recipe's 5 and 2 epochs exceed it). Model, optimizer, schedule
    // kind, augmentations, resize/crop and seeds are the recipe's.
    let data_path = format!("data.path={}", data.display());
    let sets = [
        data_path.as_str(),
        "data.classes=2",
        "train.epochs=1",
        "train.batch_size=2",
        "train.eval_batch_size=2",
        "schedule.warmup_epochs=1",
    ];
    let with_sets = |cmd: &mut std::process::Command| {
        for s in sets {
            cmd.args(["--set", s]);
        }
    };
    // The baseline cell of one, a colour-jitter cell (the last: strength 1) of the other.
    for (file, last) in [
        ("colorjitter_vs_pose_imagenet.toml", false),
        ("colorjitter_vs_pose_imagenet100.toml", true),
    ] {
        let exp = repo_root().join("experiments").join(file);
        let mut plan = spillover(&cache);
        plan.args(["sweep", "--plan", "--format", "json"]).arg(&exp);
        with_sets(&mut plan);
        let plan: serde_json::Value = serde_json::from_slice(&run_ok(&mut plan).stdout).unwrap();
        let cells = plan.as_array().unwrap();
        assert!(cells.len() >= 12, "{file}: {} cells", cells.len());
        let index = if last { cells.len() - 1 } else { 0 };
        let name = cells[index]["cell"].as_str().unwrap().to_string();
        let group = if index == 0 { "flip" } else { "color" };
        assert_eq!(cells[index]["group"], group, "{file}: {:?}", cells[index]);

        let out = d.join(file.trim_end_matches(".toml"));
        let mut cell = spillover(&cache);
        // Every core: a ResNet-50 step at 224 px is the slow part of this test.
        cell.env_remove("RAYON_NUM_THREADS")
            .arg("sweep")
            .arg(&exp)
            .arg("--cell")
            .arg(index.to_string())
            .arg("--out")
            .arg(&out)
            .args(["--backend", "flex", "--quiet"]);
        with_sets(&mut cell);
        run_ok(&mut cell);

        let run = out.join("cells").join(&name);
        assert!(
            run.join("done.json").is_file(),
            "{file}: cell {name} not done"
        );
        let config = std::fs::read_to_string(run.join("config.toml")).unwrap();
        assert!(
            config.contains("resnet50") && config.contains("center_crop"),
            "{file}: {config}"
        );
        assert_eq!(
            config.contains("paper_color_jitter"),
            group == "color",
            "{file}: {config}"
        );
        let log = std::fs::read_to_string(run.join("train.log")).unwrap_or_default();
        assert_eq!(
            csv_rows(&run.join("history.csv")).len(),
            1,
            "{file}: one epoch trained\n{log}"
        );
        let rows = csv_rows(&run.join("predictions.csv"));
        assert_eq!(rows.len(), WNIDS.len() * VAL_PER_CLASS, "{file}: {rows:?}");
        for row in &rows {
            let class: u32 = row.split(',').nth(1).unwrap().parse().unwrap();
            // The folder's class index (no annotations are cached here), which for ImageNet's
            // first two classes is also their ImageNet-1k index.
            assert!(class <= 1, "{file}: {row}");
        }
    }
}
