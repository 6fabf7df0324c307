//! The verdict in words: per augmentation, which factors it makes models more or less robust
//! to, with the change in error ratio, its interval and the corrected p-value; and for a zoo,
//! the factors that are hard for nearly every model.

use spillover_factors::Factor;
use spillover_factors::analyze::Verdict;

use crate::experiment::{Experiment, MatrixRow, fmt_strength};
use crate::stats::MeanDiff;
use crate::zoo::Zoo;

/// One factor an augmentation changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub factor: Factor,
    /// Change in error ratio at the group's highest strength against the baseline.
    pub change: MeanDiff,
    pub p_holm: f64,
    /// The paper's trend test (t statistic, Holm-adjusted p) when it ran.
    pub trend: Option<(f64, f64)>,
}

/// What one augmentation does.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupVerdict {
    pub group: String,
    /// The row the changes are read from (the highest strength).
    pub row_label: String,
    pub baseline_label: String,
    /// True when improved / worsened come from the trend test (at least 4 strengths), false
    /// when from the matrix row.
    pub from_trend: bool,
    pub improved: Vec<Finding>,
    pub worsened: Vec<Finding>,
    /// The two largest changes, whatever their significance (said when nothing is significant).
    pub largest: Vec<Finding>,
    pub top1: MeanDiff,
}

/// Verdicts of every augmentation of an experiment.
pub fn experiment_verdicts(e: &Experiment, alpha: f64) -> Vec<GroupVerdict> {
    e.groups()
        .into_iter()
        .filter_map(|g| {
            let row: &MatrixRow = e.rows.iter().rev().find(|r| r.group == g)?;
            let trend = e.trend(g).filter(|a| a.kept_strengths.len() >= 4);
            let finding = |f: Factor| Finding {
                factor: f,
                change: row.cells[f.index()].change,
                p_holm: row.cells[f.index()].p_holm,
                trend: trend.map(|a| {
                    let t = &a.trends[f.index()];
                    (t.effect(), t.p_holm)
                }),
            };
            let (mut improved, mut worsened): (Vec<Finding>, Vec<Finding>) = match trend {
                Some(a) => (
                    a.trends
                        .iter()
                        .filter(|t| t.verdict == Verdict::Improved)
                        .map(|t| finding(t.factor))
                        .collect(),
                    a.trends
                        .iter()
                        .filter(|t| t.verdict == Verdict::Worsened)
                        .map(|t| finding(t.factor))
                        .collect(),
                ),
                None => {
                    let sig = |f: &Factor| row.cells[f.index()].p_holm < alpha;
                    let d = |f: &Factor| row.cells[f.index()].change.diff;
                    (
                        Factor::ALL
                            .iter()
                            .filter(|f| sig(f) && d(f) < 0.0)
                            .map(|&f| finding(f))
                            .collect(),
                        Factor::ALL
                            .iter()
                            .filter(|f| sig(f) && d(f) > 0.0)
                            .map(|&f| finding(f))
                            .collect(),
                    )
                }
            };
            // Strongest first: by trend statistic when there is one, else by the change.
            let key = |x: &Finding| x.trend.map_or(x.change.diff.abs(), |t| t.0.abs());
            improved.sort_by(|a, b| key(b).total_cmp(&key(a)));
            worsened.sort_by(|a, b| key(b).total_cmp(&key(a)));
            let mut largest: Vec<Finding> = Factor::ALL
                .iter()
                .filter(|f| row.cells[f.index()].change.diff.is_finite())
                .map(|&f| finding(f))
                .collect();
            largest.sort_by(|a, b| b.change.diff.abs().total_cmp(&a.change.diff.abs()));
            largest.truncate(2);
            Some(GroupVerdict {
                largest,
                group: g.to_string(),
                row_label: row.label(),
                baseline_label: e.baseline_label.clone(),
                from_trend: trend.is_some(),
                improved,
                worsened,
                top1: row.top1,
            })
        })
        .collect()
}

/// A p-value as short text.
pub fn fmt_p(p: f64) -> String {
    if p.is_nan() {
        "n/a".into()
    } else if p < 1e-3 {
        format!("{p:.1e}")
    } else {
        format!("{p:.3}")
    }
}

/// A signed number with a real minus sign.
pub fn signed(x: f64, digits: usize) -> String {
    let s = format!("{:+.*}", digits, x);
    s.replacen('-', "\u{2212}", 1)
}

fn finding_text(f: &Finding) -> String {
    let c = &f.change;
    let ci = if c.ci_low.is_finite() {
        format!(
            ", 95 % CI [{}, {}]",
            signed(c.ci_low, 3),
            signed(c.ci_high, 3)
        )
    } else {
        String::new()
    };
    let trend = f
        .trend
        .map(|(t, p)| {
            format!(
                "; trend t = {}, p_holm {}",
                format!("{t:.1}").replacen('-', "\u{2212}", 1),
                fmt_p(p)
            )
        })
        .unwrap_or_default();
    format!(
        "{} (ΔER {}{ci}, p_holm {}{trend})",
        f.factor,
        signed(c.diff, 3),
        fmt_p(f.p_holm)
    )
}

impl GroupVerdict {
    /// `paper_color_jitter: improves color (ΔER −0.91, 95 % CI [...], p_holm ...); worsens pose (...)`
    pub fn sentence(&self, limit: usize) -> String {
        let list = |v: &[Finding]| {
            let mut parts: Vec<String> = v.iter().take(limit).map(finding_text).collect();
            if v.len() > limit {
                parts.push(format!("{} more", v.len() - limit));
            }
            parts.join(", ")
        };
        let mut parts = Vec::new();
        if !self.improved.is_empty() {
            parts.push(format!("improves {}", list(&self.improved)));
        }
        if !self.worsened.is_empty() {
            parts.push(format!("worsens {}", list(&self.worsened)));
        }
        if parts.is_empty() {
            let big: Vec<String> = self.largest.iter().map(finding_text).collect();
            parts.push(format!(
                "no change significant after Holm; largest: {}",
                big.join(", ")
            ));
        }
        let top1 = if self.top1.diff.is_finite() {
            format!("; top-1 {} pts", signed(100.0 * self.top1.diff, 1))
        } else {
            String::new()
        };
        let how = if self.from_trend {
            "trend test over strengths; "
        } else {
            ""
        };
        format!(
            "{}: {} ({how}{} vs {}){top1}",
            self.group,
            parts.join("; "),
            self.row_label,
            self.baseline_label
        )
    }

    /// Short form for the terminal: factor names and changes only.
    pub fn short(&self) -> String {
        let list = |v: &[Finding]| {
            v.iter()
                .take(3)
                .map(|f| format!("{} {}", f.factor, signed(f.change.diff, 2)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut parts = Vec::new();
        if !self.improved.is_empty() {
            parts.push(format!("improves {}", list(&self.improved)));
        }
        if !self.worsened.is_empty() {
            parts.push(format!("worsens {}", list(&self.worsened)));
        }
        if parts.is_empty() {
            let big: Vec<String> = self
                .largest
                .iter()
                .map(|f| format!("{} {}", f.factor, signed(f.change.diff, 2)))
                .collect();
            parts.push(format!(
                "no significant change (largest: {})",
                big.join(", ")
            ));
        }
        format!(
            "{}: {} ({} vs {})",
            self.group,
            parts.join("; "),
            self.row_label,
            self.baseline_label
        )
    }
}

/// The zoo's finding: factors with error ratio above 1 for most models.
pub fn zoo_sentence(zoo: &Zoo) -> String {
    let hard = zoo.hardest(0.8);
    let list: Vec<String> = hard
        .iter()
        .take(6)
        .map(|(f, s)| format!("{f} ({:.0} %)", 100.0 * s))
        .collect();
    if list.is_empty() {
        let (f, s) = Factor::ALL
            .iter()
            .map(|&f| (f, zoo.share_above_one[f.index()]))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .expect("16 factors");
        format!(
            "zoo ({}): no factor is hard (ER > 1) for 80 % of them; the most often hard is {f} ({:.0} %)",
            zoo.core_label(),
            100.0 * s
        )
    } else {
        format!(
            "zoo ({}): hard (ER > 1) for at least 80 % of them: {}",
            zoo.core_label(),
            list.join(", ")
        )
    }
}

/// `strength` as text for labels.
pub fn strength_text(s: Option<f64>) -> String {
    s.map(fmt_strength).unwrap_or_else(|| "-".into())
}
