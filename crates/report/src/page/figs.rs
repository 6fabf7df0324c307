//! Turns a [`Report`] into figures.

use rayon::prelude::*;
use spillover_factors::Factor;
use spillover_factors::analyze::Verdict;
use spillover_factors::stats::mean;

use crate::Report;
use crate::error::ReportError;
use crate::experiment::{Experiment, fmt_strength};
use crate::figures::{
    Bars, CurvePanel, Curves, Figure, Heatmap, Plot, Scatter, Series, TrendPanel, Trends, XyChart,
    render,
};
use crate::input::RunRecord;
use crate::verdict::{fmt_p, signed};

/// A figure to draw, before drawing.
pub(crate) enum Spec {
    Heatmap(Heatmap),
    Trends(Trends),
    Xy(XyChart),
    Curves(Curves),
    Bars(Bars),
    Scatter(Scatter),
}

/// Name, title, caption and what to draw.
pub(crate) struct Planned {
    pub name: String,
    pub title: String,
    pub caption: String,
    pub(crate) spec: Spec,
}

impl Planned {
    pub(crate) fn new(
        name: String,
        title: impl Into<String>,
        caption: impl Into<String>,
        spec: Spec,
    ) -> Self {
        Planned {
            name,
            title: title.into(),
            caption: caption.into(),
            spec,
        }
    }

    fn render(&self, png: bool) -> Result<Figure, ReportError> {
        fn go<P: Plot>(p: &Planned, plot: &P, png: bool) -> Result<Figure, ReportError> {
            render(&p.name, &p.title, &p.caption, plot, png)
        }
        match &self.spec {
            Spec::Heatmap(x) => go(self, x, png),
            Spec::Trends(x) => go(self, x, png),
            Spec::Xy(x) => go(self, x, png),
            Spec::Curves(x) => go(self, x, png),
            Spec::Bars(x) => go(self, x, png),
            Spec::Scatter(x) => go(self, x, png),
        }
    }
}

/// Draws every planned figure, in parallel.
pub(crate) fn draw_all(plans: &[&Planned], png: bool) -> Result<Vec<Figure>, ReportError> {
    plans.par_iter().map(|p| p.render(png)).collect()
}

/// A file-name-safe slug.
pub fn slug(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    while out.contains("--") {
        out = out.replace("--", "-");
    }
    out.trim_matches('-').to_string()
}

/// The slug of experiment `k`.
pub fn experiment_slug(k: usize, e: &Experiment) -> String {
    format!(
        "e{}-{}",
        k + 1,
        slug(e.title.split(',').next().unwrap_or("sweep"))
    )
}

/// Every figure of the report, in page order: (section key, plan).
pub(crate) fn plan(report: &Report) -> Vec<(String, Planned)> {
    let mut out = Vec::new();
    for (k, e) in report.experiments.iter().enumerate() {
        let key = experiment_slug(k, e);
        for p in experiment_figures(&key, e, report.options.alpha) {
            out.push((key.clone(), p));
        }
    }
    if let Some(z) = &report.zoo {
        for p in super::zoo_figs::zoo_figures(z, report.options.alpha) {
            out.push(("zoo".to_string(), p));
        }
    }
    if let Some(c) = &report.cooccurrence {
        let names: Vec<String> = Factor::ALL.iter().map(|f| f.name().to_string()).collect();
        let n = names.len();
        let shown = |i: usize, j: usize| j < i && c.p[i][j] < 0.01;
        let hm = Heatmap {
            rows: names.clone(),
            cols: names.clone(),
            values: (0..n)
                .map(|i| {
                    (0..n)
                        .map(|j| if shown(i, j) { c.rho[i][j] } else { f64::NAN })
                        .collect()
                })
                .collect(),
            center: 0.0,
            limit: 0.5,
            labels: (0..n)
                .map(|i| {
                    (0..n)
                        .map(|j| {
                            if shown(i, j) {
                                format!("{:.0}", 100.0 * c.rho[i][j])
                            } else {
                                String::new()
                            }
                        })
                        .collect()
                })
                .collect(),
            marks: vec![vec![false; n]; n],
            hovers: (0..n)
                .map(|i| {
                    (0..n)
                        .map(|j| {
                            if j >= i {
                                return String::new(); // upper triangle: not drawn
                            }
                            format!(
                                "{} & {}: Spearman {:.3}, p {}",
                                names[i],
                                names[j],
                                c.rho[i][j],
                                fmt_p(c.p[i][j])
                            )
                        })
                        .collect()
                })
                .collect(),
            legend: "Spearman ρ (×100 in cells)".into(),
            cell: (40, 24),
        };
        out.push((
            "annotations".to_string(),
            Planned::new(
                "annotations-cooccurrence".into(),
                "Factor co-occurrence in the annotations",
                format!(
                    "Spearman correlation ×100 between the factor labels of {} validation images (multi-factor annotations, prototypes filtered; lower triangle, cells with p ≥ 0.01 left blank), as the toolkit's spearman_corr_heatmaps.",
                    c.images
                ),
                Spec::Heatmap(hm),
            ),
        ));
    }
    out
}

/// The strength axis label: `strength`, or `color strength` for a table's key.
fn strength_axis(e: &Experiment) -> String {
    if e.strength_name == "strength" {
        "strength".into()
    } else {
        format!("{} strength", e.strength_name)
    }
}

pub(crate) fn nice_limit(max_abs: f64) -> f64 {
    if !max_abs.is_finite() || max_abs <= 0.0 {
        return 0.1;
    }
    let step = 10f64.powf(max_abs.log10().floor()) / 2.0;
    (max_abs / step).ceil() * step
}

fn experiment_figures(key: &str, e: &Experiment, alpha: f64) -> Vec<Planned> {
    let mut out = Vec::new();
    if !e.rows.is_empty() {
        let base = e.baseline_er();
        let max_abs = e
            .rows
            .iter()
            .flat_map(|r| r.cells.iter().map(|c| c.change.diff.abs()))
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max);
        let cols: Vec<String> = Factor::ALL.iter().map(|f| f.name().to_string()).collect();
        let limit = nice_limit(max_abs);
        let digits = if limit < 0.5 { 3 } else { 2 };
        let hm = Heatmap {
            rows: e.rows.iter().map(|r| format!("{} (n={})", r.label(), r.runs.len())).collect(),
            cols,
            values: e.rows.iter().map(|r| r.cells.iter().map(|c| c.change.diff).collect()).collect(),
            center: 0.0,
            limit,
            labels: e
                .rows
                .iter()
                .map(|r| {
                    r.cells
                        .iter()
                        .map(|c| {
                            let mark = if c.p_holm < alpha { "*" } else if c.p_bh < alpha { "†" } else { "" };
                            format!("{}{mark}", signed(c.change.diff, digits))
                        })
                        .collect()
                })
                .collect(),
            marks: e.rows.iter().map(|r| r.cells.iter().map(|c| c.p_holm < alpha).collect()).collect(),
            hovers: e
                .rows
                .iter()
                .map(|r| {
                    r.cells
                        .iter()
                        .zip(Factor::ALL)
                        .map(|(c, f)| {
                            format!(
                                "{} · {f}: ΔER {} [95 % CI {}, {}]; ER {:.3} vs {:.3} ({}); p {}, p_holm {}, p_bh {}; {} vs {} runs{}",
                                r.label(),
                                signed(c.change.diff, 3),
                                signed(c.change.ci_low, 3),
                                signed(c.change.ci_high, 3),
                                c.mean_er,
                                base[f.index()],
                                e.baseline_label,
                                fmt_p(c.change.p),
                                fmt_p(c.p_holm),
                                fmt_p(c.p_bh),
                                r.runs.len(),
                                e.baseline.len(),
                                if c.by_images { " (bootstrap over images)" } else { "" }
                            )
                        })
                        .collect()
                })
                .collect(),
            legend: "ΔER vs baseline (blue: more robust)".into(),
            cell: (58, 24),
        };
        out.push(Planned::new(
            format!("{key}-matrix"),
            format!("Spill-over matrix: {}", e.title),
            format!(
                "Change in error ratio against the baseline ({}), mean over runs; blue = lower error ratio (more robust), red = higher. * and a black outline: significant after Holm over all {} cells (α = {alpha}); †: significant after Benjamini–Hochberg only. Welch t-test per cell, runs (seeds) as the unit of replication. Hover a cell for its 95 % interval.",
                e.baseline_label,
                e.rows.len() * 16
            ),
            Spec::Heatmap(hm),
        ));
    }
    for g in e.groups() {
        if let Some(p) = trend_figure(key, e, g) {
            out.push(p);
        }
    }
    let with_strength: Vec<&str> = e
        .groups()
        .into_iter()
        .filter(|g| e.rows.iter().any(|r| r.group == *g && r.strength.is_some()))
        .collect();
    if !with_strength.is_empty() {
        let series = with_strength
            .iter()
            .map(|g| {
                let idx: Vec<usize> = e
                    .rows
                    .iter()
                    .filter(|r| r.group == *g)
                    .flat_map(|r| r.runs.clone())
                    .collect();
                let points: Vec<(f64, f64)> = idx
                    .iter()
                    .filter_map(|&i| Some((e.runs[i].strength?, 100.0 * e.runs[i].top1)))
                    .collect();
                let line = e
                    .rows
                    .iter()
                    .filter(|r| r.group == *g)
                    .filter_map(|r| {
                        let v: Vec<f64> = r.runs.iter().map(|&i| 100.0 * e.runs[i].top1).collect();
                        Some((r.strength?, mean(&v)))
                    })
                    .collect();
                Series {
                    name: g.to_string(),
                    points,
                    line,
                }
            })
            .collect();
        let base: Vec<f64> = e.baseline.iter().map(|&i| 100.0 * e.runs[i].top1).collect();
        let chart = XyChart {
            series,
            x_label: strength_axis(e),
            y_label: "top-1 accuracy (%)".into(),
            reference: (!base.is_empty())
                .then(|| (mean(&base), format!("baseline ({})", e.baseline_label))),
        };
        out.push(Planned::new(
            format!("{key}-top1"),
            "Top-1 accuracy against strength",
            "One dot per run; the line joins the mean per strength; dashed: the baseline's mean.",
            Spec::Xy(chart),
        ));
    }
    let mut picks: Vec<usize> = e.baseline.first().copied().into_iter().collect();
    picks.extend(e.rows.iter().filter_map(|r| r.runs.first().copied()));
    let runs: Vec<&RunRecord> = picks.into_iter().map(|i| &e.runs[i]).collect();
    out.extend(curves(
        format!("{key}-curves"),
        &runs,
        "the first seed of the baseline and of every cell",
    ));
    out
}

/// Small multiples of the training curves of `runs` that have a history (at most 24).
pub(crate) fn curves(name: String, runs: &[&RunRecord], which: &str) -> Option<Planned> {
    let panels: Vec<CurvePanel> = runs
        .iter()
        .filter(|r| !r.history.is_empty())
        .take(24)
        .map(|r| CurvePanel {
            title: r.name.clone(),
            epochs: r
                .history
                .iter()
                .map(|h| {
                    (
                        h.epoch as f64,
                        h.train_loss,
                        h.eval_loss.unwrap_or(f64::NAN),
                        h.train_top1,
                        h.eval_top1.unwrap_or(f64::NAN),
                    )
                })
                .collect(),
        })
        .collect();
    if panels.is_empty() {
        return None;
    }
    let cols = panels.len().min(4);
    Some(Planned::new(
        name,
        "Training curves",
        format!(
            "Loss (left axis) and top-1 (right axis) per epoch, from each run's history.csv: {which} (at most 24)."
        ),
        Spec::Curves(Curves { panels, cols }),
    ))
}

/// The paper's augmentation-effect figure for one group: top-3 improved and worsened factors.
fn trend_figure(key: &str, e: &Experiment, group: &str) -> Option<Planned> {
    let a = e.trend(group)?;
    let factors: Vec<(Factor, bool)> = a
        .improved
        .iter()
        .map(|&f| (f, true))
        .chain(a.worsened.iter().map(|&f| (f, false)))
        .collect();
    if factors.is_empty() {
        return None;
    }
    let in_sweep = e.dir.is_some();
    let points_of = |f: Factor| -> Vec<(f64, f64)> {
        let own = e
            .runs
            .iter()
            .filter(|r| r.group.as_deref() == Some(group))
            .filter_map(|r| Some((r.strength?, r.error_ratio(f))));
        let base: Vec<(f64, f64)> = if in_sweep
            && !e
                .runs
                .iter()
                .any(|r| r.group.as_deref() == Some(group) && r.strength == Some(0.0))
        {
            e.baseline
                .iter()
                .map(|&i| (0.0, e.runs[i].error_ratio(f)))
                .collect()
        } else {
            Vec::new()
        };
        own.chain(base)
            .filter(|(s, y)| a.kept_strengths.contains(s) && y.is_finite())
            .collect()
    };
    let panels = factors
        .iter()
        .map(|&(f, improved)| {
            let t = &a.trends[f.index()];
            let note = match &t.test {
                Ok(test) => format!(
                    "t = {:.1}, p_holm {}, g = {:.2}",
                    test.effect,
                    fmt_p(t.p_holm),
                    t.hedges_g
                ),
                Err(why) => why.clone(),
            };
            let state = match (t.verdict, improved) {
                (Verdict::NotSignificant, _) => "n.s. after Holm",
                (_, true) => "improved",
                (_, false) => "worsened",
            };
            TrendPanel {
                title: format!("{f} ({state})"),
                points: points_of(f),
                fit: t.test.as_ref().ok().map(|x| x.coefficients.clone()),
                note,
                improved,
            }
        })
        .collect::<Vec<_>>();
    let cols = panels.len().min(3);
    Some(Planned::new(
        format!("{key}-{}-trend", super::figs::slug(group)),
        format!("{group}: error ratio against strength"),
        format!(
            "The paper's trend test: cubic fit of error ratio on strength (line), Welch t-test between the runs at the fitted maximum and minimum (t > 0: lower error ratio at the higher strength), Holm over the 16 factors; g is Hedges' g. Top {} improved (blue) and {} worsened (red) factors with raw p < 0.05; one dot per run; strengths with at least {} runs: {}.",
            a.improved.len(),
            a.worsened.len(),
            if in_sweep { "2" } else { "5" },
            a.kept_strengths
                .iter()
                .map(|s| fmt_strength(*s))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Spec::Trends(Trends {
            panels,
            x_label: strength_axis(e),
            y_label: "error ratio".into(),
            cols,
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_round_up() {
        assert!((nice_limit(0.079) - 0.08).abs() < 1e-12);
        assert!((nice_limit(0.91) - 0.95).abs() < 1e-12);
        assert_eq!(nice_limit(0.0), 0.1);
    }
}
