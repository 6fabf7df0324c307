//! `spillover analyze TABLE...`: strength trends of every factor over many training runs.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use spillover_factors::analyze::{Analysis, AnalyzeOptions, StrengthSpec, analyze_path};

use crate::output::{Cell, Format, Table};

const EXAMPLES: &str = "\
Examples:
  # Colour-jitter sweep of the ImageNet-X paper (strength from `color97.0` in run names):
  spillover analyze ../shared/reference/imagenetx/results/val/top_factor/colorjitter/class/accuracies_per_factor.csv.gz

  # Crop sweep, strength as the toolkit defines it (100 - crop), all tables as CSV files:
  spillover analyze --strength crop --complement --out results/crop crop/class/accuracies_per_factor.csv.gz

  # Compare two strengths only, as JSON:
  spillover analyze --compare 1,97 --table compare --format json colorjitter.csv.gz";

/// Which result table to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Which {
    /// The paper's trend test per factor.
    Trend,
    /// Mean error ratio and confidence interval per factor and strength.
    Strengths,
    /// Low- vs high-strength comparison per factor.
    Compare,
    /// All three (not with --format csv).
    All,
}

#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct AnalyzeArgs {
    /// Per-run accuracy tables (`accuracies_per_factor.csv[.gz]` as the toolkit's `aggregate` writes).
    #[arg(required = true, value_name = "TABLE")]
    pub tables: Vec<PathBuf>,
    /// Strength: a column name or the key of a `key<number>` part of run names (`color` in
    /// `..._color97.0_...`); by default the one numeric key that varies across runs.
    #[arg(long, value_name = "KEY")]
    pub strength: Option<String>,
    /// Use 100 - value as the strength (the toolkit's crop strength: `crop8.0` is 92).
    #[arg(long)]
    pub complement: bool,
    /// Strengths with fewer runs are left out of the trend test (the toolkit keeps > 4).
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub min_runs: usize,
    /// Significance level.
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// Confidence level of the per-strength intervals.
    #[arg(long, default_value_t = 0.95)]
    pub level: f64,
    /// Two strengths to compare (default: the lowest and highest kept strength).
    #[arg(long, value_name = "LOW,HIGH", value_parser = parse_pair)]
    pub compare: Option<(f64, f64)>,
    /// Random permutations of the permutation test.
    #[arg(long, default_value_t = 10_000, value_name = "N")]
    pub resamples: usize,
    /// Seed of the permutation test.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Table to print [default: all for table/markdown, trend for csv/json].
    #[arg(long, value_enum)]
    pub table: Option<Which>,
    /// Also write trend.csv, strengths.csv and compare.csv (all inputs) into DIR.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

fn parse_pair(s: &str) -> Result<(f64, f64), String> {
    let parse = |v: &str| {
        v.trim()
            .parse::<f64>()
            .map_err(|_| format!("`{v}` is not a number"))
    };
    match s.split_once(',') {
        Some((a, b)) => Ok((parse(a)?, parse(b)?)),
        None => Err(format!("expected LOW,HIGH (e.g. 1,97), got `{s}`")),
    }
}

pub fn run(args: AnalyzeArgs) -> anyhow::Result<()> {
    let in_unit = |x: f64| 0.0 < x && x < 1.0;
    if !in_unit(args.alpha) || !in_unit(args.level) {
        bail!(
            "--alpha and --level must be between 0 and 1 (got {} and {})",
            args.alpha,
            args.level
        );
    }
    if args.resamples == 0 || args.min_runs < 2 {
        bail!("--resamples must be positive and --min-runs at least 2");
    }
    let which = args.table.unwrap_or(match args.format {
        Format::Table | Format::Markdown => Which::All,
        Format::Csv | Format::Json => Which::Trend,
    });
    if which == Which::All && args.format == Format::Csv {
        bail!(
            "--format csv prints one table: choose --table trend|strengths|compare, or write all three with --out DIR"
        );
    }
    let options = AnalyzeOptions {
        strength: StrengthSpec {
            key: args.strength.clone(),
            complement: args.complement,
        },
        min_runs: args.min_runs,
        alpha: args.alpha,
        level: args.level,
        compare: args.compare,
        resamples: args.resamples,
        seed: args.seed,
    };
    let progress = ProgressBar::new(args.tables.len() as u64).with_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} tables {wide_msg}")
            .expect("static template"),
    );
    if args.tables.len() < 2 {
        progress.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let mut analyses = Vec::new();
    for path in &args.tables {
        progress.set_message(path.display().to_string());
        analyses.push(analyze_path(path, &options)?);
        progress.inc(1);
    }
    progress.finish_and_clear();

    if let Some(dir) = &args.out {
        for (name, table) in [
            ("trend.csv", trend_table(&analyses, true)),
            ("strengths.csv", strengths_table(&analyses, true)),
            ("compare.csv", compare_table(&analyses, true)),
        ] {
            let path = dir.join(name);
            table
                .write_file(Format::Csv, &path)
                .with_context(|| format!("writing {}", path.display()))?;
        }
    }
    let text = render(&analyses, which, args.format, args.alpha);
    match std::io::stdout().write_all(text.as_bytes()) {
        // A closed pipe (`| head`) is the reader's choice, not an error.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e).context("writing to stdout"),
        _ => Ok(()),
    }
}

/// Renders the chosen tables: people get one titled block per input, machines one table
/// (JSON: an object of tables when all are asked for) with a `source` column.
fn render(analyses: &[Analysis], which: Which, format: Format, alpha: f64) -> String {
    let pick = |w: Which, a: &[Analysis], source: bool| match w {
        Which::Strengths => strengths_table(a, source),
        Which::Compare => compare_table(a, source),
        _ => trend_table(a, source),
    };
    let selected: Vec<Which> = match which {
        Which::All => vec![Which::Trend, Which::Compare, Which::Strengths],
        w => vec![w],
    };
    match format {
        Format::Csv => pick(which, analyses, true).render(format),
        Format::Json if which == Which::All => {
            let parts: Vec<String> = selected
                .iter()
                .map(|w| {
                    format!(
                        "{:?}: {}",
                        format!("{w:?}").to_lowercase(),
                        pick(*w, analyses, true).render(format).trim_end()
                    )
                })
                .collect();
            format!("{{\n{}\n}}\n", parts.join(",\n"))
        }
        Format::Json => pick(which, analyses, true).render(format),
        Format::Table | Format::Markdown => {
            let mut out = String::new();
            for a in analyses {
                out.push_str(&header(a, format, alpha));
                for w in &selected {
                    let title = match w {
                        Which::Trend => {
                            "Trend test (cubic fit; Welch t between fitted arg-max and arg-min strengths)"
                        }
                        Which::Compare => {
                            "Comparison of two strengths (Welch and permutation tests)"
                        }
                        _ => "Error ratio per strength (mean and t-interval over runs)",
                    };
                    let table = pick(*w, std::slice::from_ref(a), false);
                    let comparison_error = match (w, &a.comparison) {
                        (Which::Compare, Err(reason)) => Some(reason),
                        _ => None,
                    };
                    out.push_str(&section(title, format));
                    match comparison_error {
                        Some(reason) => out.push_str(&format!("no comparison: {reason}\n")),
                        None => out.push_str(&table.render(format)),
                    }
                }
                out.push('\n');
            }
            out
        }
    }
}

fn section(title: &str, format: Format) -> String {
    match format {
        Format::Markdown => format!("\n### {title}\n\n"),
        _ => format!("\n{title}\n"),
    }
}

/// The block that introduces one input for people: what was read, what was left out, and the
/// top factors.
fn header(a: &Analysis, format: Format, alpha: f64) -> String {
    let names = |fs: &[spillover_factors::Factor]| {
        if fs.is_empty() {
            "none".to_string()
        } else {
            fs.iter().map(|f| f.name()).collect::<Vec<_>>().join(", ")
        }
    };
    let strength = if a.complement {
        format!("100 - `{}`", a.strength_key)
    } else {
        format!("`{}`", a.strength_key)
    };
    let mut lines = vec![
        format!(
            "{} runs, strength {strength}, {} strengths with enough runs",
            a.runs,
            a.kept_strengths.len()
        ),
        format!(
            "improved (trend p < {alpha}, largest effect first): {}",
            names(&a.improved)
        ),
        format!(
            "worsened (trend p < {alpha}, largest effect first): {}",
            names(&a.worsened)
        ),
    ];
    lines.extend(a.notes.iter().map(|n| format!("note: {n}")));
    match format {
        Format::Markdown => format!(
            "## {}\n\n{}\n",
            a.source,
            lines.iter().map(|l| format!("- {l}\n")).collect::<String>()
        ),
        _ => format!(
            "== {}\n{}",
            a.source,
            lines.iter().map(|l| format!("{l}\n")).collect::<String>()
        ),
    }
}

/// Column headers, with `source` first when several inputs share a table.
fn headers(source: bool, rest: &[&str]) -> Vec<String> {
    source
        .then_some("source")
        .into_iter()
        .chain(rest.iter().copied())
        .map(String::from)
        .collect()
}

fn row(source: Option<&str>, cells: Vec<Cell>) -> Vec<Cell> {
    source.map(Cell::from).into_iter().chain(cells).collect()
}

fn trend_table(analyses: &[Analysis], source: bool) -> Table {
    let mut t = Table::new(headers(
        source,
        &[
            "factor",
            "runs",
            "effect",
            "pval",
            "p_holm",
            "p_bh",
            "hedges_g",
            "first_strength",
            "second_strength",
            "mean_first",
            "mean_second",
            "verdict",
            "note",
        ],
    ));
    for a in analyses {
        for tr in &a.trends {
            let (first, second, note) = match &tr.test {
                Ok(test) => (test.first_strength, test.second_strength, String::new()),
                Err(reason) => (f64::NAN, f64::NAN, reason.clone()),
            };
            t.push(row(
                source.then_some(a.source.as_str()),
                vec![
                    tr.factor.name().into(),
                    tr.runs.into(),
                    tr.effect().into(),
                    tr.pvalue().into(),
                    tr.p_holm.into(),
                    tr.p_bh.into(),
                    tr.hedges_g.into(),
                    first.into(),
                    second.into(),
                    tr.mean_first.into(),
                    tr.mean_second.into(),
                    tr.verdict.name().into(),
                    note.into(),
                ],
            ));
        }
    }
    t
}

fn strengths_table(analyses: &[Analysis], source: bool) -> Table {
    let mut t = Table::new(headers(
        source,
        &["factor", "strength", "runs", "mean", "ci_low", "ci_high"],
    ));
    for a in analyses {
        for s in &a.per_strength {
            t.push(row(
                source.then_some(a.source.as_str()),
                vec![
                    s.factor.name().into(),
                    s.strength.into(),
                    s.runs.into(),
                    s.mean.into(),
                    s.ci_low.into(),
                    s.ci_high.into(),
                ],
            ));
        }
    }
    t
}

fn compare_table(analyses: &[Analysis], source: bool) -> Table {
    let mut t = Table::new(headers(
        source,
        &[
            "factor",
            "low",
            "high",
            "runs_low",
            "runs_high",
            "mean_low",
            "mean_high",
            "welch_t",
            "welch_df",
            "welch_p",
            "welch_p_holm",
            "welch_p_bh",
            "perm_p",
            "perm_p_holm",
            "perm_p_bh",
            "hedges_g",
            "verdict",
        ],
    ));
    for a in analyses {
        let Ok(c) = &a.comparison else { continue };
        for f in &c.factors {
            t.push(row(
                source.then_some(a.source.as_str()),
                vec![
                    f.factor.name().into(),
                    c.low.into(),
                    c.high.into(),
                    f.runs_low.into(),
                    f.runs_high.into(),
                    f.mean_low.into(),
                    f.mean_high.into(),
                    f.welch.statistic.into(),
                    f.welch.df.into(),
                    f.welch.pvalue.into(),
                    f.welch_p_holm.into(),
                    f.welch_p_bh.into(),
                    f.permutation.pvalue.into(),
                    f.permutation_p_holm.into(),
                    f.permutation_p_bh.into(),
                    f.hedges_g.into(),
                    f.verdict.name().into(),
                ],
            ));
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use spillover_factors::Factor;
    use spillover_factors::analyze::{analyze_runs, parse_accuracy_table};

    /// A sweep of 5 strengths x 5 seeds in which colour accuracy rises with strength.
    fn sweep() -> Analysis {
        let factors: Vec<&str> = Factor::ALL.iter().map(|f| f.name()).collect();
        let mut text = format!(
            "model,{},worst_factor,average,worst_100_classes\n",
            factors.join(",")
        );
        for (k, s) in [0.0, 25.0, 50.0, 75.0, 100.0].into_iter().enumerate() {
            for seed in 0..5 {
                let jitter = 0.001 * ((seed * 7 + k * 3) % 5) as f64;
                let accs: Vec<String> = Factor::ALL
                    .iter()
                    .map(|f| {
                        let gain = if *f == Factor::Color { 0.001 * s } else { 0.0 };
                        (0.6 + gain + jitter).to_string()
                    })
                    .collect();
                text.push_str(&format!(
                    "run_color{s}_id{k}{seed},{},0.5,0.7,0.3\n",
                    accs.join(",")
                ));
            }
        }
        let table = parse_accuracy_table("sweep.csv", &text).unwrap();
        analyze_runs(
            &table,
            &AnalyzeOptions {
                resamples: 500,
                ..AnalyzeOptions::default()
            },
        )
        .unwrap()
    }

    #[test]
    fn pairs_parse() {
        assert_eq!(parse_pair("1, 97").unwrap(), (1.0, 97.0));
        assert!(parse_pair("1").unwrap_err().contains("LOW,HIGH"));
        assert!(
            parse_pair("a,2")
                .unwrap_err()
                .contains("`a` is not a number")
        );
    }

    #[test]
    fn csv_has_one_row_per_factor_with_source() {
        let a = [sweep()];
        let csv = render(&a, Which::Trend, Format::Csv, 0.05);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 17);
        assert!(
            lines[0].starts_with("source,factor,runs,effect,pval,p_holm,p_bh,hedges_g"),
            "{}",
            lines[0]
        );
        let color = lines
            .iter()
            .find(|l| l.starts_with("sweep.csv,color,25,"))
            .expect("colour row");
        assert!(color.ends_with(",improved,"), "{color}");
        let strengths = render(&a, Which::Strengths, Format::Csv, 0.05);
        assert_eq!(strengths.lines().count(), 1 + 16 * 5);
    }

    #[test]
    fn json_all_is_an_object_of_tables() {
        let text = render(&[sweep()], Which::All, Format::Json, 0.05);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["trend"].as_array().unwrap().len(), 16);
        assert_eq!(v["compare"].as_array().unwrap().len(), 16);
        assert_eq!(v["strengths"].as_array().unwrap().len(), 80);
        assert_eq!(v["compare"][3]["factor"], "color");
        assert_eq!(v["compare"][3]["verdict"], "improved");
    }

    #[test]
    fn human_output_names_the_top_factors() {
        let text = render(&[sweep()], Which::All, Format::Table, 0.05);
        assert!(
            text.starts_with("== sweep.csv\n25 runs, strength `color`, 5 strengths"),
            "{text}"
        );
        assert!(
            text.contains("improved (trend p < 0.05, largest effect first): color\n"),
            "{text}"
        );
        let md = render(&[sweep()], Which::Compare, Format::Markdown, 0.05);
        assert!(
            md.contains("### Comparison of two strengths") && md.contains("| color "),
            "{md}"
        );
    }

    #[test]
    fn csv_of_all_tables_is_refused_with_a_fix() {
        let args = AnalyzeArgs {
            tables: vec![PathBuf::from("unused.csv")],
            strength: None,
            complement: false,
            min_runs: 5,
            alpha: 0.05,
            level: 0.95,
            compare: None,
            resamples: 100,
            seed: 0,
            format: Format::Csv,
            table: Some(Which::All),
            out: None,
        };
        let e = run(args).unwrap_err().to_string();
        assert!(
            e.contains("--table trend|strengths|compare") && e.contains("--out DIR"),
            "{e}"
        );
    }
}
