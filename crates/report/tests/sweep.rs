//! The report of a sweep directory: matrix values, significance, verdict, unfinished cells, and
//! the files written (self-contained page, markdown, figures, tables).

mod common;

use spillover_factors::Factor;
use spillover_report::verdict::experiment_verdicts;
use spillover_report::{Input, Report, ReportOptions, read_input, write_report};

fn report(dir: &std::path::Path) -> Report {
    let inputs: Vec<Input> = read_input(dir).unwrap();
    Report::build(inputs, None, &ReportOptions::default()).unwrap()
}

#[test]
fn matrix_cells_are_mean_changes_against_the_baseline() {
    let tmp = tempfile::tempdir().unwrap();
    common::write_sweep(tmp.path());
    let r = report(tmp.path());
    let e = &r.experiments[0];
    assert_eq!(
        (e.runs.len(), e.unfinished.len(), e.baseline.len()),
        (14, 1, 3)
    );
    assert_eq!(e.unfinished[0].name, "color1-seed2");
    let labels: Vec<String> = e.rows.iter().map(|r| r.label()).collect();
    assert_eq!(labels, ["color 0.25", "color 0.5", "color 0.75", "color 1"]);
    assert_eq!(
        e.rows[3].runs.len(),
        2,
        "the unfinished seed is not analyzed"
    );
    // Recompute one cell by hand from the run records.
    let er = |idx: &[usize], f: Factor| {
        idx.iter().map(|&i| e.runs[i].error_ratio(f)).sum::<f64>() / idx.len() as f64
    };
    for row in &e.rows {
        for f in [Factor::Color, Factor::Pose, Factor::Shape] {
            let want = er(&row.runs, f) - er(&e.baseline, f);
            assert!((row.cells[f.index()].change.diff - want).abs() < 1e-12);
        }
    }
    let top = &e.rows[3].cells;
    assert!(
        (top[Factor::Color.index()].change.diff + 0.3).abs() < 0.03,
        "{:?}",
        top[Factor::Color.index()]
    );
    assert!((top[Factor::Pose.index()].change.diff - 0.2).abs() < 0.03);
    assert!(top[Factor::Color.index()].p_holm < 0.05 && top[Factor::Pose.index()].p_holm < 0.05);
    assert!(
        top[Factor::Shape.index()].p_holm > 0.05,
        "no change built into shape"
    );
    let c = top[Factor::Color.index()].change;
    assert!(c.ci_low < c.diff && c.diff < c.ci_high && c.ci_high < 0.0);
    // Holm over all 64 cells is at least the raw p-value times... never below it.
    for row in &e.rows {
        for cell in &row.cells {
            assert!(
                cell.p_holm >= cell.change.p
                    && cell.p_bh >= cell.change.p
                    && cell.p_holm >= cell.p_bh
            );
        }
    }
}

#[test]
fn verdict_names_improved_and_worsened_factors() {
    let tmp = tempfile::tempdir().unwrap();
    common::write_sweep(tmp.path());
    let r = report(tmp.path());
    let v = &experiment_verdicts(&r.experiments[0], 0.05)[0];
    // Five strengths (baseline as 0): the trend test decides.
    assert!(v.from_trend);
    assert_eq!(
        v.improved.iter().map(|f| f.factor).collect::<Vec<_>>(),
        [Factor::Color]
    );
    assert_eq!(
        v.worsened.iter().map(|f| f.factor).collect::<Vec<_>>(),
        [Factor::Pose]
    );
    let s = v.sentence(3);
    assert!(
        s.starts_with("color: improves color (ΔER −0.29") && s.contains("worsens pose (ΔER +0.2"),
        "{s}"
    );
    assert!(s.contains("trend t = −33.3"), "{s}");
    assert!(s.contains("color 1 vs flip"), "{s}");
    let lines = r.verdict_lines();
    assert_eq!(lines.len(), 1);
    assert!(
        lines[0].starts_with("color: improves color −0.30; worsens pose +0.21"),
        "{lines:?}"
    );
}

#[test]
fn writes_a_self_contained_page_and_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let sweep = tmp.path().join("sweep");
    common::write_sweep(&sweep);
    let out = tmp.path().join("report");
    let r = report(&sweep);
    let w = write_report(&r, &out).unwrap();
    let html = std::fs::read_to_string(&w.index).unwrap();
    // matrix, trend, top-1, curves
    assert_eq!(w.figures, 4);
    assert_eq!(html.matches("<svg").count(), 4);
    for name in [
        "e1-sweep-demo-matrix",
        "e1-sweep-demo-color-trend",
        "e1-sweep-demo-top1",
        "e1-sweep-demo-curves",
    ] {
        assert!(out.join(format!("figures/{name}.svg")).exists(), "{name}");
        let png = std::fs::read(out.join(format!("figures/{name}.png"))).unwrap();
        assert_eq!(&png[1..4], b"PNG");
    }
    // Nothing to fetch: the only URL is the SVG namespace.
    let without_ns = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    assert!(!without_ns.contains("http://") && !without_ns.contains("https://"));
    assert!(!html.contains("<script") && !html.contains("<img") && !html.contains("@import"));
    // Hover: every matrix cell has its interval in a <title>.
    assert_eq!(html.matches("· color: ΔER").count(), 4);
    assert!(html.contains("tensorboard --logdir"));
    assert!(
        html.contains("href=\"../sweep/cells/color0.5-seed1\""),
        "links are relative"
    );
    assert!(html.contains("not finished (no done.json)"));
    let md = std::fs::read_to_string(&w.markdown).unwrap();
    assert!(md.contains("![Spill-over matrix: sweep `demo`](figures/e1-sweep-demo-matrix.png)"));
    let matrix = std::fs::read_to_string(out.join("tables/e1-sweep-demo-matrix.csv")).unwrap();
    assert_eq!(matrix.lines().count(), 1 + 4 * 16);
    let runs = std::fs::read_to_string(out.join("tables/e1-sweep-demo-runs.csv")).unwrap();
    assert!(runs.lines().any(|l| l.starts_with("color1-seed2,,,,false")));
}

#[test]
fn bad_inputs_name_file_line_and_fix() {
    let tmp = tempfile::tempdir().unwrap();
    common::write_sweep(tmp.path());
    let f = tmp.path().join("cells/color0.5-seed1/factors.csv");
    let text = std::fs::read_to_string(&f)
        .unwrap()
        .replace("texture,100,", "textur,100,");
    std::fs::write(&f, text).unwrap();
    let e = read_input(tmp.path()).unwrap_err().to_string();
    assert!(
        e.contains("factors.csv, line 10: unknown factor `textur`")
            && e.contains("spillover train"),
        "{e}"
    );
    std::fs::write(
        tmp.path().join("sweep.json"),
        "{\"version\":1,\"name\":\"x\"",
    )
    .unwrap();
    let e = read_input(tmp.path()).unwrap_err().to_string();
    assert!(
        e.contains("sweep.json, line 1: invalid sweep.json") && e.contains("version 1"),
        "{e}"
    );
    let bad = tmp.path().join("x.csv");
    std::fs::write(&bad, "a,b\n1,2\n").unwrap();
    let e = read_input(&bad).unwrap_err().to_string();
    assert!(
        e.contains("x.csv, line 1: unrecognised header `a,b`"),
        "{e}"
    );
}

#[test]
fn a_folder_of_run_directories_is_a_set_of_models() {
    let tmp = tempfile::tempdir().unwrap();
    common::write_sweep(tmp.path());
    // `spillover train --out runs/<name>` directories: no sweep.json, no done.json needed.
    let runs = tmp.path().join("runs");
    std::fs::create_dir_all(&runs).unwrap();
    for name in ["flip-seed0", "color1-seed0"] {
        std::fs::rename(tmp.path().join("cells").join(name), runs.join(name)).unwrap();
        let _ = std::fs::remove_file(runs.join(name).join("done.json"));
    }
    let inputs = read_input(&runs).unwrap();
    assert_eq!(inputs.len(), 2);
    let r = Report::build(inputs, None, &ReportOptions::default()).unwrap();
    let z = r.zoo.as_ref().unwrap();
    let names: Vec<&str> = z.models.iter().map(|m| m.run.name.as_str()).collect();
    assert_eq!(names, ["color1-seed0", "flip-seed0"]);
    assert_eq!(z.models[0].run.history.len(), 3);
    let out = tmp.path().join("report");
    write_report(&r, &out).unwrap();
    for f in ["zoo-curves", "zoo-models", "zoo-share"] {
        assert!(out.join(format!("figures/{f}.svg")).exists(), "{f}");
    }
    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let e = read_input(&empty).unwrap_err().to_string();
    assert!(
        e.contains("is a directory with no sweep.json, factors.csv"),
        "{e}"
    );
}

#[test]
fn cells_of_other_models_are_other_experiments_not_seeds() {
    let tmp = tempfile::tempdir().unwrap();
    common::write_sweep(tmp.path());
    let path = tmp.path().join("sweep.json");
    let json = std::fs::read_to_string(&path).unwrap();
    let json = json.replace(
        "\"seed\":2,\"model\":\"resnet18_small\"",
        "\"seed\":2,\"model\":\"vit_tiny\"",
    );
    std::fs::write(&path, json).unwrap();
    let r = report(tmp.path());
    let titles: Vec<&str> = r.experiments.iter().map(|e| e.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "sweep `demo` (model=resnet18_small)",
            "sweep `demo` (model=vit_tiny)"
        ]
    );
    let sizes: Vec<(usize, usize, usize)> = r
        .experiments
        .iter()
        .map(|e| (e.runs.len(), e.baseline.len(), e.unfinished.len()))
        .collect();
    assert_eq!(sizes, [(10, 2, 0), (4, 1, 1)]);
    assert!(r.experiments[1].rows.iter().all(|row| row.runs.len() == 1));
    // One seed each: nothing can be significant; the verdict names the largest changes.
    let v = &experiment_verdicts(&r.experiments[1], 0.05)[0];
    assert!(v.improved.is_empty() && v.worsened.is_empty());
    let largest: Vec<Factor> = v.largest.iter().map(|f| f.factor).collect();
    assert_eq!(largest, [Factor::Color, Factor::Pose]);
    assert!(
        v.sentence(3)
            .contains("no change significant after Holm; largest: color (ΔER −0.2"),
        "{}",
        v.sentence(3)
    );
}
