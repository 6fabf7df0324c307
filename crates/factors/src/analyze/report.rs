//! The analysis of one sweep: per factor, error ratio against strength.

use super::error::InputError;
use super::strength::{StrengthOrigin, StrengthSpec, resolve};
use super::table::RunTable;
use crate::stats::{
    PermutationTest, TrendTest, WelchTest, augmentation_effect, benjamini_hochberg, hedges_g, holm,
    mean, mean_confidence_interval, permutation_test_mean_diff, welch_t_test,
};
use crate::{Factor, NUM_FACTORS};

/// Settings of an analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalyzeOptions {
    pub strength: StrengthSpec,
    /// Strengths with fewer runs are left out of the trend test (the toolkit keeps > 4).
    pub min_runs: usize,
    /// Significance level.
    pub alpha: f64,
    /// Level of the per-strength confidence intervals.
    pub level: f64,
    /// The two strengths to compare; None compares the lowest and highest kept strength.
    pub compare: Option<(f64, f64)>,
    /// Random permutations for the permutation test.
    pub resamples: usize,
    pub seed: u64,
}

impl Default for AnalyzeOptions {
    fn default() -> Self {
        AnalyzeOptions {
            strength: StrengthSpec::default(),
            min_runs: 5,
            alpha: 0.05,
            level: 0.95,
            compare: None,
            resamples: 10_000,
            seed: 0,
        }
    }
}

/// Whether robustness to a factor changed with strength.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The error ratio is significantly lower at the higher strength.
    Improved,
    /// The error ratio is significantly higher at the higher strength.
    Worsened,
    NotSignificant,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Improved => "improved",
            Verdict::Worsened => "worsened",
            Verdict::NotSignificant => "",
        }
    }

    /// From a statistic whose positive sign means "lower error ratio at the higher strength".
    fn of(statistic: f64, adjusted_p: f64, alpha: f64) -> Verdict {
        match adjusted_p < alpha {
            true if statistic > 0.0 => Verdict::Improved,
            true if statistic < 0.0 => Verdict::Worsened,
            _ => Verdict::NotSignificant,
        }
    }
}

/// Error ratio of a factor over the runs at one strength.
#[derive(Debug, Clone, PartialEq)]
pub struct StrengthSummary {
    pub factor: Factor,
    pub strength: f64,
    pub runs: usize,
    pub mean: f64,
    /// t-interval of the mean at [`AnalyzeOptions::level`] (NaN with fewer than 2 runs).
    pub ci_low: f64,
    pub ci_high: f64,
}

/// The paper's trend test for one factor, with effect size and corrections.
#[derive(Debug, Clone, PartialEq)]
pub struct FactorTrend {
    pub factor: Factor,
    /// Runs with a finite error ratio at a kept strength.
    pub runs: usize,
    /// The test, or why there is none (e.g. fewer than 4 strengths).
    pub test: Result<TrendTest, String>,
    /// Mean error ratio at the test's first (lower) and second (higher) strength.
    pub mean_first: f64,
    pub mean_second: f64,
    /// Hedges' g of first vs second (positive: lower error ratio at the higher strength).
    pub hedges_g: f64,
    pub p_holm: f64,
    pub p_bh: f64,
    /// From the Holm-adjusted p-value.
    pub verdict: Verdict,
}

impl FactorTrend {
    /// The toolkit's `effect` (NaN without a test).
    pub fn effect(&self) -> f64 {
        self.test.as_ref().map_or(f64::NAN, |t| t.effect)
    }

    /// The toolkit's `pval` (NaN without a test).
    pub fn pvalue(&self) -> f64 {
        self.test.as_ref().map_or(f64::NAN, |t| t.pvalue)
    }
}

/// Low- vs high-strength comparison of one factor.
#[derive(Debug, Clone, PartialEq)]
pub struct FactorComparison {
    pub factor: Factor,
    pub runs_low: usize,
    pub runs_high: usize,
    pub mean_low: f64,
    pub mean_high: f64,
    /// Welch test of low vs high (positive t: lower error ratio at the high strength).
    pub welch: WelchTest,
    /// Permutation test of `mean(low) - mean(high)`.
    pub permutation: PermutationTest,
    pub hedges_g: f64,
    pub welch_p_holm: f64,
    pub welch_p_bh: f64,
    pub permutation_p_holm: f64,
    pub permutation_p_bh: f64,
    /// From the Holm-adjusted Welch p-value.
    pub verdict: Verdict,
}

/// Comparison of two strength groups across the 16 factors.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub low: f64,
    pub high: f64,
    pub factors: Vec<FactorComparison>,
}

/// Everything `spillover analyze` reports for one input.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    pub source: String,
    pub strength_key: String,
    pub strength_origin: StrengthOrigin,
    pub complement: bool,
    /// Runs with a strength (the `human` row and runs without one are left out).
    pub runs: usize,
    /// Strengths with at least `min_runs` runs, ascending: the trend test uses these.
    pub kept_strengths: Vec<f64>,
    /// What was left out and why.
    pub notes: Vec<String>,
    pub per_strength: Vec<StrengthSummary>,
    pub trends: Vec<FactorTrend>,
    /// Significant (raw p < alpha) factors with positive effect, largest first (at most 3).
    pub improved: Vec<Factor>,
    /// Significant factors with negative effect, most negative first (at most 3).
    pub worsened: Vec<Factor>,
    /// The toolkit's plot order exactly: significant factors sorted by effect descending,
    /// `head(3)` then `tail(3)` (the two overlap when fewer than 6 are significant).
    pub toolkit_order: Vec<Factor>,
    pub comparison: Result<Comparison, String>,
}

/// Analyzes one table of runs.
pub fn analyze_runs(table: &RunTable, options: &AnalyzeOptions) -> Result<Analysis, InputError> {
    let is_human = |i: usize| table.runs[i].name.eq_ignore_ascii_case("human");
    let strengths = resolve(table, &options.strength, is_human)?;
    let mut notes = Vec::new();
    let humans = (0..table.runs.len()).filter(|&i| is_human(i)).count();
    if humans > 0 {
        notes.push(format!("left out {humans} `human` row(s)"));
    }
    if strengths.key == "crop" && !options.strength.complement {
        notes.push("the toolkit's crop strength is 100 - crop; use the complement (CLI: --complement) to match it".into());
    }
    let missing: Vec<usize> = (0..table.runs.len())
        .filter(|&i| strengths.values[i].is_none() && !is_human(i))
        .collect();
    if let Some(&first) = missing.first() {
        let run = &table.runs[first];
        notes.push(format!(
            "left out {} run(s) without a `{}` strength (first: `{}`, line {})",
            missing.len(),
            strengths.key,
            run.name,
            run.line
        ));
    }
    let with_strength: Vec<(usize, f64)> = strengths
        .values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|s| (i, s)))
        .collect();
    if with_strength.is_empty() {
        return Err(InputError::new(
            &table.source,
            format!("no run has a `{}` strength", strengths.key),
            "check --strength",
        ));
    }

    let mut distinct: Vec<f64> = with_strength.iter().map(|p| p.1).collect();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    let sweep = Sweep {
        table,
        with_strength: &with_strength,
    };
    let (kept, dropped): (Vec<f64>, Vec<f64>) = distinct
        .iter()
        .partition(|&&s| sweep.runs_at(s) >= options.min_runs);
    if !dropped.is_empty() {
        let list: Vec<String> = dropped
            .iter()
            .map(|s| format!("{s} ({} runs)", sweep.runs_at(*s)))
            .collect();
        notes.push(format!(
            "left out of the trend test {} strength(s) with fewer than {} runs: {}",
            dropped.len(),
            options.min_runs,
            list.join(", ")
        ));
    }

    let per_strength = Factor::ALL
        .into_iter()
        .flat_map(|f| sweep.summaries(f, &distinct, options.level))
        .collect();
    let mut trends: Vec<FactorTrend> = Factor::ALL
        .into_iter()
        .map(|f| sweep.trend(f, &kept))
        .collect();
    let pvalues: Vec<f64> = trends.iter().map(FactorTrend::pvalue).collect();
    for ((t, h), b) in trends
        .iter_mut()
        .zip(holm(&pvalues))
        .zip(benjamini_hochberg(&pvalues))
    {
        (t.p_holm, t.p_bh) = (h, b);
        t.verdict = Verdict::of(t.effect(), h, options.alpha);
    }
    let (improved, worsened, toolkit_order) = top_factors(&trends, options.alpha);

    let comparison = compare(&sweep, &kept, options);
    Ok(Analysis {
        source: table.source.clone(),
        strength_key: strengths.key,
        strength_origin: strengths.origin,
        complement: options.strength.complement,
        runs: with_strength.len(),
        kept_strengths: kept,
        notes,
        per_strength,
        trends,
        improved,
        worsened,
        toolkit_order,
        comparison,
    })
}

/// Top-3 improved and worsened factors, and the toolkit's own selection.
fn top_factors(trends: &[FactorTrend], alpha: f64) -> (Vec<Factor>, Vec<Factor>, Vec<Factor>) {
    let mut significant: Vec<(Factor, f64)> = trends
        .iter()
        .filter(|t| t.pvalue() < alpha)
        .map(|t| (t.factor, t.effect()))
        .collect();
    // pandas `sort_values(ascending=False)`; effects are distinct in practice, ties keep factor order.
    significant.sort_by(|a, b| b.1.total_cmp(&a.1));
    let improved = significant
        .iter()
        .filter(|s| s.1 > 0.0)
        .take(3)
        .map(|s| s.0)
        .collect();
    let worsened = significant
        .iter()
        .rev()
        .filter(|s| s.1 < 0.0)
        .take(3)
        .map(|s| s.0)
        .collect();
    let n = significant.len();
    let toolkit = significant[..n.min(3)]
        .iter()
        .chain(&significant[n.saturating_sub(3)..])
        .map(|s| s.0)
        .collect();
    (improved, worsened, toolkit)
}

/// The runs that have a strength.
struct Sweep<'a> {
    table: &'a RunTable,
    /// (run index, strength)
    with_strength: &'a [(usize, f64)],
}

impl Sweep<'_> {
    /// (strength, error ratio of `f`) of every run whose strength passes `keep` and whose
    /// error ratio is finite (the toolkit drops NaN error ratios).
    fn points(&self, f: Factor, keep: impl Fn(f64) -> bool) -> (Vec<f64>, Vec<f64>) {
        self.with_strength
            .iter()
            .filter(|(_, s)| keep(*s))
            .map(|&(i, s)| (s, self.table.runs[i].error_ratio(f)))
            .filter(|(_, e)| e.is_finite())
            .unzip()
    }

    fn runs_at(&self, s: f64) -> usize {
        self.with_strength.iter().filter(|p| p.1 == s).count()
    }

    /// Mean error ratio of `f` and its t-interval at each of `strengths` that has runs.
    fn summaries(&self, f: Factor, strengths: &[f64], level: f64) -> Vec<StrengthSummary> {
        let (xs, ys) = self.points(f, |_| true);
        strengths
            .iter()
            .filter_map(|&s| {
                let v = at(&xs, &ys, s);
                let nan = (mean(&v), f64::NAN, f64::NAN); // fewer than 2 runs: no interval
                let (m, lo, hi) = mean_confidence_interval(&v, level).unwrap_or(nan);
                (!v.is_empty()).then_some(StrengthSummary {
                    factor: f,
                    strength: s,
                    runs: v.len(),
                    mean: m,
                    ci_low: lo,
                    ci_high: hi,
                })
            })
            .collect()
    }

    /// The trend test of `f` over the runs at the `kept` strengths (corrections come later).
    fn trend(&self, f: Factor, kept: &[f64]) -> FactorTrend {
        let (xs, ys) = self.points(f, |s| kept.contains(&s));
        let test = augmentation_effect(&xs, &ys).map_err(|e| e.to_string());
        let (first, second) = match &test {
            Ok(t) => (
                at(&xs, &ys, t.first_strength),
                at(&xs, &ys, t.second_strength),
            ),
            Err(_) => (vec![], vec![]),
        };
        FactorTrend {
            factor: f,
            runs: xs.len(),
            test,
            mean_first: mean(&first),
            mean_second: mean(&second),
            hedges_g: hedges_g(&first, &second),
            p_holm: f64::NAN,
            p_bh: f64::NAN,
            verdict: Verdict::NotSignificant,
        }
    }
}

/// The values of `ys` whose `xs` equals `s`.
fn at(xs: &[f64], ys: &[f64], s: f64) -> Vec<f64> {
    xs.iter()
        .zip(ys)
        .filter(|(x, _)| **x == s)
        .map(|(_, y)| *y)
        .collect()
}

/// Welch + permutation comparison of the runs at two strengths, per factor.
fn compare(sweep: &Sweep, kept: &[f64], options: &AnalyzeOptions) -> Result<Comparison, String> {
    let (low, high) = match options.compare {
        Some(pair) => pair,
        None if kept.len() >= 2 => (kept[0], kept[kept.len() - 1]),
        None => {
            return Err(format!(
                "needs two strengths with at least {} runs",
                options.min_runs
            ));
        }
    };
    for s in [low, high] {
        let n = sweep.runs_at(s);
        if n < 2 {
            return Err(format!(
                "strength {s} has {n} run(s); a comparison needs at least 2 per group"
            ));
        }
    }
    let mut factors = Vec::new();
    for (k, f) in Factor::ALL.into_iter().enumerate() {
        let (xs, ys) = sweep.points(f, |s| s == low || s == high);
        let (a, b) = (at(&xs, &ys, low), at(&xs, &ys, high));
        // A factor without finite error ratios in a group (no images) has no test.
        let permutation = permutation_test_mean_diff(
            &a,
            &b,
            options.resamples,
            options.seed.wrapping_add(k as u64),
        )
        .unwrap_or(PermutationTest {
            statistic: f64::NAN,
            pvalue: f64::NAN,
            resamples: 0,
            exact: false,
        });
        factors.push(FactorComparison {
            factor: f,
            runs_low: a.len(),
            runs_high: b.len(),
            mean_low: mean(&a),
            mean_high: mean(&b),
            welch: welch_t_test(&a, &b),
            permutation,
            hedges_g: hedges_g(&a, &b),
            welch_p_holm: f64::NAN,
            welch_p_bh: f64::NAN,
            permutation_p_holm: f64::NAN,
            permutation_p_bh: f64::NAN,
            verdict: Verdict::NotSignificant,
        });
    }
    let welch_p: Vec<f64> = factors.iter().map(|c| c.welch.pvalue).collect();
    let perm_p: Vec<f64> = factors.iter().map(|c| c.permutation.pvalue).collect();
    let (wh, wb, ph, pb) = (
        holm(&welch_p),
        benjamini_hochberg(&welch_p),
        holm(&perm_p),
        benjamini_hochberg(&perm_p),
    );
    for (i, c) in factors.iter_mut().enumerate() {
        (
            c.welch_p_holm,
            c.welch_p_bh,
            c.permutation_p_holm,
            c.permutation_p_bh,
        ) = (wh[i], wb[i], ph[i], pb[i]);
        c.verdict = Verdict::of(c.welch.statistic, c.welch_p_holm, options.alpha);
    }
    debug_assert_eq!(factors.len(), NUM_FACTORS);
    Ok(Comparison { low, high, factors })
}
