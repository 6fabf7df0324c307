//! Prediction files scored against an annotation set (a tiny one written here), and the factor
//! co-occurrence heatmap from the same annotations.

use std::path::Path;

use spillover_factors::annotations::{
    AnnotationDir, AnnotationRecord, AnnotationSet, ClassLabel, MetaclassRow, write_annotation_set,
};
use spillover_factors::eval::{EvalOptions, EvalSet};
use spillover_factors::predictions::write_predictions_csv;
use spillover_factors::{Factor, FactorSet};
use spillover_report::{
    Input, Report, ReportOptions, cooccurrence, read_input, score_predictions, write_report,
};

const IMAGES: usize = 300;
const CLASSES: u32 = 10;

/// Factors of image i: `color` on every third image, `brighter` on most of those (correlated),
/// `pose` on every fifth; images 290.. are prototypes.
fn factors(i: usize) -> FactorSet {
    let mut bits = 0u16;
    if i.is_multiple_of(3) {
        bits |= 1 << Factor::Color.index();
        if !i.is_multiple_of(4) {
            bits |= 1 << Factor::Brighter.index();
        }
    }
    if i.is_multiple_of(5) {
        bits |= 1 << Factor::Pose.index();
    }
    if bits == 0 {
        bits |= 1 << Factor::Background.index();
    }
    FactorSet(bits)
}

fn name_of(i: usize) -> String {
    format!("ILSVRC2012_val_{:08}.JPEG", i + 1)
}

fn write_set(dir: &Path) {
    let records: Vec<AnnotationRecord> = (0..IMAGES)
        .map(|i| AnnotationRecord {
            file_name: name_of(i),
            class: i as u32 % CLASSES,
            factors: factors(i),
            justification: String::new(),
            one_word: String::new(),
        })
        .collect();
    let set = AnnotationSet {
        classes: (0..CLASSES)
            .map(|c| ClassLabel {
                wnid: format!("n{c:08}"),
                label: format!("class{c}"),
            })
            .collect(),
        metaclasses: (0..CLASSES)
            .map(|c| MetaclassRow {
                wnid: format!("n{:08}", 100 + c),
                name: "dog".into(),
                id: c,
            })
            .collect(),
        val_top: records.clone(),
        val_multi: records.clone(),
        train_top: records.clone(),
        train_multi: records,
        val_labels: (0..IMAGES)
            .map(|i| (name_of(i), i as u32 % CLASSES))
            .collect(),
        prototypes: (290..IMAGES).map(name_of).collect(),
        real_labels: None,
    };
    write_annotation_set(dir, &set).unwrap();
}

#[test]
fn prediction_files_are_scored_and_the_annotations_correlated() {
    let tmp = tempfile::tempdir().unwrap();
    let ann = tmp.path().join("annotations");
    write_set(&ann);
    let preds = tmp.path().join("preds");
    std::fs::create_dir_all(&preds).unwrap();
    // Model m is wrong on images with the colour factor when i % (m + 2) == 0, and on pose images.
    for m in 0..3usize {
        let rows: Vec<(String, u32, f64)> = (0..IMAGES)
            .map(|i| {
                let wrong = (factors(i).contains(Factor::Color) && i.is_multiple_of(m + 2))
                    || factors(i).contains(Factor::Pose);
                let label = i as u32 % CLASSES;
                (
                    name_of(i),
                    if wrong { (label + 1) % CLASSES } else { label },
                    0.9,
                )
            })
            .collect();
        write_predictions_csv(
            &preds.join(format!("model{m}.csv")),
            rows.iter().map(|(n, c, p)| (n.as_str(), *c, *p)),
        )
        .unwrap();
    }
    let inputs = read_input(&preds).unwrap();
    assert_eq!(inputs.len(), 3);
    assert!(matches!(&inputs[0], Input::Predictions { model, .. } if model == "model0"));
    let dir = AnnotationDir::open(&ann).unwrap();
    let set = EvalSet::load(&dir, EvalOptions::default()).unwrap();
    let scored: Vec<Input> = inputs
        .into_iter()
        .map(|i| match i {
            Input::Predictions { model, path } => Input::Model {
                source: path.display().to_string(),
                run: score_predictions(&set, &model, &path, false).unwrap(),
            },
            other => other,
        })
        .collect();
    let co = cooccurrence(&dir).unwrap();
    let report = Report::build(scored, Some(co), &ReportOptions::default()).unwrap();
    let z = report.zoo.as_ref().unwrap();
    assert_eq!(z.models.len(), 3);
    // Top-1 and the colour accuracy, counted here from the rules above (prototypes filtered).
    let kept: Vec<usize> = (0..290).collect();
    for (m, model) in z.models.iter().enumerate() {
        let wrong = |i: usize| {
            (factors(i).contains(Factor::Color) && i.is_multiple_of(m + 2))
                || factors(i).contains(Factor::Pose)
        };
        let top1 = kept.iter().filter(|&&i| !wrong(i)).count() as f64 / kept.len() as f64;
        assert_eq!(model.run.top1, top1, "{}", model.run.name);
        // Top-factor annotations: an image's factors are all its "top" factors here.
        let with_color: Vec<usize> = kept
            .iter()
            .copied()
            .filter(|&i| factors(i).contains(Factor::Color))
            .collect();
        let acc =
            with_color.iter().filter(|&&i| !wrong(i)).count() as f64 / with_color.len() as f64;
        assert_eq!(model.run.accuracy[Factor::Color.index()], acc);
    }
    // Spearman on 0/1 columns is the phi coefficient from the 2x2 counts.
    let c = report.cooccurrence.as_ref().unwrap();
    assert_eq!(c.images, 290);
    let (a, b) = (Factor::Color, Factor::Brighter);
    let count = |x: bool, y: bool| {
        kept.iter()
            .filter(|&&i| factors(i).contains(a) == x && factors(i).contains(b) == y)
            .count() as f64
    };
    let (n11, n10, n01, n00) = (
        count(true, true),
        count(true, false),
        count(false, true),
        count(false, false),
    );
    let phi =
        (n11 * n00 - n10 * n01) / ((n11 + n10) * (n01 + n00) * (n11 + n01) * (n10 + n00)).sqrt();
    assert!(
        (c.rho[a.index()][b.index()] - phi).abs() < 1e-12,
        "{} vs {phi}",
        c.rho[a.index()][b.index()]
    );
    assert!(phi > 0.5 && c.p[a.index()][b.index()] < 1e-10);
    // The page has the co-occurrence figure and the models' heatmap.
    let out = tmp.path().join("report");
    let w = write_report(&report, &out).unwrap();
    assert!(out.join("figures/annotations-cooccurrence.svg").exists());
    assert!(out.join("figures/zoo-models.svg").exists());
    let csv = std::fs::read_to_string(out.join("tables/annotations-cooccurrence.csv")).unwrap();
    assert_eq!(csv.lines().count(), 17);
    assert!(w.figures >= 4);
}

#[test]
fn prediction_files_need_scoring() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("m.csv");
    std::fs::write(
        &p,
        "file_name,predicted_class,predicted_probability\nx,1,0.5\n",
    )
    .unwrap();
    let inputs = read_input(&p).unwrap();
    let e = Report::build(inputs, None, &ReportOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("m.csv: a prediction file must be scored first"),
        "{e}"
    );
}

#[test]
fn one_seed_cells_get_a_paired_bootstrap_over_images() {
    let tmp = tempfile::tempdir().unwrap();
    let ann = tmp.path().join("annotations");
    write_set(&ann);
    let set = EvalSet::load(&AnnotationDir::open(&ann).unwrap(), EvalOptions::default()).unwrap();
    let sweep = tmp.path().join("sweep");
    // Baseline: wrong on pose images. Colour jitter: also wrong on half the colour images.
    let cells = [
        ("flip-seed0", "flip", "null", 0usize),
        ("color1-seed0", "color", "1.0", 2),
    ];
    let mut json = Vec::new();
    for (k, (name, group, strength, every)) in cells.iter().enumerate() {
        let dir = sweep.join("cells").join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let rows: Vec<(String, u32, f64)> = (0..IMAGES)
            .map(|i| {
                let wrong = factors(i).contains(Factor::Pose)
                    || (*every > 0
                        && factors(i).contains(Factor::Color)
                        && i.is_multiple_of(*every));
                let label = i as u32 % CLASSES;
                (
                    name_of(i),
                    if wrong { (label + 1) % CLASSES } else { label },
                    0.9,
                )
            })
            .collect();
        let preds = dir.join("predictions.csv");
        write_predictions_csv(&preds, rows.iter().map(|(n, c, p)| (n.as_str(), *c, *p))).unwrap();
        let run = score_predictions(&set, name, &preds, false).unwrap();
        let mut csv = String::from("factor,images,accuracy,error_ratio\n");
        for f in Factor::ALL {
            csv.push_str(&format!(
                "{f},1,{},{}\n",
                run.accuracy[f.index()],
                run.error_ratio(f)
            ));
        }
        csv.push_str(&format!("all,290,{},1\n", run.top1));
        std::fs::write(dir.join("factors.csv"), csv).unwrap();
        std::fs::write(dir.join("done.json"), "{}").unwrap();
        json.push(format!("{{\"index\":{k},\"name\":\"{name}\",\"id\":\"x\",\"group\":\"{group}\",\"strength\":{strength},\"seed\":0,\"model\":null,\"values\":{{}},\"differences\":[]}}"));
    }
    std::fs::write(sweep.join("sweep.json"), format!("{{\"version\":1,\"experiment\":\"e.toml\",\"name\":\"one\",\"baseline\":\"flip\",\"cells\":[{}]}}", json.join(","))).unwrap();
    let mut report =
        Report::build(read_input(&sweep).unwrap(), None, &ReportOptions::default()).unwrap();
    let e = &mut report.experiments[0];
    let color = Factor::Color.index();
    assert!(
        e.rows[0].cells[color].change.p.is_nan(),
        "one seed each: no Welch test"
    );
    assert_eq!(e.bootstrap_single_seed(&set, 1000, 0.95).unwrap(), 1);
    let cells = &e.rows[0].cells;
    let c = &cells[color];
    assert!(
        c.by_images && c.change.diff > 0.0 && c.change.ci_low > 0.0 && c.change.p < 0.01,
        "{c:?}"
    );
    assert!(c.change.ci_low < c.change.diff && c.change.diff < c.change.ci_high);
    assert!(
        c.change.p >= 1.0 / 1001.0,
        "a bootstrap p-value is never 0: {}",
        c.change.p
    );
    // Shape images are never wrong for either run: no change and a point interval.
    let shape = &cells[Factor::Shape.index()];
    assert!(
        shape.change.diff.abs() < 1e-12 || shape.change.diff.is_nan(),
        "{shape:?}"
    );
    assert!(!c.p_holm.is_nan() && c.p_holm >= c.change.p);
    assert!(
        e.notes
            .iter()
            .any(|n| n.contains("paired bootstrap over images"))
    );
}
