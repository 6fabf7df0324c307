//! An augmentation experiment: runs grouped by augmentation and strength against a baseline,
//! the spill-over matrix (change in error ratio per cell, Welch test over seeds, Holm and BH over
//! all cells) and the paper's strength-trend test per augmentation (`analyze_runs`).

use std::path::PathBuf;

use spillover_factors::analyze::{
    Analysis, AnalyzeOptions, Run, RunTable, StrengthOrigin, StrengthSpec, analyze_runs,
    name_values,
};
use spillover_factors::stats::{benjamini_hochberg, holm, mean};
use spillover_factors::{Factor, NUM_FACTORS};

use spillover_factors::eval::{EvalSet, ModelScores, ScoreOptions};

use crate::ReportOptions;
use crate::bootstrap::paired_change;
use crate::error::ReportError;
use crate::input::{RunRecord, SweepInput, Unfinished};
use crate::stats::{MeanDiff, mean_diff};

/// One cell of the spill-over matrix: a row's runs against the baseline's, for one factor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cell {
    /// Mean error ratio of the row's runs.
    pub mean_er: f64,
    /// Change in error ratio against the baseline (negative: more robust), its interval and
    /// Welch p-value.
    pub change: MeanDiff,
    pub p_holm: f64,
    pub p_bh: f64,
    /// The interval and p-value come from a paired bootstrap over images (one seed each).
    pub by_images: bool,
}

/// A row of the matrix: one augmentation at one strength.
#[derive(Debug, Clone, PartialEq)]
pub struct MatrixRow {
    pub group: String,
    pub strength: Option<f64>,
    /// Indices into [`Experiment::runs`].
    pub runs: Vec<usize>,
    pub cells: Vec<Cell>,
    /// Change in top-1 accuracy against the baseline.
    pub top1: MeanDiff,
}

impl MatrixRow {
    pub fn label(&self) -> String {
        match self.strength {
            Some(s) => format!("{} {}", self.group, fmt_strength(s)),
            None => self.group.clone(),
        }
    }
}

/// The trend analysis of one augmentation over its strengths.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupTrend {
    pub group: String,
    pub analysis: Result<Analysis, String>,
}

/// One sweep (or strength table) with its analyses.
#[derive(Debug, Clone, PartialEq)]
pub struct Experiment {
    pub title: String,
    pub source: String,
    /// The sweep directory (None for a table).
    pub dir: Option<PathBuf>,
    /// What the strength axis is called (`strength`, or the table's key such as `color`).
    pub strength_name: String,
    pub baseline_label: String,
    /// Indices into `runs` of the baseline runs.
    pub baseline: Vec<usize>,
    pub runs: Vec<RunRecord>,
    pub unfinished: Vec<Unfinished>,
    pub rows: Vec<MatrixRow>,
    pub trends: Vec<GroupTrend>,
    pub notes: Vec<String>,
}

impl Experiment {
    /// A sweep directory: baseline = the sweep's baseline group.
    pub fn from_sweep(sweep: SweepInput, options: &ReportOptions) -> Result<Self, ReportError> {
        let mut notes = Vec::new();
        let baseline_group = sweep.baseline.clone();
        let baseline: Vec<usize> = (0..sweep.runs.len())
            .filter(|&i| sweep.runs[i].group == baseline_group)
            .collect();
        match &baseline_group {
            None => notes.push("the sweep has no baseline group: no spill-over matrix".into()),
            Some(b) if baseline.is_empty() => notes.push(format!(
                "no finished cell of the baseline group `{b}`: no spill-over matrix"
            )),
            _ => {}
        }
        let mut keys: Vec<(String, Option<f64>)> = Vec::new();
        for r in &sweep.runs {
            let key = (r.group.clone().unwrap_or_default(), r.strength);
            if r.group != baseline_group && !keys.contains(&key) {
                keys.push(key);
            }
        }
        let mut groups: Vec<String> = Vec::new();
        for (g, _) in &keys {
            if !groups.contains(g) {
                groups.push(g.clone());
            }
        }
        keys.sort_by(|a, b| {
            let ga = groups.iter().position(|g| *g == a.0);
            let gb = groups.iter().position(|g| *g == b.0);
            ga.cmp(&gb).then(
                a.1.unwrap_or(f64::NEG_INFINITY)
                    .total_cmp(&b.1.unwrap_or(f64::NEG_INFINITY)),
            )
        });
        let row_runs: Vec<(String, Option<f64>, Vec<usize>)> = keys
            .into_iter()
            .map(|(g, s)| {
                let idx = (0..sweep.runs.len())
                    .filter(|&i| {
                        sweep.runs[i].group.as_deref() == Some(g.as_str())
                            && sweep.runs[i].strength == s
                    })
                    .collect();
                (g, s, idx)
            })
            .collect();
        let trends = groups
            .iter()
            .map(|g| GroupTrend {
                group: g.clone(),
                analysis: sweep_trend(&sweep, g, &baseline, options),
            })
            .collect();
        if !sweep.unfinished.is_empty() {
            notes.push(format!(
                "{} cell(s) not finished, listed but not analyzed",
                sweep.unfinished.len()
            ));
        }
        let mut e = Experiment {
            title: if sweep.context.is_empty() {
                format!("sweep `{}`", sweep.name)
            } else {
                format!("sweep `{}` ({})", sweep.name, sweep.context)
            },
            source: sweep.dir.display().to_string(),
            dir: Some(sweep.dir.clone()),
            strength_name: "strength".into(),
            baseline_label: baseline_group.unwrap_or_else(|| "(none)".into()),
            baseline,
            runs: sweep.runs,
            unfinished: sweep.unfinished,
            rows: Vec::new(),
            trends,
            notes,
        };
        e.rows = matrix(&e.runs, &e.baseline, row_runs, options.level);
        Ok(e)
    }

    /// A per-run accuracy table with a strength (the paper's sweeps): the runs at the lowest
    /// kept strength are the baseline; the trend test is exactly `spillover analyze`'s.
    pub fn from_table(table: &RunTable, options: &ReportOptions) -> Result<Self, ReportError> {
        let mut spec = options.strength.clone();
        let mut analysis = analyze_runs(
            table,
            &analyze_options(options, spec.clone(), options.min_runs),
        )?;
        if analysis.strength_key == "crop" && !spec.complement && !options.no_complement {
            // The paper's crop strength is 100 - crop (`spillover analyze --complement`).
            spec = StrengthSpec {
                key: Some("crop".into()),
                complement: true,
            };
            analysis = analyze_runs(
                table,
                &analyze_options(options, spec.clone(), options.min_runs),
            )?;
        }
        let key = analysis.strength_key.clone();
        let col = table.extra_columns.iter().position(|c| *c == key);
        let strength_of = |r: &Run| -> Option<f64> {
            let v = match (analysis.strength_origin, col) {
                (StrengthOrigin::Column, Some(c)) => r.extra[c],
                _ => name_values(&r.name).find(|(k, _)| *k == key).map(|p| p.1),
            }?;
            Some(if spec.complement { 100.0 - v } else { v })
        };
        let runs: Vec<RunRecord> = table
            .runs
            .iter()
            .filter(|r| !r.name.eq_ignore_ascii_case("human"))
            .filter_map(|r| {
                let s = strength_of(r)?;
                Some(RunRecord {
                    group: Some(key.clone()),
                    strength: Some(s),
                    ..RunRecord::model(&r.name, r.accuracy, r.average)
                })
            })
            .collect();
        let kept = analysis.kept_strengths.clone();
        let base_strength = *kept.first().ok_or_else(|| {
            ReportError::input(
                std::path::Path::new(&table.source),
                None,
                format!("no strength has at least {} runs", options.min_runs),
                "lower --min-runs or add runs",
            )
        })?;
        let at = |s: f64| -> Vec<usize> {
            (0..runs.len())
                .filter(|&i| runs[i].strength == Some(s))
                .collect()
        };
        let baseline = at(base_strength);
        let row_runs = kept[1..]
            .iter()
            .map(|&s| (key.clone(), Some(s), at(s)))
            .collect();
        let mut notes = analysis.notes.clone();
        if spec.complement {
            notes.push(format!(
                "strength = 100 - `{key}` (the paper's convention for crop)"
            ));
        }
        let label = format!("{key} {}", fmt_strength(base_strength));
        let mut e = Experiment {
            title: format!("`{key}` sweep, {} runs", runs.len()),
            source: table.source.clone(),
            dir: None,
            strength_name: key.clone(),
            baseline_label: label,
            baseline,
            rows: Vec::new(),
            trends: vec![GroupTrend {
                group: key,
                analysis: Ok(analysis),
            }],
            runs,
            unfinished: Vec::new(),
            notes,
        };
        e.rows = matrix(&e.runs, &e.baseline, row_runs, options.level);
        Ok(e)
    }

    /// The distinct augmentation groups, in row order.
    pub fn groups(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for r in &self.rows {
            if !out.contains(&r.group.as_str()) {
                out.push(&r.group);
            }
        }
        out
    }

    /// Mean error ratio of the baseline runs per factor.
    pub fn baseline_er(&self) -> Vec<f64> {
        Factor::ALL
            .iter()
            .map(|&f| {
                mean(
                    &self
                        .baseline
                        .iter()
                        .map(|&i| self.runs[i].error_ratio(f))
                        .collect::<Vec<_>>(),
                )
            })
            .collect()
    }

    /// Rows with one run against a one-run baseline get their intervals and p-values from a
    /// paired bootstrap over images (`predictions.csv` of both runs scored against `set`);
    /// the corrections are then redone. Returns how many rows got one.
    pub fn bootstrap_single_seed(
        &mut self,
        set: &EvalSet,
        resamples: usize,
        level: f64,
    ) -> Result<usize, ReportError> {
        let single: Vec<usize> = (0..self.rows.len())
            .filter(|&k| self.rows[k].runs.len() == 1)
            .collect();
        if self.baseline.len() != 1 || single.is_empty() {
            return Ok(0);
        }
        let score = |run: &RunRecord| -> Result<Option<ModelScores>, ReportError> {
            let Some(path) = run
                .dir
                .as_ref()
                .map(|d| d.join("predictions.csv"))
                .filter(|p| p.exists())
            else {
                return Ok(None);
            };
            let options = ScoreOptions {
                subset: true,
                keep_outcomes: true,
                calibration: false,
            };
            Ok(Some(set.score_file(&run.name, &path, options)?))
        };
        let Some(base) = score(&self.runs[self.baseline[0]])? else {
            return Ok(0);
        };
        let mut done = 0;
        for k in single {
            let Some(scores) = score(&self.runs[self.rows[k].runs[0]])? else {
                continue;
            };
            let Some(changes) = paired_change(&scores, &base, resamples, level, k as u64) else {
                continue;
            };
            for (cell, c) in self.rows[k].cells.iter_mut().zip(changes) {
                cell.change = MeanDiff {
                    diff: cell.change.diff,
                    ci_low: c.low,
                    ci_high: c.high,
                    p: c.p,
                };
                cell.by_images = true;
            }
            done += 1;
        }
        if done > 0 {
            correct(&mut self.rows);
            self.notes.push(format!(
                "{done} cell(s) have one seed against a one-seed baseline: intervals and p-values from a paired bootstrap over images ({resamples} resamples), not over seeds"
            ));
        }
        Ok(done)
    }

    /// The trend analysis of `group`, if it ran.
    pub fn trend(&self, group: &str) -> Option<&Analysis> {
        self.trends
            .iter()
            .find(|t| t.group == group)
            .and_then(|t| t.analysis.as_ref().ok())
    }
}

fn analyze_options(
    options: &ReportOptions,
    strength: StrengthSpec,
    min_runs: usize,
) -> AnalyzeOptions {
    AnalyzeOptions {
        strength,
        min_runs,
        alpha: options.alpha,
        level: options.level,
        compare: None,
        resamples: options.resamples,
        seed: 0,
    }
}

/// The trend test of one sweep group: its runs plus the baseline's at strength 0 (no
/// augmentation) when the group has no strength 0 of its own.
fn sweep_trend(
    sweep: &SweepInput,
    group: &str,
    baseline: &[usize],
    options: &ReportOptions,
) -> Result<Analysis, String> {
    let own: Vec<&RunRecord> = sweep
        .runs
        .iter()
        .filter(|r| r.group.as_deref() == Some(group))
        .collect();
    if own.iter().any(|r| r.strength.is_none()) {
        return Err("the group has cells without a strength".into());
    }
    let has_zero = own.iter().any(|r| r.strength == Some(0.0));
    let mut rows: Vec<(&RunRecord, f64)> = own
        .iter()
        .map(|r| (*r, r.strength.unwrap_or(0.0)))
        .collect();
    if !has_zero {
        rows.extend(baseline.iter().map(|&i| (&sweep.runs[i], 0.0)));
    }
    let table = RunTable {
        source: format!("{} ({group})", sweep.dir.display()),
        runs: rows
            .iter()
            .enumerate()
            .map(|(i, (r, s))| Run {
                name: r.name.clone(),
                line: i as u64 + 1,
                accuracy: r.accuracy,
                average: r.top1,
                extra: vec![Some(*s)],
            })
            .collect(),
        extra_columns: vec!["strength".into()],
    };
    let spec = StrengthSpec {
        key: Some("strength".into()),
        complement: false,
    };
    analyze_runs(
        &table,
        &analyze_options(options, spec, options.min_runs_sweep),
    )
    .map_err(|e| e.problem)
}

/// Per row and factor: mean change in error ratio against the baseline with Welch's test;
/// Holm and Benjamini–Hochberg over every cell of the matrix.
fn matrix(
    runs: &[RunRecord],
    baseline: &[usize],
    rows: Vec<(String, Option<f64>, Vec<usize>)>,
    level: f64,
) -> Vec<MatrixRow> {
    let values = |idx: &[usize], f: Option<Factor>| -> Vec<f64> {
        idx.iter()
            .map(|&i| match f {
                Some(f) => runs[i].error_ratio(f),
                None => runs[i].top1,
            })
            .filter(|v| v.is_finite())
            .collect()
    };
    let base: Vec<Vec<f64>> = Factor::ALL
        .iter()
        .map(|&f| values(baseline, Some(f)))
        .collect();
    let base_top1 = values(baseline, None);
    let mut out: Vec<MatrixRow> = rows
        .into_iter()
        .map(|(group, strength, idx)| {
            let cells = Factor::ALL
                .iter()
                .map(|&f| {
                    let v = values(&idx, Some(f));
                    Cell {
                        mean_er: mean(&v),
                        change: mean_diff(&v, &base[f.index()], level),
                        p_holm: f64::NAN,
                        p_bh: f64::NAN,
                        by_images: false,
                    }
                })
                .collect();
            let top1 = mean_diff(&values(&idx, None), &base_top1, level);
            MatrixRow {
                group,
                strength,
                runs: idx,
                cells,
                top1,
            }
        })
        .collect();
    correct(&mut out);
    debug_assert!(out.iter().all(|r| r.cells.len() == NUM_FACTORS));
    out
}

/// Holm and Benjamini–Hochberg over every cell of the matrix.
fn correct(rows: &mut [MatrixRow]) {
    let p: Vec<f64> = rows
        .iter()
        .flat_map(|r| r.cells.iter().map(|c| c.change.p))
        .collect();
    let (h, b) = (holm(&p), benjamini_hochberg(&p));
    for (k, cell) in rows.iter_mut().flat_map(|r| r.cells.iter_mut()).enumerate() {
        (cell.p_holm, cell.p_bh) = (h[k], b[k]);
    }
}

/// A strength as short text: `0.5`, `97`, `1e-05`.
pub fn fmt_strength(s: f64) -> String {
    if s == s.round() && s.abs() < 1e6 {
        format!("{}", s as i64)
    } else {
        format!("{s}")
    }
}
