//! `spillover evaluate` end to end: outputs, and every kind of bad input gives a non-zero exit
//! and a message naming the file, the line and the fix (never a panic).

use spillover_factors::Factor;
use spillover_factors::annotations::{
    AnnotationRecord, AnnotationSet, ClassLabel, MetaclassRow, write_annotation_set,
};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const HEADER: &str = "file_name,predicted_class,predicted_probability\n";

/// A six-image, three-class annotation set; image i has label i % 3.
fn annotations(dir: &Path) -> PathBuf {
    let factors = [
        Factor::Pose,
        Factor::Color,
        Factor::Pose,
        Factor::Darker,
        Factor::Color,
        Factor::Pose,
    ];
    let records: Vec<AnnotationRecord> = (0..6)
        .map(|i| AnnotationRecord {
            file_name: format!("v{i}.png"),
            class: i % 3,
            factors: [factors[i as usize]].into_iter().collect(),
            justification: String::new(),
            one_word: String::new(),
        })
        .collect();
    let set = AnnotationSet {
        classes: (0..3)
            .map(|c| ClassLabel {
                wnid: format!("syn{c}"),
                label: format!("c{c}"),
            })
            .collect(),
        metaclasses: ["dog", "dog", "bird"]
            .iter()
            .enumerate()
            .map(|(i, n)| MetaclassRow {
                wnid: format!("m{i}"),
                name: n.to_string(),
                id: i as u32,
            })
            .collect(),
        val_top: records.clone(),
        val_multi: records.clone(),
        train_top: records
            .iter()
            .map(|r| AnnotationRecord {
                file_name: format!("t{}", r.file_name),
                ..r.clone()
            })
            .collect(),
        train_multi: records
            .iter()
            .map(|r| AnnotationRecord {
                file_name: format!("t{}", r.file_name),
                ..r.clone()
            })
            .collect(),
        val_labels: records
            .iter()
            .map(|r| (r.file_name.clone(), r.class))
            .chain([("v6.png".into(), 0)])
            .collect(),
        prototypes: vec![],
        real_labels: Some((0..7).map(|i| (format!("v{i}.png"), vec![i % 3])).collect()),
    };
    let out = dir.join("annotations");
    write_annotation_set(&out, &set).unwrap();
    out
}

fn spillover(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spillover"))
        .args(args)
        .output()
        .unwrap()
}

struct Case {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    annotations: String,
}

impl Case {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        let annotations = annotations(&dir).to_string_lossy().into_owned();
        Case {
            _tmp: tmp,
            dir,
            annotations,
        }
    }

    fn file(&self, name: &str, content: &[u8]) -> String {
        let path = self.dir.join(name);
        std::fs::File::create(&path)
            .unwrap()
            .write_all(content)
            .unwrap();
        path.to_string_lossy().into_owned()
    }

    /// Six correct rows in shuffled order, with edits.
    fn preds(&self, name: &str, edit: impl Fn(String) -> String) -> String {
        let mut text = String::from(HEADER);
        for i in [3, 0, 5, 1, 4, 2, 6] {
            text.push_str(&format!("v{i}.png,{},0.{}\n", i % 3, i + 1));
        }
        self.file(name, edit(text).as_bytes())
    }

    fn run(&self, extra: &[&str]) -> Output {
        let mut args = vec!["evaluate", "--annotations", &self.annotations];
        args.extend(extra);
        spillover(&args)
    }

    /// Runs, expects failure, returns stderr.
    fn fails(&self, extra: &[&str]) -> String {
        let out = self.run(extra);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!out.status.success(), "expected failure for {extra:?}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        stderr
    }
}

#[test]
fn csv_output_is_the_toolkit_table() {
    let case = Case::new();
    let good = case.preds("good.csv", |t| t.replace("v1.png,1,", "v1.png,2,"));
    let out = case.run(&["--format", "csv", &good]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("model,pose,background,pattern,color,"));
    assert!(header.ends_with(",multiple_objects,worst_factor,average,worst_100_classes"));
    // v1 (color) is wrong: color 1/2, pose 3/3, darker 1/1, average 5/6; factors without
    // images are empty cells (NaN); worst classes = all 3 classes = 5/6.
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(row[0], "good");
    assert_eq!((row[1], row[2], row[4], row[11]), ("1.0", "", "0.5", "1.0"));
    assert_eq!(
        (row[17], row[18], row[19]),
        ("0.5", "0.8333333333333334", "0.8333333333333334")
    );
    let out = case.run(&["--format", "csv", "--error-ratios", &good]);
    let text = String::from_utf8(out.stdout).unwrap();
    let row: Vec<&str> = text.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(
        (row[1], row[4]),
        ("0.0", "3.000000000000001"),
        "(1 - 0.5) / (1 - 5/6) in floating point"
    );
}

#[test]
fn writes_toolkit_csvs_with_human_for_real_class() {
    let case = Case::new();
    let good = case.preds("m.csv.gz", |t| t);
    let gz = {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(std::fs::read(&good).unwrap().as_slice())
            .unwrap();
        enc.finish().unwrap()
    };
    std::fs::write(&good, gz).unwrap();
    let out_dir = case.dir.join("out");
    let out = case.run(&[
        "--error-type",
        "all",
        "--out",
        out_dir.to_str().unwrap(),
        "--format",
        "json",
        &good,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let real = std::fs::read_to_string(
        out_dir.join("val/top_factor/real_class/accuracies_per_factor.csv"),
    )
    .unwrap();
    assert_eq!(
        real.lines()
            .map(|l| l.split(',').next().unwrap())
            .collect::<Vec<_>>(),
        ["model", "human", "m"]
    );
    let class =
        std::fs::read_to_string(out_dir.join("val/top_factor/class/accuracies_per_factor.csv"))
            .unwrap();
    assert_eq!(class.lines().count(), 2, "no human row for class labels");
    for f in [
        "accuracies_per_factor_metaclass.csv",
        "error_ratios.csv",
        "calibration_per_factor.csv",
        "images_per_factor.csv",
    ] {
        assert!(
            out_dir.join("val/top_factor/metaclass").join(f).is_file(),
            "{f}"
        );
    }
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(json.as_array().is_some_and(|a| !a.is_empty()));
}

#[test]
fn bootstrap_intervals_bracket_the_estimate() {
    let case = Case::new();
    let good = case.preds("good.csv", |t| t.replace("v1.png,1,", "v1.png,2,"));
    let out = case.run(&["--ci", "--format", "csv", &good]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("model,factor,images,accuracy,accuracy_low,accuracy_high,error_ratio")
    );
    let color: Vec<&str> = text
        .lines()
        .find(|l| l.contains(",color,"))
        .unwrap()
        .split(',')
        .collect();
    let (acc, low, high): (f64, f64, f64) = (
        color[3].parse().unwrap(),
        color[4].parse().unwrap(),
        color[5].parse().unwrap(),
    );
    assert!(low <= acc && acc <= high && low < high, "{color:?}");
}

#[test]
fn a_missing_file_says_its_cause_once_and_an_empty_folder_says_so() {
    let case = Case::new();
    let missing = case.dir.join("nothere.csv").to_string_lossy().into_owned();
    let stderr = case.fails(&[&missing]);
    assert_eq!(
        stderr.matches("No such file or directory").count(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("nothere.csv: No such file"), "{stderr}");
    let empty = case.dir.join("runs");
    std::fs::create_dir(&empty).unwrap();
    let stderr = case.fails(&[empty.to_str().unwrap()]);
    assert_eq!(
        stderr.trim(),
        format!(
            "error: {}: no prediction files in this directory: it reads the `*.csv` and `*.csv.gz` files directly inside it (not in subfolders), and it is empty",
            empty.display()
        )
    );
    std::fs::write(empty.join("notes.txt"), "x").unwrap();
    std::fs::create_dir(empty.join("r18")).unwrap();
    let stderr = case.fails(&[empty.to_str().unwrap()]);
    assert!(
        stderr.contains("(not in subfolders), and it holds 2 other entries: notes.txt, r18"),
        "{stderr}"
    );
}

#[test]
fn missing_annotations_say_how_to_fetch() {
    let case = Case::new();
    let good = case.preds("good.csv", |t| t);
    let out = spillover(&["evaluate", "--annotations", "/nonexistent/dir", &good]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("/nonexistent/dir") && stderr.contains("spillover annotations fetch"),
        "{stderr}"
    );
}

#[test]
fn bad_prediction_files_name_file_line_and_fix() {
    let case = Case::new();
    let cases: Vec<(String, &str)> = vec![
        (case.file("empty.csv", b""), "empty.csv: the file is empty"),
        (
            case.file("noheader.csv", b"v0.png,0,0.5\n"),
            "noheader.csv:1: no header line",
        ),
        (
            case.file(
                "wrongheader.csv",
                b"file,predicted_class,predicted_probability\n",
            ),
            "lacks column(s) file_name",
        ),
        (
            case.file("bad.csv.gz", b"\x1f\x8b\x08\x00garbage"),
            "bad.csv.gz: corrupt gzip data",
        ),
        (
            case.preds("dup.csv", |t| t + "v2.png,2,0.5\n"),
            "dup.csv:9: `v2.png` appears twice (first on line 7)",
        ),
        (
            case.preds("unknown.csv", |t| t.replace("v6.png", "zebra.png")),
            "unknown.csv:8: `zebra.png` is not an image of the val split",
        ),
        (
            case.preds("class.csv", |t| t.replace("v0.png,0,", "v0.png,3,")),
            "class.csv:3: predicted_class 3 is outside 0..2",
        ),
        (
            case.preds("nonnum.csv", |t| t.replace("v0.png,0,", "v0.png,dog,")),
            "nonnum.csv:3: predicted_class `dog` is not a class index",
        ),
        (
            case.preds("nan.csv", |t| t.replace("v0.png,0,0.1", "v0.png,0,NaN")),
            "nan.csv:3: predicted_probability is NaN",
        ),
        (
            case.preds("range.csv", |t| t.replace("v0.png,0,0.1", "v0.png,0,1.5")),
            "range.csv:3: predicted_probability 1.5 is outside [0, 1]",
        ),
        (
            case.preds("fields.csv", |t| t.replace("v0.png,0,0.1", "v0.png,0")),
            "fields.csv:3: expected 3 comma-separated fields, found 2",
        ),
        (
            case.preds("missing.csv", |t| {
                t.replace("v4.png,1,0.5\n", "")
                    .replace("v5.png,2,0.6\n", "")
            }),
            "missing.csv: predictions for 2 of the 6 annotated images are missing (first: v4.png, v5.png); predict every image, or pass --subset",
        ),
        (
            case.dir.join("nothere.csv").to_string_lossy().into_owned(),
            "nothere.csv: No such file",
        ),
        (
            case.file("notes.txt", b"x"),
            "notes.txt: not a prediction file",
        ),
    ];
    for (path, expected) in &cases {
        let stderr = case.fails(&[path]);
        assert!(
            stderr.contains(expected),
            "{path}: expected `{expected}` in:\n{stderr}"
        );
    }
}

#[test]
fn subset_scores_only_the_images_present_and_says_so() {
    let case = Case::new();
    let part = case.preds("part.csv", |t| {
        t.replace("v4.png,1,0.5\n", "")
            .replace("v5.png,2,0.6\n", "")
    });
    let out = case.run(&["--subset", &part]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("part covers 4 of 6 annotated images (--subset)"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("on 4 images"), "{stdout}");
}

#[test]
fn real_class_is_refused_for_train() {
    let case = Case::new();
    let stderr = case.fails(&[
        "--partition",
        "train",
        "--error-type",
        "real_class",
        "x.csv",
    ]);
    assert!(stderr.contains("real_class needs ReaL labels"), "{stderr}");
}
