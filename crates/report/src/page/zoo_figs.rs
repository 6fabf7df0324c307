//! The model-zoo figures: group comparisons, share of ER > 1, the accuracy scatter, the ER
//! correlation and (for a few models) every model's error ratios.

use spillover_factors::Factor;

use super::figs::{Planned, Spec, curves, nice_limit};
use crate::figures::{BarGroup, Bars, Heatmap, Scatter, ScatterPanel};
use crate::input::RunRecord;
use crate::verdict::fmt_p;
use crate::zoo::{GroupComparison, Paradigm, Zoo};

fn comparison_bars(z: &Zoo, c: &GroupComparison, alpha: f64) -> Bars {
    let order = &z.order;
    Bars {
        categories: order.iter().map(|f| f.name().to_string()).collect(),
        groups: c
            .groups
            .iter()
            .enumerate()
            .map(|(g, (name, idx))| BarGroup {
                name: format!("{name} ({})", idx.len()),
                values: order.iter().map(|f| c.factors[f.index()].mean[g]).collect(),
                errors: order.iter().map(|f| c.factors[f.index()].sd[g]).collect(),
            })
            .collect(),
        significant: order
            .iter()
            .map(|f| {
                let p = c.factors[f.index()].p_holm;
                (!p.is_nan()).then_some(p < alpha)
            })
            .collect(),
        y_label: "error ratio (mean ± SD over models)".into(),
        reference: Some(1.0),
        hovers: order
            .iter()
            .map(|f| {
                let fg = &c.factors[f.index()];
                let means: Vec<String> = c
                    .groups
                    .iter()
                    .zip(&fg.mean)
                    .map(|((n, _), m)| format!("{n} {m:.3}"))
                    .collect();
                format!(
                    "{f}: {}; Alexander–Govern p {}, p_holm {}",
                    means.join(", "),
                    fmt_p(fg.p),
                    fmt_p(fg.p_holm)
                )
            })
            .collect(),
    }
}

pub(crate) fn zoo_figures(z: &Zoo, alpha: f64) -> Vec<Planned> {
    let mut out = Vec::new();
    for (c, name) in [(&z.paradigm, "paradigm"), (&z.family, "family")] {
        if c.groups.len() >= 2 {
            out.push(Planned::new(
                format!("zoo-{name}"),
                format!("Error ratio by {}", c.by),
                format!(
                    "Mean error ratio per factor and {} (error bars: SD over models), factors by mean error ratio; * : the groups differ after Holm over 16 factors (Alexander–Govern test, α = {alpha}), faded bars: no significant difference; dashed: error ratio 1.",
                    c.by
                ),
                Spec::Bars(comparison_bars(z, c, alpha)),
            ));
        }
    }
    let mut share: Vec<Factor> = Factor::ALL.to_vec();
    share.sort_by(|a, b| z.share_above_one[b.index()].total_cmp(&z.share_above_one[a.index()]));
    out.push(Planned::new(
        "zoo-share".into(),
        "Share of models with error ratio above 1",
        format!("Per factor, the share of the {} whose error ratio exceeds 1 (the factor costs them more than their average error).", z.core_label()),
        Spec::Bars(Bars {
            categories: share.iter().map(|f| f.name().to_string()).collect(),
            groups: vec![BarGroup {
                name: "% of models with ER > 1".into(),
                values: share.iter().map(|f| 100.0 * z.share_above_one[f.index()]).collect(),
                errors: vec![f64::NAN; 16],
            }],
            significant: vec![None; 16],
            y_label: "models with ER > 1 (%)".into(),
            reference: None,
            hovers: share
                .iter()
                .map(|f| format!("{f}: {:.1} % of models, mean ER {:.3}", 100.0 * z.share_above_one[f.index()], z.mean_er[f.index()]))
                .collect(),
        }),
    ));
    // Scatter: overall vs factor accuracy, by paradigm.
    let mut groups: Vec<(String, Vec<usize>)> = Paradigm::COMPARED
        .iter()
        .map(|p| {
            (
                p.label().to_string(),
                (0..z.models.len())
                    .filter(|&i| z.models[i].paradigm == Some(*p))
                    .collect(),
            )
        })
        .collect();
    let rest: Vec<usize> = (0..z.models.len())
        .filter(|&i| {
            !z.models[i]
                .paradigm
                .is_some_and(|p| Paradigm::COMPARED.contains(&p))
        })
        .collect();
    groups.push(("other paradigms / not in the map".into(), rest));
    groups.retain(|g| !g.1.is_empty());
    let muted = groups
        .iter()
        .position(|g| g.0.starts_with("other paradigms"));
    let lo = z
        .models
        .iter()
        .flat_map(|m| m.run.accuracy.iter().copied().chain([m.run.top1]))
        .filter(|v| v.is_finite())
        .fold(1.0, f64::min);
    let lo = (lo * 10.0).floor() / 10.0;
    out.push(Planned::new(
        "zoo-scatter".into(),
        "Overall accuracy against each factor's accuracy",
        "One panel per factor (ordered by mean error ratio), one marker per model, colour and shape by learning paradigm; dashed: the identity line (below it, the factor is harder than average).",
        Spec::Scatter(Scatter {
            panels: z
                .order
                .iter()
                .map(|f| ScatterPanel {
                    title: f.name().to_string(),
                    points: groups.iter().map(|(_, idx)| idx.iter().map(|&i| (z.models[i].run.top1, z.models[i].run.accuracy[f.index()])).filter(|p| p.1.is_finite()).collect()).collect(),
                })
                .collect(),
            groups: groups.iter().map(|(n, idx)| format!("{n} ({})", idx.len())).collect(),
            x_label: "top-1".into(),
            y_label: "factor acc.".into(),
            cols: 4,
            range: (lo, 1.0),
            muted,
        }),
    ));
    if z.models.len() >= 3 {
        let names: Vec<String> = Factor::ALL.iter().map(|f| f.name().to_string()).collect();
        out.push(Planned::new(
            "zoo-er-correlation".into(),
            "Correlation of error ratios across models",
            format!("Spearman correlation between the error ratios of two factors over the {}: factors whose robustness goes together.", z.core_label()),
            Spec::Heatmap(Heatmap {
                rows: names.clone(),
                cols: names.clone(),
                values: z.er_correlation.clone(),
                center: 0.0,
                limit: 1.0,
                labels: z.er_correlation.iter().map(|r| r.iter().map(|v| format!("{:.2}", v).replace('-', "\u{2212}")).collect()).collect(),
                marks: vec![vec![false; 16]; 16],
                hovers: (0..16).map(|i| (0..16).map(|j| format!("{} & {}: ρ = {:.3}", names[i], names[j], z.er_correlation[i][j])).collect()).collect(),
                legend: "Spearman ρ".into(),
                cell: (44, 24),
            }),
        ));
    }
    let runs: Vec<&RunRecord> = z.models.iter().map(|m| &m.run).collect();
    out.extend(curves(
        "zoo-curves".into(),
        &runs,
        "every run directory given",
    ));
    if z.models.len() <= 40 {
        let ers: Vec<Vec<f64>> = z
            .models
            .iter()
            .map(|m| Factor::ALL.iter().map(|&f| m.run.error_ratio(f)).collect())
            .collect();
        let max_abs = ers
            .iter()
            .flatten()
            .filter(|v| v.is_finite())
            .map(|v| (v - 1.0).abs())
            .fold(0.0, f64::max);
        out.push(Planned::new(
            "zoo-models".into(),
            "Error ratio of every model",
            "Error ratio per model and factor; blue: below 1 (the factor is easier than average for the model), red: above 1.",
            Spec::Heatmap(Heatmap {
                rows: z.models.iter().map(|m| m.run.name.clone()).collect(),
                cols: Factor::ALL.iter().map(|f| f.name().to_string()).collect(),
                labels: ers.iter().map(|r| r.iter().map(|v| format!("{v:.2}")).collect()).collect(),
                hovers: z.models.iter().zip(&ers).map(|(m, r)| Factor::ALL.iter().map(|f| format!("{} · {f}: ER {:.3}, accuracy {:.4}, top-1 {:.4}", m.run.name, r[f.index()], m.run.accuracy[f.index()], m.run.top1)).collect()).collect(),
                marks: vec![vec![false; 16]; z.models.len()],
                values: ers,
                center: 1.0,
                limit: nice_limit(max_abs),
                legend: "error ratio (1 = average)".into(),
                cell: (50, 24),
            }),
        ));
    }
    out
}
