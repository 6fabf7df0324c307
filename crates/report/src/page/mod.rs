//! Writing the report: `index.html`, `report.md`, `figures/*.svg|png`, `tables/*.csv`, every
//! file written atomically.

mod figs;
mod html;
mod markdown;
mod tables;
mod zoo_figs;

use std::path::{Component, Path, PathBuf};
use std::time::Instant;

pub use figs::slug;

use crate::Report;
use crate::error::ReportError;
use crate::experiment::fmt_strength;

/// A section of the page.
pub(crate) struct Section {
    pub key: String,
    pub title: String,
    pub paragraphs: Vec<String>,
    pub notes: Vec<String>,
    /// Figure names, in order.
    pub figures: Vec<String>,
    /// Table file names.
    pub tables: Vec<String>,
    pub experiment: Option<usize>,
}

/// What was written, and how long the parts took.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    pub index: PathBuf,
    pub markdown: PathBuf,
    pub figures: usize,
    pub tables: usize,
    /// Seconds spent drawing the figures and writing files.
    pub draw_seconds: f64,
    pub write_seconds: f64,
}

/// Draws the figures and writes every file of the report under `out`.
pub fn write_report(report: &Report, out: &Path) -> Result<Written, ReportError> {
    let t0 = Instant::now();
    let plans = figs::plan(report);
    let refs: Vec<&figs::Planned> = plans.iter().map(|p| &p.1).collect();
    let figures = figs::draw_all(&refs, report.options.png)?;
    let draw_seconds = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let tables = tables::tables(report);
    let sections = sections(report, &plans, &tables);
    let write = |path: PathBuf, bytes: &[u8]| {
        spillover_factors::atomic::write_bytes_atomic(&path, bytes)
            .map_err(|error| ReportError::Write { path, error })
    };
    std::fs::create_dir_all(out.join("figures")).map_err(|error| ReportError::Write {
        path: out.join("figures"),
        error,
    })?;
    for f in &figures {
        write(
            out.join("figures").join(format!("{}.svg", f.name)),
            f.svg.as_bytes(),
        )?;
        if let Some(png) = &f.png {
            write(out.join("figures").join(format!("{}.png", f.name)), png)?;
        }
    }
    for (name, text) in &tables {
        write(out.join("tables").join(name), text.as_bytes())?;
    }
    let index = out.join("index.html");
    write(
        index.clone(),
        html::page(report, &sections, &figures, out).as_bytes(),
    )?;
    let md = out.join("report.md");
    write(
        md.clone(),
        markdown::markdown(report, &sections, &figures, out).as_bytes(),
    )?;
    Ok(Written {
        index,
        markdown: md,
        figures: figures.len(),
        tables: tables.len(),
        draw_seconds,
        write_seconds: t1.elapsed().as_secs_f64(),
    })
}

fn sections(
    report: &Report,
    plans: &[(String, figs::Planned)],
    tables: &[(String, String)],
) -> Vec<Section> {
    let figures_of = |key: &str| {
        plans
            .iter()
            .filter(|p| p.0 == key)
            .map(|p| p.1.name.clone())
            .collect::<Vec<_>>()
    };
    let tables_of = |prefix: &str| {
        tables
            .iter()
            .filter(|t| t.0.starts_with(prefix))
            .map(|t| t.0.clone())
            .collect::<Vec<_>>()
    };
    let mut out = Vec::new();
    for (k, e) in report.experiments.iter().enumerate() {
        let key = figs::experiment_slug(k, e);
        let strengths: Vec<String> = {
            let mut v: Vec<String> = Vec::new();
            for r in &e.rows {
                let s = r.strength.map(fmt_strength).unwrap_or_else(|| "-".into());
                if !v.contains(&s) {
                    v.push(s);
                }
            }
            v
        };
        let mut paragraphs = vec![format!(
            "Source: {}. {} finished runs; baseline: {} ({} runs); {} augmentation cell(s) at strengths {}. Error ratio = (1 − factor accuracy) / (1 − top-1); ΔER < 0: the augmentation made models more robust to the factor.",
            e.source,
            e.runs.len(),
            e.baseline_label,
            e.baseline.len(),
            e.rows.len(),
            strengths.join(", ")
        )];
        if e.dir.is_some() && !e.trends.is_empty() {
            paragraphs.push("Strength trends per augmentation use the baseline runs as strength 0 when the augmentation has no strength-0 cell.".into());
        }
        let mut notes = e.notes.clone();
        for t in &e.trends {
            if let Err(why) = &t.analysis {
                notes.push(format!("no trend test for `{}`: {why}", t.group));
            }
        }
        out.push(Section {
            title: e.title.clone(),
            figures: figures_of(&key),
            tables: tables_of(&key),
            key,
            paragraphs,
            notes,
            experiment: Some(k),
        });
    }
    if let Some(z) = &report.zoo {
        let counts: Vec<String> = z
            .paradigm
            .groups
            .iter()
            .map(|(n, i)| format!("{n}: {}", i.len()))
            .collect();
        let fam: Vec<String> = z
            .family
            .groups
            .iter()
            .map(|(n, i)| format!("{n}: {}", i.len()))
            .collect();
        out.push(Section {
            key: "zoo".into(),
            title: format!("Model zoo ({} models)", z.models.len()),
            paragraphs: vec![
                format!(
                    "Learning paradigm (the imagenet-x toolkit's model map, fetched from its wheel): {}. Architecture family (name-prefix map, extend it with --families): {}.",
                    if report.options.model_types.is_some() { counts.join(", ") } else { "not available, see the notes".into() },
                    fam.join(", ")
                ),
            ],
            notes: z.notes.clone(),
            figures: figures_of("zoo"),
            tables: tables_of("zoo"),
            experiment: None,
        });
    }
    if report.cooccurrence.is_some() {
        out.push(Section {
            key: "annotations".into(),
            title: "Annotations".into(),
            paragraphs: Vec::new(),
            notes: Vec::new(),
            figures: figures_of("annotations"),
            tables: tables_of("annotations"),
            experiment: None,
        });
    }
    out
}

/// `to` relative to `from` (both made absolute), for links in the page.
pub(crate) fn relative(from: &Path, to: &Path) -> String {
    let abs = |p: &Path| {
        p.canonicalize().unwrap_or_else(|_| {
            std::env::current_dir()
                .map(|d| d.join(p))
                .unwrap_or_else(|_| p.to_path_buf())
        })
    };
    let (from, to) = (abs(from), abs(to));
    let a: Vec<Component> = from.components().collect();
    let b: Vec<Component> = to.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".to_string(); a.len() - common];
    parts.extend(
        b[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}
