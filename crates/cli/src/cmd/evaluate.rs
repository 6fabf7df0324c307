//! `spillover evaluate`: per-factor accuracies, error ratios, calibration and bootstrap
//! intervals of prediction files, identical to the official `imagenet-x` toolkit.

use super::annotations::AnnotationsArg;
use crate::output::{Cell, Format, Table};
use anyhow::Context;
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use spillover_factors::Factor;
use spillover_factors::annotations::{Partition, WhichFactor};
use spillover_factors::eval::{
    self, ErrorType, EvalOptions, EvalSet, ModelScores, ScoreOptions, accuracy_table,
    calibration_table, error_ratios, metaclass_table,
};
use spillover_factors::predictions::expand_inputs;
use spillover_factors::stats::{BootstrapConfig, FactorIntervals, factor_bootstrap_ci};
use std::path::{Path, PathBuf};

const EXAMPLES: &str = "Examples:
  spillover evaluate --example                        # generated predictions, per-factor table
  spillover evaluate ResNet50.csv.gz                  # one model, top factor, class labels
  spillover evaluate preds/ --error-type all --out results/
  spillover evaluate a.csv b.csv --format csv --error-ratios
  spillover evaluate run/predictions.csv --annotations world/annotations --ci
  spillover evaluate imagenet100.csv --subset         # score only the images present";

#[derive(Args)]
#[command(after_help = EXAMPLES)]
pub struct EvaluateArgs {
    /// Prediction files (`file_name,predicted_class,predicted_probability`, .csv or .csv.gz) or
    /// directories of them; the model name is the file stem.
    #[arg(value_name = "PRED", required_unless_present = "example")]
    pub inputs: Vec<PathBuf>,
    /// Evaluate three generated example models (written under the cache) instead of files.
    #[arg(long, conflicts_with = "inputs")]
    pub example: bool,
    /// Factor labelling: the top factor of each image, or all its factors.
    #[arg(long = "factor", default_value = "top")]
    pub which: WhichFactor,
    /// What counts as correct.
    #[arg(long, value_enum, default_value_t = ErrorTypeArg::Class)]
    pub error_type: ErrorTypeArg,
    #[arg(long, default_value = "val")]
    pub partition: Partition,
    /// Keep the prototype images (the toolkit drops them by default).
    #[arg(long)]
    pub no_filter_prototypes: bool,
    /// Score only the annotated images present in each file instead of requiring all of them.
    #[arg(long)]
    pub subset: bool,
    /// Print error ratios `(1 - factor acc) / (1 - overall acc)` instead of accuracies.
    #[arg(long)]
    pub error_ratios: bool,
    /// Add 95 % bootstrap confidence intervals for accuracy and error ratio.
    #[arg(long)]
    pub ci: bool,
    /// Bootstrap resamples for --ci.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(1000..))]
    pub resamples: u64,
    /// Bootstrap seed for --ci.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Also write the toolkit's CSVs under DIR/<partition>/<factor>_factor/<error_type>/.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub annotations: AnnotationsArg,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ErrorTypeArg {
    Class,
    Metaclass,
    #[value(name = "real_class", alias = "real-class")]
    RealClass,
    All,
}

impl ErrorTypeArg {
    fn types(self) -> Vec<ErrorType> {
        match self {
            ErrorTypeArg::Class => vec![ErrorType::Class],
            ErrorTypeArg::Metaclass => vec![ErrorType::Metaclass],
            ErrorTypeArg::RealClass => vec![ErrorType::RealClass],
            ErrorTypeArg::All => ErrorType::ALL.to_vec(),
        }
    }
}

pub fn run(args: EvaluateArgs) -> anyhow::Result<()> {
    let dir = args.annotations.open()?;
    let options = EvalOptions {
        partition: args.partition,
        which: args.which,
        filter_prototypes: !args.no_filter_prototypes,
    };
    let set = EvalSet::load_cached(&dir, options).context("loading the annotations")?;
    let mut types = args.error_type.types();
    if args.error_type == ErrorTypeArg::All && !set.has_real_labels() {
        types.retain(|t| *t != ErrorType::RealClass);
    }
    for t in &types {
        set.check_error_type(*t)?;
    }
    let inputs = if args.example {
        example_inputs(&args)?
    } else {
        args.inputs.clone()
    };
    let files = expand_inputs(&inputs)?;
    let machine = matches!(args.format, Format::Csv | Format::Json);
    let score_options = ScoreOptions {
        subset: args.subset,
        keep_outcomes: args.ci,
        // Calibration is shown in the per-model tables and written with --out.
        calibration: !machine || args.out.is_some(),
    };
    let scores = score_all(&set, &files, score_options)?;
    if args.subset {
        for s in &scores {
            if s.used < set.len() {
                eprintln!(
                    "note: {} covers {} of {} annotated images (--subset)",
                    s.model,
                    s.used,
                    set.len()
                );
            }
        }
    }
    let several_types = types.len() > 1;
    let mut stdout = String::new();
    // csv/json: one table for all error types (an `error_type` column when there are several).
    let mut combined: Option<Table> = None;
    for &t in &types {
        let with_human = add_human(&set, &scores, t);
        let models: Vec<&ModelScores> = scores.iter().chain(with_human.as_ref()).collect();
        let intervals = if args.ci {
            Some(intervals(&models, t, &args)?)
        } else {
            None
        };
        if let Some(out) = &args.out {
            write_toolkit_csvs(out, &options, t, &models, intervals.as_deref())?;
        }
        if machine {
            let table = machine_table(&args, &models, t, intervals.as_deref(), several_types);
            match &mut combined {
                Some(all) => all.rows.extend(table.rows),
                None => combined = Some(table),
            }
        } else {
            if several_types {
                stdout.push_str(&format!("error type: {t}\n"));
            }
            stdout.push_str(&human_text(&args, &set, &models, t, intervals.as_deref()));
        }
    }
    if let Some(table) = combined {
        stdout = table.render(args.format);
    }
    print!("{stdout}");
    if let Some(out) = &args.out {
        eprintln!(
            "wrote toolkit CSVs under {}",
            out.join(options.partition.name()).display()
        );
    }
    Ok(())
}

/// The toolkit's aggregate adds the `human` pseudo-model to real_class tables.
fn add_human(set: &EvalSet, scores: &[ModelScores], t: ErrorType) -> Option<ModelScores> {
    (t == ErrorType::RealClass && !scores.iter().any(|s| s.model == eval::HUMAN))
        .then(|| set.human())
}

fn example_inputs(args: &EvaluateArgs) -> anyhow::Result<Vec<PathBuf>> {
    let out = spillover_factors::annotations::cache_root().join("example-predictions");
    let generate = super::predictions::GenerateArgs {
        out: out.clone(),
        models: 3,
        seed: 0,
        gzip: false,
        edge_cases: false,
        toolkit_order: false,
        partition: args.partition,
        annotations: args.annotations.clone(),
    };
    super::predictions::generate(&generate)?;
    eprintln!(
        "evaluating 3 generated example models written to {}",
        out.display()
    );
    Ok(vec![out])
}

fn progress(len: usize) -> ProgressBar {
    if len < 2 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} scoring [{bar:30}] {pos}/{len} files ({per_sec}, eta {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar
}

/// Scores every file in parallel.
fn score_all(
    set: &EvalSet,
    files: &[(String, PathBuf)],
    options: ScoreOptions,
) -> anyhow::Result<Vec<ModelScores>> {
    let bar = progress(files.len());
    let scores = files
        .par_iter()
        .map(|(model, path)| {
            let s = set.score_file(model, path, options)?;
            bar.inc(1);
            Ok(s)
        })
        .collect::<Result<Vec<_>, eval::EvalError>>();
    bar.finish_and_clear();
    Ok(scores?)
}

fn intervals(
    models: &[&ModelScores],
    t: ErrorType,
    args: &EvaluateArgs,
) -> anyhow::Result<Vec<FactorIntervals>> {
    let config = BootstrapConfig {
        resamples: args.resamples as usize,
        level: 0.95,
        seed: args.seed,
    };
    models
        .iter()
        .map(|s| {
            factor_bootstrap_ci(&s.get(t).outcomes, &s.used_factors, &config)
                .with_context(|| format!("bootstrap intervals of {}", s.model))
        })
        .collect()
}

fn sorted<'a>(models: &[&'a ModelScores]) -> Vec<&'a ModelScores> {
    let mut v = models.to_vec();
    v.sort_by(|a, b| a.model.cmp(&b.model));
    v
}

fn factor_headers(first: &[&str], last: &[&str]) -> Vec<String> {
    first
        .iter()
        .map(|s| s.to_string())
        .chain(Factor::ALL.iter().map(|f| f.name().to_string()))
        .chain(last.iter().map(|s| s.to_string()))
        .collect()
}

/// The table printed for `--format csv|json`.
fn machine_table(
    args: &EvaluateArgs,
    models: &[&ModelScores],
    t: ErrorType,
    intervals: Option<&[FactorIntervals]>,
    several_types: bool,
) -> Table {
    if let Some(iv) = intervals {
        return long_table(models, t, iv, several_types);
    }
    let mut table = if args.error_ratios {
        ratio_table(models, t)
    } else {
        toolkit_table(models, t)
    };
    if several_types {
        table.headers.insert(0, "error_type".into());
        table
            .rows
            .iter_mut()
            .for_each(|r| r.insert(0, Cell::from(t.name())));
    }
    table
}

/// Per-model factor tables and an error-ratio matrix, for people (`table`, `markdown`).
fn human_text(
    args: &EvaluateArgs,
    set: &EvalSet,
    models: &[&ModelScores],
    t: ErrorType,
    intervals: Option<&[FactorIntervals]>,
) -> String {
    let mut text = String::new();
    for (i, s) in models.iter().enumerate() {
        let c = &s.get(t).all;
        let acc = c.correct as f64 / c.total as f64;
        text.push_str(&format!(
            "\n{} — {} accuracy {:.4} on {} images ({} factor, {})\n",
            s.model, t, acc, s.used, set.options.which, set.options.partition
        ));
        text.push_str(&model_table(s, t, intervals.map(|iv| &iv[i])).render(args.format));
    }
    if models.len() > 1 {
        text.push_str(&format!("\nerror ratios ({t})\n"));
        let mut matrix = ratio_table(models, t);
        matrix.digits = 4;
        text.push_str(&transpose(&matrix).render(args.format));
    }
    text
}

/// The toolkit's `accuracies_per_factor.csv` table.
fn toolkit_table(models: &[&ModelScores], t: ErrorType) -> Table {
    let mut table = Table::new(factor_headers(
        &["model"],
        &["worst_factor", "average", "worst_100_classes"],
    ));
    for row in accuracy_table(models, t) {
        let mut cells = vec![Cell::from(row.model.as_str())];
        cells.extend(row.factors.iter().map(|v| Cell::Float(*v)));
        cells.extend([row.worst_factor, row.average, row.worst_100_classes].map(Cell::Float));
        table.push(cells);
    }
    table
}

/// The toolkit's `error_ratio(...)` table.
fn ratio_table(models: &[&ModelScores], t: ErrorType) -> Table {
    let mut table = Table::new(factor_headers(&["model"], &[]));
    for row in accuracy_table(models, t) {
        let mut cells = vec![Cell::from(row.model.as_str())];
        cells.extend(error_ratios(&row).iter().map(|v| Cell::Float(*v)));
        table.push(cells);
    }
    table
}

/// Factors as rows, models as columns (for people).
fn transpose(table: &Table) -> Table {
    let mut out = Table::new(
        std::iter::once("factor".to_string()).chain(table.rows.iter().map(|r| match &r[0] {
            Cell::Text(s) => s.clone(),
            other => format!("{other:?}"),
        })),
    );
    out.digits = table.digits;
    for (j, header) in table.headers.iter().enumerate().skip(1) {
        out.push(
            std::iter::once(Cell::from(header.as_str()))
                .chain(table.rows.iter().map(|r| r[j].clone()))
                .collect(),
        );
    }
    out
}

/// One model, factors as rows: images used, accuracy, error ratio, calibration, intervals.
fn model_table(s: &ModelScores, t: ErrorType, iv: Option<&FactorIntervals>) -> Table {
    let row = &accuracy_table(&[s], t)[0];
    let ratios = error_ratios(row);
    let calibration = &calibration_table(&[s], t)[0];
    let mut headers = vec!["factor", "images", "accuracy"];
    if iv.is_some() {
        headers.extend(["acc 95% CI low", "acc 95% CI high"]);
    }
    headers.push("error ratio");
    if iv.is_some() {
        headers.extend(["ER 95% CI low", "ER 95% CI high"]);
    }
    headers.push("ECE");
    let mut table = Table::new(headers);
    table.digits = 4;
    let counts = &s.get(t).all;
    for (k, f) in Factor::ALL.iter().enumerate() {
        let mut cells = vec![
            Cell::from(f.name()),
            Cell::from(counts.factor_total[k] as usize),
            Cell::Float(row.factors[k]),
        ];
        if let Some(iv) = iv {
            cells.extend([
                Cell::Float(iv.accuracy[k].low),
                Cell::Float(iv.accuracy[k].high),
            ]);
        }
        cells.push(Cell::Float(ratios[k]));
        if let Some(iv) = iv {
            cells.extend([
                Cell::Float(iv.error_ratio[k].low),
                Cell::Float(iv.error_ratio[k].high),
            ]);
        }
        cells.push(Cell::Float(calibration.factors[k]));
        table.push(cells);
    }
    table
}

/// Long format with intervals: one row per (model, factor).
fn long_table(
    models: &[&ModelScores],
    t: ErrorType,
    iv: &[FactorIntervals],
    several_types: bool,
) -> Table {
    let mut headers = vec![];
    if several_types {
        headers.push("error_type");
    }
    headers.extend([
        "model",
        "factor",
        "images",
        "accuracy",
        "accuracy_low",
        "accuracy_high",
        "error_ratio",
        "error_ratio_low",
        "error_ratio_high",
    ]);
    let mut table = Table::new(headers);
    let mut order: Vec<usize> = (0..models.len()).collect();
    order.sort_by(|&a, &b| models[a].model.cmp(&models[b].model));
    for m in order {
        let s = models[m];
        let row = &accuracy_table(&[s], t)[0];
        let ratios = error_ratios(row);
        for (k, f) in Factor::ALL.iter().enumerate() {
            let mut cells = vec![];
            if several_types {
                cells.push(Cell::from(t.name()));
            }
            cells.extend([
                Cell::from(s.model.as_str()),
                Cell::from(f.name()),
                Cell::from(s.get(t).all.factor_total[k] as usize),
                Cell::Float(row.factors[k]),
                Cell::Float(iv[m].accuracy[k].low),
                Cell::Float(iv[m].accuracy[k].high),
                Cell::Float(ratios[k]),
                Cell::Float(iv[m].error_ratio[k].low),
                Cell::Float(iv[m].error_ratio[k].high),
            ]);
            table.push(cells);
        }
    }
    table
}

/// Writes what `python -m imagenet_x aggregate` writes, plus error ratios, calibration, images
/// per factor and (with --ci) intervals.
fn write_toolkit_csvs(
    out: &Path,
    options: &EvalOptions,
    t: ErrorType,
    models: &[&ModelScores],
    intervals: Option<&[FactorIntervals]>,
) -> anyhow::Result<()> {
    let dir = out
        .join(options.partition.name())
        .join(format!("{}_factor", options.which))
        .join(t.name());
    let write = |table: Table, name: &str| {
        let path = dir.join(name);
        table
            .write_file(Format::Csv, &path)
            .with_context(|| format!("writing {}", path.display()))
    };
    write(toolkit_table(models, t), "accuracies_per_factor.csv")?;
    let mut meta = Table::new(factor_headers(
        &["model", "metaclass"],
        &["worst_factor", "average"],
    ));
    for row in metaclass_table(models, t) {
        let mut cells = vec![Cell::from(row.model.as_str()), Cell::from(row.metaclass)];
        cells.extend(row.factors.iter().map(|v| Cell::Float(*v)));
        cells.extend([row.worst_factor, row.average].map(Cell::Float));
        meta.push(cells);
    }
    write(meta, "accuracies_per_factor_metaclass.csv")?;
    write(ratio_table(models, t), "error_ratios.csv")?;
    let mut cal = Table::new(factor_headers(&["model"], &["worst_factor", "average"]));
    for row in calibration_table(models, t) {
        let mut cells = vec![Cell::from(row.model.as_str())];
        cells.extend(row.factors.iter().map(|v| Cell::Float(*v)));
        cells.extend([row.worst_factor, row.average].map(Cell::Float));
        cal.push(cells);
    }
    write(cal, "calibration_per_factor.csv")?;
    let mut images = Table::new(factor_headers(&["model"], &["images"]));
    for s in sorted(models) {
        let c = &s.get(t).all;
        let mut cells = vec![Cell::from(s.model.as_str())];
        cells.extend(c.factor_total.iter().map(|&n| Cell::from(n as usize)));
        cells.push(Cell::from(s.used));
        images.push(cells);
    }
    write(images, "images_per_factor.csv")?;
    if let Some(iv) = intervals {
        write(long_table(models, t, iv, false), "intervals.csv")?;
    }
    Ok(())
}
