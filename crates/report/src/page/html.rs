//! `index.html`: one self-contained page (inline CSS and SVG; no script, font or image is
//! fetched from anywhere).

use std::fmt::Write as _;
use std::path::Path;

use spillover_factors::Factor;

use super::Section;
use crate::Report;
use crate::figures::{Figure, escape};
use crate::verdict::{experiment_verdicts, fmt_p, signed, zoo_sentence};

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;max-width:1180px;margin:0 auto;padding:16px 24px;color:#1a1a1a;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
.meta{color:#555;font-size:.9em}figure{margin:1.2em 0;overflow-x:auto}figure svg{max-width:100%;height:auto;display:block}
figcaption{font-size:.9em;color:#333;max-width:900px}table{border-collapse:collapse;font-size:.85em;margin:.8em 0}
th,td{border:1px solid #ddd;padding:3px 7px;text-align:right}th{background:#f4f4f4}td.l,th.l{text-align:left}
code{background:#f4f4f4;padding:1px 4px;border-radius:3px}.verdict li{margin:.4em 0}.note{color:#7a4b00}
nav a{margin-right:1em}";

/// The page.
pub(crate) fn page(
    report: &Report,
    sections: &[Section],
    figures: &[Figure],
    out: &Path,
) -> String {
    let mut h = String::with_capacity(1 << 20);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>{STYLE}</style></head><body>\n<h1>{}</h1>\n",
        escape(&report.title),
        escape(&report.title)
    );
    let _ = writeln!(
        h,
        "<p class=\"meta\">spillover report of {} input(s): {}</p>",
        report.inputs.len(),
        report
            .inputs
            .iter()
            .map(|i| format!("<code>{}</code>", escape(i)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    h.push_str("<section id=\"verdict\"><h2>Verdict</h2><ul class=\"verdict\">\n");
    for e in &report.experiments {
        for v in experiment_verdicts(e, report.options.alpha) {
            let _ = writeln!(h, "<li>{}</li>", escape(&v.sentence(3)));
        }
    }
    if let Some(z) = &report.zoo {
        let _ = writeln!(h, "<li>{}</li>", escape(&zoo_sentence(z)));
    }
    h.push_str("</ul></section>\n<nav>");
    for s in sections {
        let _ = write!(h, "<a href=\"#{}\">{}</a>", s.key, escape(&s.title));
    }
    h.push_str("</nav>\n");
    for s in sections {
        let _ = writeln!(h, "<section id=\"{}\"><h2>{}</h2>", s.key, escape(&s.title));
        for p in &s.paragraphs {
            let _ = writeln!(h, "<p>{}</p>", escape(p));
        }
        for n in &s.notes {
            let _ = writeln!(h, "<p class=\"note\">Note: {}</p>", escape(n));
        }
        for f in figures.iter().filter(|f| s.figures.contains(&f.name)) {
            let svg = f
                .svg
                .trim_start_matches("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
                .trim();
            let png = if f.png.is_some() {
                format!(" · <a href=\"figures/{}.png\">PNG</a>", f.name)
            } else {
                String::new()
            };
            let _ = writeln!(
                h,
                "<figure id=\"{}\">{svg}<figcaption><b>{}.</b> {} <a href=\"figures/{}.svg\">SVG</a>{png}</figcaption></figure>",
                f.name,
                escape(&f.title),
                escape(&f.caption),
                f.name
            );
        }
        if let Some(k) = s.experiment {
            h.push_str(&experiment_tables(report, k, out));
        }
        if s.key == "zoo" {
            h.push_str(&zoo_table(report));
        }
        for name in &s.tables {
            let _ = write!(
                h,
                "<p class=\"meta\">Table: <a href=\"tables/{name}\">tables/{name}</a></p>"
            );
        }
        h.push_str("</section>\n");
    }
    if !report.notes.is_empty() {
        h.push_str("<section id=\"notes\"><h2>Notes</h2><ul>");
        for n in &report.notes {
            let _ = write!(h, "<li>{}</li>", escape(n));
        }
        h.push_str("</ul></section>");
    }
    h.push_str("\n</body></html>\n");
    h
}

/// Rows of the significant-cells table.
const SHOWN: usize = 40;

/// Significant cells with their intervals, and the runs with links to their directories.
fn experiment_tables(report: &Report, k: usize, out: &Path) -> String {
    let e = &report.experiments[k];
    let alpha = report.options.alpha;
    let mut h = String::new();
    let mut sig: Vec<(String, Factor, &crate::experiment::Cell)> = e
        .rows
        .iter()
        .flat_map(|r| {
            r.cells
                .iter()
                .zip(Factor::ALL)
                .filter(|(c, _)| c.p_bh < alpha)
                .map(move |(c, f)| (r.label(), f, c))
        })
        .collect();
    // Holm-significant first, largest change first.
    sig.sort_by(|a, b| {
        (b.2.p_holm < alpha)
            .cmp(&(a.2.p_holm < alpha))
            .then(b.2.change.diff.abs().total_cmp(&a.2.change.diff.abs()))
    });
    if !sig.is_empty() {
        let _ = write!(
            h,
            "<h3>Significant cells ({} after Benjamini–Hochberg, {} after Holm), Holm first, largest change first</h3><table><tr><th class=\"l\">cell</th><th class=\"l\">factor</th><th>ΔER</th><th>95 % CI</th><th>ER</th><th>p</th><th>p_holm</th><th>p_bh</th></tr>",
            sig.len(),
            sig.iter().filter(|s| s.2.p_holm < alpha).count()
        );
        for (label, f, c) in sig.iter().take(SHOWN) {
            let _ = write!(
                h,
                "<tr><td class=\"l\">{}</td><td class=\"l\">{f}</td><td>{}</td><td>[{}, {}]</td><td>{:.3}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(label),
                signed(c.change.diff, 3),
                signed(c.change.ci_low, 3),
                signed(c.change.ci_high, 3),
                c.mean_er,
                fmt_p(c.change.p),
                fmt_p(c.p_holm),
                fmt_p(c.p_bh)
            );
        }
        h.push_str("</table>");
        if sig.len() > SHOWN {
            let _ = write!(
                h,
                "<p class=\"meta\">(the {SHOWN} largest changes; every cell with its interval is in the matrix CSV)</p>"
            );
        }
    }
    if let Some(dir) = &e.dir {
        let _ = write!(
            h,
            "<h3>Runs</h3><p>TensorBoard: <code>tensorboard --logdir {}</code></p><table><tr><th class=\"l\">cell</th><th class=\"l\">group</th><th>strength</th><th>seed</th><th>top-1 %</th><th class=\"l\">state</th></tr>",
            escape(&dir.join("cells").display().to_string())
        );
        for r in &e.runs {
            let link = r
                .dir
                .as_ref()
                .map(|d| super::relative(out, d))
                .unwrap_or_default();
            let _ = write!(
                h,
                "<tr><td class=\"l\"><a href=\"{}\">{}</a></td><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{:.2}</td><td class=\"l\">finished</td></tr>",
                escape(&link),
                escape(&r.name),
                escape(r.group.as_deref().unwrap_or("")),
                crate::verdict::strength_text(r.strength),
                r.seed.map(|s| s.to_string()).unwrap_or_default(),
                100.0 * r.top1
            );
        }
        for u in &e.unfinished {
            let _ = write!(
                h,
                "<tr><td class=\"l\"><a href=\"{}\">{}</a></td><td></td><td></td><td></td><td></td><td class=\"l\">{}</td></tr>",
                escape(&super::relative(out, &u.dir)),
                escape(&u.name),
                escape(&u.reason)
            );
        }
        h.push_str("</table>");
    }
    h
}

fn zoo_table(report: &Report) -> String {
    let Some(z) = &report.zoo else {
        return String::new();
    };
    let mut h = String::from(
        "<h3>Factors, hardest first</h3><table><tr><th class=\"l\">factor</th><th>models with ER &gt; 1</th><th>mean ER</th><th>paradigm p_holm</th><th>family p_holm</th></tr>",
    );
    let mut order = Factor::ALL.to_vec();
    order.sort_by(|a, b| z.share_above_one[b.index()].total_cmp(&z.share_above_one[a.index()]));
    for f in order {
        let _ = write!(
            h,
            "<tr><td class=\"l\">{f}</td><td>{:.1} %</td><td>{:.3}</td><td>{}</td><td>{}</td></tr>",
            100.0 * z.share_above_one[f.index()],
            z.mean_er[f.index()],
            fmt_p(z.paradigm.factors[f.index()].p_holm),
            fmt_p(z.family.factors[f.index()].p_holm)
        );
    }
    h.push_str("</table>");
    h
}
