//! `spillover report` driven through the built binary: a fake sweep directory (the format
//! `spillover sweep` writes, from crates/report's tests) becomes index.html, report.md, figures
//! and tables with the verdict printed; a missing input is named; a zoo without the toolkit's
//! model-type map gets a note saying how to fetch it; `--help` works.

#[path = "../../report/tests/common/mod.rs"]
mod common;

use std::path::Path;
use std::process::{Command, Output};

/// The binary with an empty cache, so nothing on this machine leaks in.
fn spillover(cache: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spillover"))
        .args(args)
        .env("SPILLOVER_CACHE", cache)
        .output()
        .unwrap()
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_sweep_directory_becomes_a_page_with_figures_tables_and_a_verdict() {
    let tmp = tempfile::tempdir().unwrap();
    let sweep = tmp.path().join("sweep");
    common::write_sweep(&sweep);
    let out = tmp.path().join("report");
    let o = spillover(
        &tmp.path().join("cache"),
        &[
            "report",
            sweep.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(
        stdout.contains(&format!("wrote {}", out.join("index.html").display())),
        "{stdout}"
    );
    // The verdict: colour jitter lowers the color error ratio and raises pose's.
    let verdict = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("color:"))
        .unwrap_or_else(|| panic!("no verdict line in:\n{stdout}"));
    assert!(
        verdict.contains("improves color") && verdict.contains("worsens pose"),
        "{verdict}"
    );

    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") || html.starts_with("<!doctype html>"));
    assert!(html.contains("<svg"), "figures are inline SVG");
    let without_ns = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    assert!(
        !without_ns.contains("http://") && !without_ns.contains("https://"),
        "the page fetches nothing"
    );
    assert!(!html.contains("<script") && !html.contains("<img"));
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("improves color"), "{md}");
    let figures = files_in(&out.join("figures"));
    assert!(
        figures.iter().any(|f| f.ends_with("-matrix.svg")),
        "{figures:?}"
    );
    assert!(
        figures.iter().any(|f| f.ends_with("-matrix.png")),
        "{figures:?}"
    );
    for f in figures
        .iter()
        .filter(|f| f.ends_with(".svg") || f.ends_with(".png"))
    {
        let linked = format!("figures/{f}");
        if f.ends_with(".svg") {
            assert!(md.contains(&linked), "report.md does not link {linked}");
        }
        assert!(
            std::fs::metadata(out.join("figures").join(f))
                .unwrap()
                .len()
                > 0
        );
    }
    let tables = files_in(&out.join("tables"));
    assert!(
        !tables.is_empty() && tables.iter().all(|t| t.ends_with(".csv")),
        "{tables:?}"
    );
}

#[test]
fn a_missing_input_is_named_and_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("no-such-sweep");
    let out = tmp.path().join("report");
    let o = spillover(
        &tmp.path().join("cache"),
        &[
            "report",
            missing.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(!o.status.success());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains(missing.to_str().unwrap()), "{stderr}");
    assert!(!out.join("index.html").exists());
}

#[test]
fn a_zoo_without_the_fetched_model_map_gets_a_note_not_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let sweep = tmp.path().join("sweep");
    common::write_sweep(&sweep);
    let out = tmp.path().join("report");
    let cells = sweep.join("cells");
    let runs: Vec<String> = ["flip-seed0", "color0.5-seed0", "color1-seed0"]
        .iter()
        .map(|c| cells.join(c).display().to_string())
        .collect();
    let mut args: Vec<&str> = vec!["report"];
    args.extend(runs.iter().map(String::as_str));
    args.extend(["--out", out.to_str().unwrap(), "--no-png"]);
    let o = spillover(&tmp.path().join("empty-cache"), &args);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("run `spillover annotations fetch`"), "{md}");
}

#[test]
fn help_lists_the_options_and_examples() {
    let tmp = tempfile::tempdir().unwrap();
    let o = spillover(tmp.path(), &["report", "--help"]);
    assert!(o.status.success());
    let help = String::from_utf8_lossy(&o.stdout);
    for s in [
        "--out <DIR>",
        "--families",
        "--annotations",
        "Examples:",
        "annotations fetch",
    ] {
        assert!(help.contains(s), "no {s} in:\n{help}");
    }
}
