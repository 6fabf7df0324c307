//! The page as a person sees it: headless Chromium (Debian's `chromium`, installed by
//! scripts/setup.sh) renders index.html of a sweep + zoo report; the screenshot is not blank
//! and shows the heatmap's blues and reds, every figure is in the DOM, no console error, and
//! nothing is requested off the machine (every network name resolves to nothing).
//! Skips with a printed reason where Chromium is missing. `SPILLOVER_REPORT_SCREENSHOT=FILE`
//! keeps the screenshot.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use spillover_factors::Factor;
use spillover_report::{Input, Report, ReportOptions, read_input, write_report};

fn chromium() -> Option<PathBuf> {
    let candidates = [
        std::env::var("CHROMIUM").unwrap_or_default(),
        "chromium".into(),
        "chromium-browser".into(),
        "google-chrome".into(),
    ];
    for c in candidates.iter().filter(|c| !c.is_empty()) {
        if Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return Some(PathBuf::from(c));
        }
    }
    None
}

/// A small zoo table with names from the toolkit's map (two per compared paradigm + others).
fn zoo_table(path: &Path) {
    let names = [
        "resnet50",
        "densenet121",
        "BiT-M-R50x1-ILSVRC2012",
        "instagram-resnext101_32x8d",
        "DINO",
        "simclr_resnet50x1",
        "resnet50_lpf2",
        "FixResNet50CutMix",
        "vit_base_patch16_224",
        "vit_large_patch16_224",
    ];
    let mut s = format!(
        "model,{},worst_factor,average,worst_100_classes\n",
        Factor::ALL.map(|f| f.name()).join(",")
    );
    for (i, n) in names.iter().enumerate() {
        let top1 = 0.6 + 0.03 * i as f64;
        let accs: Vec<String> = Factor::ALL
            .iter()
            .map(|f| {
                let er =
                    0.7 + 0.08 * f.index() as f64 + 0.01 * ((i * 7 + f.index() * 3) % 5) as f64;
                format!("{}", 1.0 - er * (1.0 - top1))
            })
            .collect();
        s.push_str(&format!("{n},{},0.3,{top1},0.2\n", accs.join(",")));
    }
    std::fs::write(path, s).unwrap();
}

#[test]
fn the_page_renders_in_chromium() {
    let Some(chrome) = chromium() else {
        eprintln!(
            "skipped: no chromium on PATH (scripts/setup.sh installs Debian's `chromium`; or set CHROMIUM)"
        );
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let sweep = tmp.path().join("sweep");
    common::write_sweep(&sweep);
    let table = tmp.path().join("zoo.csv");
    zoo_table(&table);
    let mut inputs: Vec<Input> = read_input(&sweep).unwrap();
    inputs.extend(read_input(&table).unwrap());
    let report = Report::build(inputs, None, &ReportOptions::default()).unwrap();
    let out = tmp.path().join("report");
    let written = write_report(&report, &out).unwrap();
    let url = format!("file://{}", written.index.canonicalize().unwrap().display());
    let shot = tmp.path().join("shot.png");
    let profile = tmp.path().join("profile");
    let common_args = |cmd: &mut Command| {
        cmd.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
        ])
        // Any request off the machine fails (and would show in the log).
        .arg("--host-resolver-rules=MAP * ~NOTFOUND")
        .arg(format!("--user-data-dir={}", profile.display()));
    };
    let mut cmd = Command::new(&chrome);
    common_args(&mut cmd);
    let o = cmd
        .arg("--window-size=1280,2400")
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&url)
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(
        o.status.success() && shot.exists(),
        "chromium failed: {log}"
    );
    let mut cmd = Command::new(&chrome);
    common_args(&mut cmd);
    let o = cmd.arg("--dump-dom").arg(&url).output().unwrap();
    let dom = String::from_utf8_lossy(&o.stdout).to_string();
    let log = log + &String::from_utf8_lossy(&o.stderr);
    if let Some(keep) = std::env::var_os("SPILLOVER_REPORT_SCREENSHOT") {
        std::fs::copy(&shot, keep).unwrap();
    }

    // Every figure is in the rendered DOM, inline (no <img> that could fail to load).
    assert_eq!(
        dom.matches("<figure").count(),
        written.figures,
        "figures in the DOM"
    );
    assert_eq!(dom.matches("<svg").count(), written.figures);
    assert!(!dom.contains("<img") && !dom.contains("<script"));
    // No console errors, no network errors (a fetch would have failed to resolve).
    for bad in ["CONSOLE", "Uncaught", "ERR_NAME_NOT_RESOLVED", "net::ERR"] {
        assert!(!log.contains(bad), "`{bad}` in chromium's log:\n{log}");
    }
    let html = std::fs::read_to_string(&written.index).unwrap();
    let stripped = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    assert!(
        !stripped.contains("http://")
            && !stripped.contains("https://")
            && !stripped.contains("url(")
    );

    // The screenshot is a page, not a blank: enough ink, many colours, the heatmap's blue and red.
    let img = image::open(&shot).unwrap().to_rgb8();
    assert_eq!(img.dimensions(), (1280, 2400));
    let pixels = img.pixels().count() as f64;
    let ink = img
        .pixels()
        .filter(|p| p.0.iter().any(|&c| c < 200))
        .count() as f64;
    assert!(
        ink / pixels > 0.03,
        "only {:.1} % of the screenshot is not white",
        100.0 * ink / pixels
    );
    let blue = img
        .pixels()
        .any(|p| p.0[2] > 120 && p.0[0] < 90 && p.0[1] < 140);
    let red = img
        .pixels()
        .any(|p| p.0[0] > 150 && p.0[1] < 90 && p.0[2] < 90);
    assert!(
        blue && red,
        "the spill-over matrix's colours are not on screen (blue {blue}, red {red})"
    );
    let mut colours: Vec<[u8; 3]> = img.pixels().step_by(7).map(|p| p.0).collect();
    colours.sort();
    colours.dedup();
    assert!(colours.len() > 100, "{} colours", colours.len());
}
