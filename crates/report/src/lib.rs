//! # spillover-report
//!
//! `spillover report`: one self-contained HTML page (inline SVG figures, no network), a markdown
//! summary with the same findings, the figures as SVG and PNG, and the tables as CSV, for
//! augmentation sweeps (the spill-over matrix, the paper's strength trends, training curves) and
//! for model zoos (error ratios by learning paradigm and architecture, factor correlations).
//! No Burn: inputs are what `spillover sweep`, `spillover train` and the toolkit write.

pub mod bootstrap;
pub mod cooccurrence;
pub mod error;
pub mod experiment;
pub mod figures;
pub mod input;
pub mod page;
pub mod stats;
pub mod verdict;
pub mod zoo;

use spillover_factors::analyze::StrengthSpec;

pub use cooccurrence::{Cooccurrence, cooccurrence};
pub use error::ReportError;
pub use experiment::Experiment;
pub use input::{Input, RunRecord, read_input, score_predictions};
pub use page::{Written, write_report};
pub use zoo::{FamilyMap, ModelTypes, Zoo};

/// Settings of a report.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportOptions {
    /// Significance level (after Holm).
    pub alpha: f64,
    /// Level of the intervals.
    pub level: f64,
    /// Strength of accuracy tables (default: detected as `spillover analyze` does).
    pub strength: StrengthSpec,
    /// Keep the raw `crop` value as the strength (default: the paper's `100 - crop`).
    pub no_complement: bool,
    /// Strengths of a table with fewer runs are left out (the toolkit keeps > 4).
    pub min_runs: usize,
    /// The same for sweep directories, whose cells have a few seeds.
    pub min_runs_sweep: usize,
    /// Permutations of `analyze`'s low-vs-high comparison.
    pub resamples: usize,
    /// Treat every accuracy table as a model zoo (no strength detection).
    pub force_zoo: bool,
    /// Extra architecture prefixes (prefix, family); they win over the shipped map.
    pub families: Vec<(String, String)>,
    /// The toolkit's learning-paradigm map ([`ModelTypes::from_cache`]: fetched from the
    /// imagenet-x wheel, never shipped). `None`: no paradigm grouping, and accuracy tables are
    /// told apart from zoos by their strength key alone.
    pub model_types: Option<ModelTypes>,
    /// Write PNG copies of the figures.
    pub png: bool,
    pub title: Option<String>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            alpha: 0.05,
            level: 0.95,
            strength: StrengthSpec::default(),
            no_complement: false,
            min_runs: 5,
            min_runs_sweep: 2,
            resamples: 2_000,
            force_zoo: false,
            families: Vec::new(),
            model_types: None,
            png: true,
            title: None,
        }
    }
}

/// Everything the report shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub title: String,
    pub inputs: Vec<String>,
    pub experiments: Vec<Experiment>,
    pub zoo: Option<Zoo>,
    pub cooccurrence: Option<Cooccurrence>,
    pub options: ReportOptions,
    pub notes: Vec<String>,
}

impl Report {
    /// Analyzes what was read. Prediction files must have been scored into [`Input::Model`].
    pub fn build(
        inputs: Vec<Input>,
        cooccurrence: Option<Cooccurrence>,
        options: &ReportOptions,
    ) -> Result<Report, ReportError> {
        let families = FamilyMap::new(&options.families);
        let mut experiments = Vec::new();
        let mut models: Vec<(String, RunRecord)> = Vec::new();
        let mut notes = Vec::new();
        let mut sources = Vec::new();
        for input in inputs {
            match input {
                Input::Sweep(s) => {
                    sources.push(s.dir.display().to_string());
                    experiments.push(Experiment::from_sweep(s, options)?);
                }
                Input::Run(r) => {
                    let src = r
                        .dir
                        .as_ref()
                        .map(|d| d.display().to_string())
                        .unwrap_or_default();
                    sources.push(src.clone());
                    models.push((src, r));
                }
                Input::Model { source, run } => {
                    sources.push(source.clone());
                    models.push((source, run));
                }
                Input::Predictions { path, .. } => {
                    return Err(ReportError::input(
                        &path,
                        None,
                        "a prediction file must be scored first",
                        "pass it through `spillover report` (which scores it with --annotations)",
                    ));
                }
                Input::Table(table) => {
                    sources.push(table.source.clone());
                    let named = table
                        .runs
                        .iter()
                        .filter(|r| {
                            options
                                .model_types
                                .as_ref()
                                .is_some_and(|m| m.get(&r.name).is_some())
                        })
                        .count();
                    let zoo_like = options.force_zoo || 2 * named >= table.runs.len();
                    if !zoo_like {
                        match Experiment::from_table(&table, options) {
                            Ok(e) => {
                                experiments.push(e);
                                continue;
                            }
                            Err(e) => notes.push(format!(
                                "{}: read as a model zoo, not a strength sweep ({e})",
                                table.source
                            )),
                        }
                    }
                    models.extend(table.runs.iter().map(|r| {
                        (
                            table.source.clone(),
                            RunRecord::model(&r.name, r.accuracy, r.average),
                        )
                    }));
                }
            }
        }
        let zoo =
            (!models.is_empty()).then(|| Zoo::new(models, &families, options.model_types.as_ref()));
        let title = options.title.clone().unwrap_or_else(|| {
            let mut parts: Vec<String> = experiments.iter().map(|e| e.title.clone()).collect();
            if let Some(z) = &zoo {
                parts.push(format!("{} models", z.models.len()));
            }
            format!("Spill-over report: {}", parts.join(", "))
        });
        Ok(Report {
            title,
            inputs: sources,
            experiments,
            zoo,
            cooccurrence,
            options: options.clone(),
            notes,
        })
    }

    /// Up to three lines: the verdict of each augmentation, then the zoo's finding.
    pub fn verdict_lines(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .experiments
            .iter()
            .flat_map(|e| verdict::experiment_verdicts(e, self.options.alpha))
            .map(|v| v.short())
            .collect();
        if let Some(z) = &self.zoo {
            lines.push(verdict::zoo_sentence(z));
        }
        if lines.len() > 3 {
            let more = lines.len() - 2;
            lines.truncate(2);
            lines.push(format!("... and {more} more (report.md)"));
        }
        lines
    }
}
