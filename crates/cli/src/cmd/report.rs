//! `spillover report INPUT... --out DIR`: the spill-over report (HTML page, markdown, figures,
//! tables) of sweeps, run directories, prediction files and accuracy tables.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Args;
use spillover_factors::analyze::StrengthSpec;
use spillover_factors::annotations;
use spillover_factors::eval::{EvalOptions, EvalSet};
use spillover_report::zoo::{ModelTypes, parse_family_lines};
use spillover_report::{
    Input, Report, ReportOptions, cooccurrence, read_input, score_predictions, write_report,
};

use super::annotations::AnnotationsArg;

const EXAMPLES: &str = "Examples:
  spillover report runs/demo --out runs/demo/report          # a sweep directory (experiments/demo.toml)
  spillover report runs/demo --annotations world/annotations --out report/   # + bootstrap over images
  spillover report ../shared/reference/imagenetx/results/val/top_factor/colorjitter/class/accuracies_per_factor.csv.gz --out report-cj
  spillover report zoo/*/class/accuracies_per_factor.csv.gz --zoo --families my_families.tsv --out zoo-report
  spillover report preds/*.csv.gz --out report/             # prediction files (scored like `evaluate`)

Inputs: a sweep directory (sweep.json), run directories (factors.csv), folders of them, prediction
files (file_name,predicted_class,predicted_probability) or accuracy tables (model,<16 factors>,average).
A model zoo is grouped by learning paradigm with the imagenet-x toolkit's model-type map
(model_types.py), which `spillover annotations fetch` caches from the toolkit's wheel; without it
the report says so and groups by architecture family only.
Open DIR/index.html in any browser (self-contained: nothing is fetched); DIR/report.md has the same
findings as text.";

#[derive(Args)]
#[command(after_help = EXAMPLES)]
pub struct ReportArgs {
    /// Sweep or run directories, folders of them, prediction files, accuracy tables.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Output directory: index.html, report.md, figures/, tables/.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Strength of accuracy tables: a column or the key of `key<number>` in run names
    /// (default: the one numeric key that varies, as `spillover analyze`).
    #[arg(long, value_name = "KEY")]
    pub strength: Option<String>,
    /// Keep the raw `crop` value as strength (default: the paper's 100 - crop).
    #[arg(long)]
    pub no_complement: bool,
    /// Read every accuracy table as a model zoo (no strength detection).
    #[arg(long)]
    pub zoo: bool,
    /// Extra architecture families: lines `prefix<TAB>family` (they win over the shipped map).
    #[arg(long, value_name = "FILE")]
    pub families: Option<PathBuf>,
    /// Strengths of a table with fewer runs are left out of the trend test (toolkit: > 4).
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub min_runs: usize,
    /// The same for sweep directories (a few seeds per cell).
    #[arg(long, default_value_t = 2, value_name = "N")]
    pub min_runs_sweep: usize,
    /// Significance level (after Holm).
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// Bootstrap resamples over images for cells with one seed (needs --annotations).
    #[arg(long, default_value_t = 2000, value_name = "N")]
    pub resamples: usize,
    /// Score prediction files on the annotated images they contain only.
    #[arg(long)]
    pub subset: bool,
    /// Leave out the factor co-occurrence heatmap of the annotations.
    #[arg(long)]
    pub no_cooccurrence: bool,
    /// SVG only (no PNG copies of the figures).
    #[arg(long)]
    pub no_png: bool,
    /// Page title (default: named after the inputs).
    #[arg(long)]
    pub title: Option<String>,
    /// Print how long reading, analysis, drawing and writing took.
    #[arg(long)]
    pub timings: bool,
    #[command(flatten)]
    pub annotations: AnnotationsArg,
}

pub fn run(args: ReportArgs) -> anyhow::Result<()> {
    let t0 = Instant::now();
    if !(0.0 < args.alpha && args.alpha < 1.0) {
        bail!("--alpha must be in (0, 1), got {}", args.alpha);
    }
    let families = match &args.families {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading --families {}", path.display()))?;
            parse_family_lines(&text).map_err(|line| {
                anyhow::anyhow!(
                    "{}, line {line}: expected `prefix<TAB>family`; fix or remove the line",
                    path.display()
                )
            })?
        }
        None => Vec::new(),
    };
    let mut inputs = Vec::new();
    for path in &args.inputs {
        inputs.extend(read_input(path).with_context(|| format!("reading {}", path.display()))?);
    }
    let explicit = args.annotations.annotations.is_some();
    let needs_set = inputs
        .iter()
        .any(|i| matches!(i, Input::Predictions { .. }));
    let mut scored = Vec::with_capacity(inputs.len());
    if needs_set {
        let dir = args.annotations.open().context("opening the annotations to score prediction files (`spillover annotations fetch`, or --annotations DIR)")?;
        let set = EvalSet::load_cached(&dir, EvalOptions::default())
            .context("loading the annotations")?;
        for input in inputs {
            scored.push(match input {
                Input::Predictions { model, path } => Input::Model {
                    source: path.display().to_string(),
                    run: score_predictions(&set, &model, &path, args.subset)
                        .with_context(|| format!("scoring {}", path.display()))?,
                },
                other => other,
            });
        }
    } else {
        scored = inputs;
    }
    let read_s = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let mut options = ReportOptions {
        alpha: args.alpha,
        strength: StrengthSpec {
            key: args.strength.clone(),
            complement: false,
        },
        no_complement: args.no_complement,
        min_runs: args.min_runs,
        min_runs_sweep: args.min_runs_sweep,
        force_zoo: args.zoo,
        families,
        png: !args.no_png,
        title: args.title.clone(),
        ..ReportOptions::default()
    };
    // The toolkit's learning-paradigm map, cached by `spillover annotations fetch` next to the
    // annotations (--annotations DIR first, then the default cache).
    let mut map_note = None;
    let mut dirs = vec![annotations::default_dir()];
    if let Some(dir) = &args.annotations.annotations {
        dirs.insert(0, dir.clone());
    }
    for dir in dirs {
        match ModelTypes::from_cache(&dir) {
            Ok(Some(m)) => {
                options.model_types = Some(m);
                break;
            }
            Ok(None) => {}
            Err(e) => {
                map_note = Some(format!("the toolkit's model-type map was not used: {e}"));
                break;
            }
        }
    }
    let mut report = Report::build(scored, None, &options)?;
    if let (Some(note), Some(_)) = (map_note, &report.zoo) {
        report.notes.push(note);
    }
    // The co-occurrence heatmap: from --annotations, or from the cache for a model zoo.
    if !args.no_cooccurrence && (explicit || report.zoo.is_some()) {
        match args
            .annotations
            .open()
            .map_err(|e| e.to_string())
            .and_then(|dir| cooccurrence(&dir).map_err(|e| e.to_string()))
        {
            Ok(c) => report.cooccurrence = Some(c),
            Err(e) if explicit => bail!("factor co-occurrence: {e}"),
            Err(e) => report
                .notes
                .push(format!("no factor co-occurrence heatmap: {e}")),
        }
    }
    // One seed per cell: intervals from a paired bootstrap over images, when the annotations
    // the runs were scored on are named.
    let single = report
        .experiments
        .iter()
        .any(|e| e.baseline.len() == 1 && e.rows.iter().any(|r| r.runs.len() == 1));
    if single {
        match &args.annotations.annotations {
            Some(_) => {
                let dir = args.annotations.open()?;
                let set = EvalSet::load_cached(&dir, EvalOptions::default()).context("loading the annotations")?;
                for e in &mut report.experiments {
                    e.bootstrap_single_seed(&set, args.resamples, 0.95)
                        .with_context(|| format!("bootstrapping the one-seed cells of {}", e.source))?;
                }
            }
            None => report.notes.push(
                "cells with one seed have no interval over seeds: pass --annotations DIR (the annotations the runs were scored on) for a paired bootstrap over images".into(),
            ),
        }
    }
    let analyze_s = t1.elapsed().as_secs_f64();
    let written = write_report(&report, &args.out)
        .with_context(|| format!("writing the report to {}", args.out.display()))?;
    println!(
        "wrote {} ({} figures, {} tables; {})",
        written.index.display(),
        written.figures,
        written.tables,
        written.markdown.display()
    );
    for line in report.verdict_lines() {
        println!("  {line}");
    }
    if args.timings {
        println!(
            "timings: read {read_s:.3} s, analyze {analyze_s:.3} s, draw {:.3} s, write {:.3} s, total {:.3} s",
            written.draw_seconds,
            written.write_seconds,
            t0.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
