//! The report's tables as CSV files under `tables/`.

use spillover_factors::Factor;

use crate::Report;
use crate::experiment::Experiment;
use crate::page::figs::experiment_slug;
use crate::zoo::{GroupComparison, Zoo};

/// (file name, CSV text) of every table.
pub(crate) fn tables(report: &Report) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (k, e) in report.experiments.iter().enumerate() {
        let key = experiment_slug(k, e);
        out.push((format!("{key}-matrix.csv"), matrix_csv(e)));
        out.push((format!("{key}-runs.csv"), runs_csv(e)));
        for t in &e.trends {
            if let Ok(a) = &t.analysis {
                out.push((
                    format!("{key}-{}-trend.csv", super::figs::slug(&t.group)),
                    trend_csv(a),
                ));
            }
        }
    }
    if let Some(z) = &report.zoo {
        out.push(("zoo-models.csv".into(), zoo_models_csv(z)));
        out.push(("zoo-factors.csv".into(), zoo_factors_csv(z)));
        for (c, name) in [(&z.paradigm, "paradigm"), (&z.family, "family")] {
            out.push((format!("zoo-{name}.csv"), comparison_csv(c)));
        }
        out.push((
            "zoo-er-correlation.csv".into(),
            square_csv(&z.er_correlation),
        ));
    }
    if let Some(c) = &report.cooccurrence {
        out.push(("annotations-cooccurrence.csv".into(), square_csv(&c.rho)));
        out.push(("annotations-cooccurrence-p.csv".into(), square_csv(&c.p)));
    }
    out
}

fn num(x: f64) -> String {
    if x.is_nan() {
        String::new()
    } else {
        format!("{x}")
    }
}

fn opt(x: Option<f64>) -> String {
    x.map(num).unwrap_or_default()
}

fn field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn matrix_csv(e: &Experiment) -> String {
    let base = e.baseline_er();
    let mut s = String::from(
        "group,strength,runs,baseline_runs,factor,mean_er,baseline_er,delta_er,ci_low,ci_high,p,p_holm,p_bh,delta_top1,delta_top1_p\n",
    );
    for r in &e.rows {
        for (c, f) in r.cells.iter().zip(Factor::ALL) {
            s.push_str(&format!(
                "{},{},{},{},{f},{},{},{},{},{},{},{},{},{},{}\n",
                field(&r.group),
                opt(r.strength),
                r.runs.len(),
                e.baseline.len(),
                num(c.mean_er),
                num(base[f.index()]),
                num(c.change.diff),
                num(c.change.ci_low),
                num(c.change.ci_high),
                num(c.change.p),
                num(c.p_holm),
                num(c.p_bh),
                num(r.top1.diff),
                num(r.top1.p)
            ));
        }
    }
    s
}

fn runs_csv(e: &Experiment) -> String {
    let factors: Vec<&str> = Factor::ALL.iter().map(|f| f.name()).collect();
    let mut s = format!(
        "name,group,strength,seed,finished,top1,dir,{}\n",
        factors
            .iter()
            .map(|f| format!("er_{f}"))
            .collect::<Vec<_>>()
            .join(",")
    );
    for r in &e.runs {
        let ers: Vec<String> = Factor::ALL.iter().map(|&f| num(r.error_ratio(f))).collect();
        s.push_str(&format!(
            "{},{},{},{},true,{},{},{}\n",
            field(&r.name),
            field(r.group.as_deref().unwrap_or("")),
            opt(r.strength),
            r.seed.map(|v| v.to_string()).unwrap_or_default(),
            num(r.top1),
            field(
                &r.dir
                    .as_ref()
                    .map(|d| d.display().to_string())
                    .unwrap_or_default()
            ),
            ers.join(",")
        ));
    }
    for u in &e.unfinished {
        s.push_str(&format!(
            "{},,,,false,,{}{}\n",
            field(&u.name),
            field(&u.dir.display().to_string()),
            ",".repeat(16)
        ));
    }
    s
}

fn trend_csv(a: &spillover_factors::analyze::Analysis) -> String {
    let mut s = String::from(
        "factor,runs,effect,p,p_holm,p_bh,hedges_g,first_strength,second_strength,mean_first,mean_second,verdict\n",
    );
    for t in &a.trends {
        let (first, second) = t.test.as_ref().map_or((f64::NAN, f64::NAN), |x| {
            (x.first_strength, x.second_strength)
        });
        s.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{}\n",
            t.factor,
            t.runs,
            num(t.effect()),
            num(t.pvalue()),
            num(t.p_holm),
            num(t.p_bh),
            num(t.hedges_g),
            num(first),
            num(second),
            num(t.mean_first),
            num(t.mean_second),
            t.verdict.name()
        ));
    }
    s
}

fn zoo_models_csv(z: &Zoo) -> String {
    let factors: Vec<String> = Factor::ALL.iter().map(|f| format!("er_{f}")).collect();
    let mut s = format!("model,source,paradigm,family,top1,{}\n", factors.join(","));
    for m in &z.models {
        let ers: Vec<String> = Factor::ALL
            .iter()
            .map(|&f| num(m.run.error_ratio(f)))
            .collect();
        s.push_str(&format!(
            "{},{},{},{},{},{}\n",
            field(&m.run.name),
            field(&m.source),
            field(m.paradigm.map_or("", |p| p.label())),
            field(&m.family),
            num(m.run.top1),
            ers.join(",")
        ));
    }
    s
}

fn zoo_factors_csv(z: &Zoo) -> String {
    let mut s = String::from("factor,mean_er,share_er_above_1\n");
    for f in Factor::ALL {
        s.push_str(&format!(
            "{f},{},{}\n",
            num(z.mean_er[f.index()]),
            num(z.share_above_one[f.index()])
        ));
    }
    s
}

fn comparison_csv(c: &GroupComparison) -> String {
    let mut s = String::from("factor,group,models,mean_er,sd_er,p_alexander_govern,p_holm\n");
    for fg in &c.factors {
        for (g, (name, idx)) in c.groups.iter().enumerate() {
            s.push_str(&format!(
                "{},{},{},{},{},{},{}\n",
                fg.factor,
                field(name),
                idx.len(),
                num(fg.mean[g]),
                num(fg.sd[g]),
                num(fg.p),
                num(fg.p_holm)
            ));
        }
    }
    s
}

fn square_csv(m: &[Vec<f64>]) -> String {
    let names: Vec<&str> = Factor::ALL.iter().map(|f| f.name()).collect();
    let mut s = format!("factor,{}\n", names.join(","));
    for (i, row) in m.iter().enumerate() {
        s.push_str(&format!(
            "{},{}\n",
            names[i],
            row.iter().map(|v| num(*v)).collect::<Vec<_>>().join(",")
        ));
    }
    s
}
