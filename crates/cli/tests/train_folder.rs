//! `spillover train` on image folders (`[data] path`): predictions carry the annotations' class
//! indices (ImageNet-1k's for a folder holding a subset of ImageNet's classes), data without
//! annotations trains to the end without a per-factor table and says why, and `--annotations`
//! or `[data] annotations` give the annotations of a folder's images.
//!
//! The folders are a tiny rendered world (16 px, 10 classes, 200 training and 100 validation
//! images) laid out as ImageNet is, `train/<wnid>/` and `val/<wnid>/`.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::process::{Command, Stdio};

use spillover_factors::annotations::{
    AnnotationDir, AnnotationRecord, AnnotationSet, ClassLabel, MetaclassRow, Partition,
    WhichFactor, write_annotation_set,
};

mod tiny;

/// One epoch of the tiny ResNet on a 16 px image folder `data` (next to this config).
const CELL: &str = r#"
[model]
arch = "resnet18"
small_input = true
width = 4
[optim]
lr = 0.05
[schedule]
kind = "constant"
[train]
epochs = 1
batch_size = 50
eval_batch_size = 100
image_grid = 0
[data]
path = "data"
image_size = 16
[[augment]]
name = "random_horizontal_flip"
[[augment]]
name = "center_crop"
size = 16
"#;

/// Ten ImageNet-1k classes drawn at random (not the first ten), with their class index: the
/// row of the wnid in ImageNet-X's `imagenet_labels.txt` (ImageNet's sorted wnids).
const IMAGENET: [(u32, &str); 10] = [
    (119, "n01978455"),
    (262, "n02112706"),
    (287, "n02127052"),
    (549, "n03291819"),
    (640, "n03717622"),
    (677, "n03804744"),
    (729, "n03961711"),
    (762, "n04081281"),
    (783, "n04153751"),
    (972, "n09246464"),
];

fn spillover(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_spillover"));
    cmd.env("SPILLOVER_CACHE", dir.join("cache"))
        .env("RAYON_NUM_THREADS", "1")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null());
    cmd
}

/// Runs `spillover train CONFIG --out OUT EXTRA...` from `cwd`: (success, stdout, stderr).
fn train(
    dir: &Path,
    cwd: &Path,
    config: &Path,
    out: &str,
    extra: &[&str],
) -> (bool, String, String) {
    let o = spillover(dir)
        .current_dir(cwd)
        .arg("train")
        .arg(config)
        .arg("--out")
        .arg(dir.join(out))
        .args(["--backend", "flex", "--quiet"])
        .args(extra)
        .output()
        .unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// A temp folder with the rendered tiny world in `world/` (its class folders are `w00000000`...)
/// and the training config `cell.toml`, whose data is `data/`.
fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("world.toml"), tiny::WORLD).unwrap();
    let o = spillover(dir.path())
        .current_dir(dir.path())
        .args([
            "world",
            "generate",
            "--config",
            "world.toml",
            "--out",
            "world",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::write(dir.path().join("cell.toml"), CELL).unwrap();
    dir
}

/// Copies `from/<split>/<class>/*` to `to/<split>/<rename(class)>/*`.
fn copy_folder(from: &Path, to: &Path, rename: &dyn Fn(&str) -> String) {
    for split in ["train", "val"] {
        for class in std::fs::read_dir(from.join(split)).unwrap() {
            let class = class.unwrap();
            let name = class.file_name().to_string_lossy().into_owned();
            let target = to.join(split).join(rename(&name));
            std::fs::create_dir_all(&target).unwrap();
            for file in std::fs::read_dir(class.path()).unwrap() {
                let file = file.unwrap();
                std::fs::copy(file.path(), target.join(file.file_name())).unwrap();
            }
        }
    }
}

/// `predictions.csv` as `file name -> predicted class`.
fn predictions(path: &Path) -> HashMap<String, u32> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("file_name,predicted_class,predicted_probability")
    );
    lines
        .map(|l| {
            let mut f = l.split(',');
            let name = f.next().unwrap().to_string();
            (name, f.next().unwrap().parse().unwrap())
        })
        .collect()
}

/// The `all` row of `factors.csv`: (images, accuracy).
fn factors_all(path: &Path) -> (u64, f64) {
    let text = std::fs::read_to_string(path).unwrap();
    let row = text.lines().find(|l| l.starts_with("all,")).unwrap();
    let f: Vec<&str> = row.split(',').collect();
    (f[1].parse().unwrap(), f[2].parse().unwrap())
}

/// A minimal ImageNet-X-format set in the default cache place: `classes` as its class list and
/// one annotated ImageNet validation image.
fn fake_default_annotations(dir: &Path, classes: &[String]) {
    let ann = spillover_factors::annotations::default_dir();
    let ann = dir.join("cache").join(
        ann.strip_prefix(spillover_factors::annotations::cache_root())
            .unwrap(),
    );
    let name = "ILSVRC2012_val_00000001.JPEG".to_string();
    let set = AnnotationSet {
        classes: classes
            .iter()
            .map(|w| ClassLabel {
                wnid: w.clone(),
                label: w.clone(),
            })
            .collect(),
        metaclasses: classes
            .iter()
            .map(|_| MetaclassRow {
                wnid: "n00000000".into(),
                name: "other".into(),
                id: 0,
            })
            .collect(),
        val_top: vec![AnnotationRecord {
            file_name: name.clone(),
            class: 0,
            factors: [spillover_factors::Factor::Pose].into_iter().collect(),
            justification: String::new(),
            one_word: String::new(),
        }],
        val_labels: vec![(name, 0)],
        ..AnnotationSet::default()
    };
    write_annotation_set(&ann, &set).unwrap();
}

#[test]
fn custom_data_trains_to_the_end_and_annotations_give_its_factor_table() {
    let dir = setup();
    let d = dir.path();
    // Custom data: the world's images without its annotations.
    copy_folder(&d.join("world"), &d.join("data"), &|c| c.to_string());
    let config = d.join("cell.toml");
    let world_classes: Vec<String> = (0..10).map(|c| format!("w{c:08}")).collect();

    // ImageNet-X annotations are there, but these are not ImageNet classes ...
    fake_default_annotations(d, &["n01440764".to_string()]);
    let (ok, _, err) = train(d, d, &config, "run-a", &[]);
    assert!(ok, "{err}");
    assert!(
        err.contains("no per-factor table")
            && err.contains("class folder `w00000000` is not a class of the annotations"),
        "{err}"
    );
    assert_eq!(predictions(&d.join("run-a/predictions.csv")).len(), 100);
    assert!(!d.join("run-a/factors.csv").exists());

    // ... nor ImageNet-X images (classes the annotations know, images they do not) ...
    fake_default_annotations(d, &world_classes);
    let (ok, _, err) = train(d, d, &config, "run-b", &[]);
    assert!(ok, "{err}");
    assert!(
        err.contains("no per-factor table") && err.contains("is not an image of the annotations"),
        "{err}"
    );
    assert!(d.join("run-b/predictions.csv").is_file());
    assert!(!d.join("run-b/factors.csv").exists());

    // ... and without any annotations the run ends the same way.
    std::fs::remove_dir_all(d.join("cache/imagenet-x-0.0.7")).unwrap();
    let (ok, _, err) = train(d, d, &config, "run-c", &[]);
    assert!(ok, "{err}");
    assert!(
        err.contains("no per-factor table") && err.contains("no ImageNet-X annotations at"),
        "{err}"
    );
    assert!(d.join("run-c/predictions.csv").is_file());

    // The data's own annotations, given on the command line (relative to the working
    // directory), score it.
    let (ok, out, err) = train(
        d,
        d,
        &config,
        "run-d",
        &["--annotations", "world/annotations"],
    );
    assert!(ok, "{err}");
    assert!(!err.contains("no per-factor table"), "{err}");
    assert!(out.contains("pose") && out.contains("error_ratio"), "{out}");
    let (images, _) = factors_all(&d.join("run-d/factors.csv"));
    assert!(images > 0);
    let saved = std::fs::read_to_string(d.join("run-d/config.toml")).unwrap();
    let abs = d.join("world/annotations").display().to_string();
    assert!(saved.contains(&abs), "{saved}");
}

#[test]
fn a_subset_of_imagenet_classes_exports_and_scores_imagenet_indices() {
    let dir = setup();
    let d = dir.path();
    // World class k becomes the ImageNet class IMAGENET[(3k + 1) % 10], so the sorted class
    // folders are in another order than the world's classes.
    let imagenet_of = |world: usize| IMAGENET[(3 * world + 1) % 10];
    let world_class = |wnid: &str| -> usize { wnid[1..].parse().unwrap() };
    copy_folder(&d.join("world"), &d.join("data"), &|c| {
        imagenet_of(world_class(c)).1.to_string()
    });

    // The world's annotations with ImageNet's class list and indices.
    let world = AnnotationDir::open(d.join("world/annotations")).unwrap();
    let world_metaclasses = world.metaclasses().unwrap();
    let remap = |records: Vec<AnnotationRecord>| -> Vec<AnnotationRecord> {
        records
            .into_iter()
            .map(|r| AnnotationRecord {
                class: imagenet_of(r.class as usize).0,
                ..r
            })
            .collect()
    };
    let mut classes: Vec<ClassLabel> = (0..1000)
        .map(|i| ClassLabel {
            wnid: format!("x{i:08}"),
            label: format!("class {i}"),
        })
        .collect();
    let mut metaclasses = vec![world_metaclasses[0].clone(); 1000];
    for (k, metaclass) in world_metaclasses.iter().enumerate() {
        let (index, wnid) = imagenet_of(k);
        classes[index as usize].wnid = wnid.to_string();
        metaclasses[index as usize] = metaclass.clone();
    }
    let val_labels: Vec<(String, u32)> = world
        .val_labels()
        .unwrap()
        .into_iter()
        .map(|(n, c)| (n, imagenet_of(c as usize).0))
        .collect();
    let set = AnnotationSet {
        classes,
        metaclasses,
        val_top: remap(
            world
                .factor_records(Partition::Val, WhichFactor::Top)
                .unwrap(),
        ),
        val_multi: remap(
            world
                .factor_records(Partition::Val, WhichFactor::Multi)
                .unwrap(),
        ),
        train_top: remap(
            world
                .factor_records(Partition::Train, WhichFactor::Top)
                .unwrap(),
        ),
        train_multi: remap(
            world
                .factor_records(Partition::Train, WhichFactor::Multi)
                .unwrap(),
        ),
        val_labels: val_labels.clone(),
        prototypes: world.prototypes().unwrap(),
        real_labels: None,
    };
    std::fs::create_dir_all(d.join("conf")).unwrap();
    write_annotation_set(&d.join("conf/ann"), &set).unwrap();
    // `[data]` paths are relative to the config file, not to the working directory.
    let config = d.join("conf/imagenet.toml");
    std::fs::write(
        &config,
        CELL.replace(
            "path = \"data\"",
            "path = \"../data\"\nannotations = \"ann\"",
        ),
    )
    .unwrap();
    let elsewhere = d.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let (ok, _, err) = train(d, &elsewhere, &config, "run", &[]);
    assert!(ok, "{err}");

    // Every prediction is one of the ten ImageNet classes ...
    let preds = predictions(&d.join("run/predictions.csv"));
    assert_eq!(preds.len(), 100);
    let indices: BTreeSet<u32> = IMAGENET.iter().map(|(i, _)| *i).collect();
    assert!(
        preds.values().all(|c| indices.contains(c)),
        "predicted classes {:?} are not the ImageNet indices {indices:?}",
        preds.values().collect::<BTreeSet<_>>()
    );
    // ... and right exactly when the trainer counted it right: the run's top-1 is the
    // accuracy of the exported classes against the ImageNet labels.
    let labels: HashMap<String, u32> = val_labels.into_iter().collect();
    let hits = preds.iter().filter(|(n, c)| labels[*n] == **c).count();
    let history = std::fs::read_to_string(d.join("run/history.csv")).unwrap();
    let top1: f64 = history
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .nth(5)
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (hits as f64 / 100.0 - top1).abs() < 1e-9,
        "{hits} hits, top-1 {top1}"
    );

    // The factor table is scored against those labels, as `spillover evaluate` scores it.
    let annotated: Vec<AnnotationRecord> = set.val_top.clone();
    let prototypes: BTreeSet<&String> = set.prototypes.iter().collect();
    let scored: Vec<&AnnotationRecord> = annotated
        .iter()
        .filter(|r| !prototypes.contains(&r.file_name))
        .collect();
    let right = scored
        .iter()
        .filter(|r| preds[&r.file_name] == r.class)
        .count();
    let (images, accuracy) = factors_all(&d.join("run/factors.csv"));
    assert_eq!(images, scored.len() as u64);
    assert!((accuracy - right as f64 / scored.len() as f64).abs() < 1e-12);
    let o = spillover(d)
        .arg("evaluate")
        .arg(d.join("run/predictions.csv"))
        .arg("--annotations")
        .arg(d.join("conf/ann"))
        .args(["--subset", "--format", "csv"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}
