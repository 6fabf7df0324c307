//! `report.md`: the same findings as text, GitHub-renderable, figures as relative links.

use std::fmt::Write as _;
use std::path::Path;

use spillover_factors::Factor;

use super::Section;
use crate::Report;
use crate::figures::Figure;
use crate::verdict::{experiment_verdicts, fmt_p, signed, zoo_sentence};

pub(crate) fn markdown(
    report: &Report,
    sections: &[Section],
    figures: &[Figure],
    out: &Path,
) -> String {
    let mut m = String::new();
    let _ = writeln!(m, "# {}\n", report.title);
    let _ = writeln!(
        m,
        "Inputs: {}\n",
        report
            .inputs
            .iter()
            .map(|i| format!("`{i}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    m.push_str("## Verdict\n\n");
    for e in &report.experiments {
        for v in experiment_verdicts(e, report.options.alpha) {
            let _ = writeln!(m, "- {}", v.sentence(3));
        }
    }
    if let Some(z) = &report.zoo {
        let _ = writeln!(m, "- {}", zoo_sentence(z));
    }
    for s in sections {
        let _ = writeln!(m, "\n## {}\n", s.title);
        for p in &s.paragraphs {
            let _ = writeln!(m, "{p}\n");
        }
        for n in &s.notes {
            let _ = writeln!(m, "> Note: {n}\n");
        }
        for f in figures.iter().filter(|f| s.figures.contains(&f.name)) {
            let image = if f.png.is_some() {
                format!("figures/{}.png", f.name)
            } else {
                format!("figures/{}.svg", f.name)
            };
            let _ = writeln!(
                m,
                "![{}]({image})\n\n*{}.* {} ([SVG](figures/{}.svg))\n",
                f.title, f.title, f.caption, f.name
            );
        }
        if let Some(k) = s.experiment {
            let e = &report.experiments[k];
            let alpha = report.options.alpha;
            let sig: Vec<_> = e
                .rows
                .iter()
                .flat_map(|r| {
                    r.cells
                        .iter()
                        .zip(Factor::ALL)
                        .filter(|(c, _)| c.p_holm < alpha)
                        .map(move |(c, f)| (r.label(), f, c))
                })
                .collect();
            if !sig.is_empty() {
                m.push_str("| cell | factor | ΔER | 95 % CI | p_holm |\n|---|---|---:|---|---:|\n");
                for (label, f, c) in sig.iter().take(40) {
                    let _ = writeln!(
                        m,
                        "| {label} | {f} | {} | [{}, {}] | {} |",
                        signed(c.change.diff, 3),
                        signed(c.change.ci_low, 3),
                        signed(c.change.ci_high, 3),
                        fmt_p(c.p_holm)
                    );
                }
                m.push('\n');
            }
            if let Some(dir) = &e.dir {
                let _ = writeln!(
                    m,
                    "TensorBoard: `tensorboard --logdir {}`\n",
                    dir.join("cells").display()
                );
                m.push_str(
                    "| cell | group | strength | seed | top-1 % |\n|---|---|---:|---:|---:|\n",
                );
                for r in &e.runs {
                    let link = r
                        .dir
                        .as_ref()
                        .map(|d| super::relative(out, d))
                        .unwrap_or_default();
                    let _ = writeln!(
                        m,
                        "| [{}]({link}) | {} | {} | {} | {:.2} |",
                        r.name,
                        r.group.as_deref().unwrap_or(""),
                        crate::verdict::strength_text(r.strength),
                        r.seed.map(|s| s.to_string()).unwrap_or_default(),
                        100.0 * r.top1
                    );
                }
                for u in &e.unfinished {
                    let _ = writeln!(m, "| {} | | | | {} |", u.name, u.reason);
                }
                m.push('\n');
            }
        }
        for t in &s.tables {
            let _ = writeln!(m, "Table: [tables/{t}](tables/{t})  ");
        }
    }
    if !report.notes.is_empty() {
        m.push_str("\n## Notes\n\n");
        for n in &report.notes {
            let _ = writeln!(m, "- {n}");
        }
    }
    m
}
