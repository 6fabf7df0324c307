//! One model's integer counts: everything the toolkit's tables are ratios of.

use super::{ErrorType, EvalSet, HUMAN};
use crate::factor::{METACLASSES, NUM_FACTORS};
use crate::predictions::ABSENT;

/// Calibration bins of the toolkit's `estimated_calibration_error`.
pub const N_BINS: usize = 15;
const N_META: usize = METACLASSES.len();

/// Correct / total counts over one group of images.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    pub total: u64,
    pub correct: u64,
    pub factor_total: [u64; NUM_FACTORS],
    pub factor_correct: [u64; NUM_FACTORS],
}

/// Calls `f` with the index of every set bit of a factor mask.
#[inline]
fn for_each_factor(mut bits: u16, mut f: impl FnMut(usize)) {
    while bits != 0 {
        f(bits.trailing_zeros() as usize);
        bits &= bits - 1;
    }
}

impl Counts {
    fn add_total(&mut self, factors: u16, n: u64) {
        self.total += n;
        for_each_factor(factors, |f| self.factor_total[f] += n);
    }

    fn add_correct(&mut self, factors: u16, n: u64) {
        self.correct += n;
        for_each_factor(factors, |f| self.factor_correct[f] += n);
    }
}

/// Calibration bins over one group, accumulated in the toolkit's row order (`np.bincount`).
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationBins {
    pub prob_sum: [f64; N_BINS],
    pub correct: [u64; N_BINS],
    pub total: [u64; N_BINS],
}

impl Default for CalibrationBins {
    fn default() -> Self {
        CalibrationBins {
            prob_sum: [0.0; N_BINS],
            correct: [0; N_BINS],
            total: [0; N_BINS],
        }
    }
}

/// `np.searchsorted(np.linspace(0, 1, 16)[1:-1], p)`: the number of inner edges strictly below `p`.
pub(crate) fn bin_of(p: f64) -> usize {
    INNER_EDGES.partition_point(|&e| e < p)
}

/// `np.linspace(0, 1, 16)[1:-1]`: NumPy computes edge i as `i * (1/15)`.
const INNER_EDGES: [f64; N_BINS - 1] = {
    let step = 1.0 / N_BINS as f64;
    let mut edges = [0.0; N_BINS - 1];
    let mut i = 0;
    while i < N_BINS - 1 {
        edges[i] = (i + 1) as f64 * step;
        i += 1;
    }
    edges
};

impl CalibrationBins {
    #[inline]
    fn add_total(&mut self, b: usize, prob: f64) {
        self.prob_sum[b] += prob;
        self.total[b] += 1;
    }

    fn take_totals_from(&mut self, other: &CalibrationBins) {
        self.prob_sum = other.prob_sum;
        self.total = other.total;
    }

    /// Expected calibration error as the toolkit computes it; NaN for an empty group.
    pub fn ece(&self) -> f64 {
        let n: u64 = self.total.iter().sum();
        if n == 0 {
            return f64::NAN;
        }
        let terms: Vec<f64> = (0..N_BINS)
            .filter(|&b| self.total[b] != 0)
            .map(|b| {
                let t = self.total[b] as f64;
                let acc = self.correct[b] as f64 / t;
                let conf = self.prob_sum[b] / t;
                (acc - conf).abs() * (t / n as f64)
            })
            .collect();
        numpy_sum(&terms)
    }
}

/// NumPy's pairwise summation for at most 128 elements (`np.sum` of a short float64 array).
pub(crate) fn numpy_sum(a: &[f64]) -> f64 {
    if a.len() < 8 {
        return a.iter().fold(0.0, |s, x| s + x);
    }
    assert!(a.len() <= 128, "numpy_sum covers the unblocked case only");
    let mut r = [0.0; 8];
    r.copy_from_slice(&a[..8]);
    let full = a.len() - a.len() % 8;
    for chunk in a[8..full].chunks_exact(8) {
        for (acc, x) in r.iter_mut().zip(chunk) {
            *acc += x;
        }
    }
    let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for x in &a[full..] {
        res += x;
    }
    res
}

/// Everything scored for one model under one error type.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ErrorTypeScores {
    pub all: Counts,
    pub by_metaclass: Vec<Counts>,
    /// Correct predictions per class (index = label); totals are in [`ModelScores::class_total`].
    pub class_correct: Vec<u32>,
    pub calibration_all: CalibrationBins,
    pub calibration_by_factor: Vec<CalibrationBins>,
    /// Per-image correctness in scored order (only for images with a prediction), kept for
    /// bootstrap intervals when asked for.
    pub outcomes: Vec<bool>,
}

/// One model's scores under all three error types.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelScores {
    pub model: String,
    /// Images used (scored images that have a prediction).
    pub used: usize,
    /// Scored images per class that have a prediction.
    pub class_total: Vec<u32>,
    /// Per-image factor sets of the used images, in scored order (for bootstrap intervals).
    pub used_factors: Vec<crate::FactorSet>,
    /// Indexed by [`ErrorType`]; `real_class` is empty when the set has no ReaL labels.
    pub by_type: [ErrorTypeScores; 3],
}

impl Counts {
    fn take_totals_from(&mut self, other: &Counts) {
        self.total = other.total;
        self.factor_total = other.factor_total;
    }
}

impl ErrorTypeScores {
    /// Copies the error-type independent totals (counts and probability sums) from `shared`.
    fn take_totals_from(&mut self, shared: &ErrorTypeScores) {
        self.all.take_totals_from(&shared.all);
        for (m, s) in self.by_metaclass.iter_mut().zip(&shared.by_metaclass) {
            m.take_totals_from(s);
        }
        self.calibration_all
            .take_totals_from(&shared.calibration_all);
        for (c, s) in self
            .calibration_by_factor
            .iter_mut()
            .zip(&shared.calibration_by_factor)
        {
            c.take_totals_from(s);
        }
    }
}

impl ModelScores {
    pub fn get(&self, error_type: ErrorType) -> &ErrorTypeScores {
        &self.by_type[error_type.index()]
    }
}

/// Outcomes per image: bit t = correct under error type t.
const OUTCOMES: usize = 8;

/// What pass 1 of [`EvalSet::score`] counts.
struct Outcomes {
    /// `[group][outcome]` image counts.
    group_hist: Vec<u32>,
    /// `[class][outcome]` image counts.
    class_hist: Vec<u32>,
    /// Per image: outcome bits | 0x80 for an image with a prediction (empty when not kept).
    flags: Vec<u8>,
}

impl Outcomes {
    /// Images per group, and correct ones per (error type, group).
    fn group_counts(&self, n_types: usize) -> (Vec<u64>, Vec<u64>) {
        let ng = self.group_hist.len() / OUTCOMES;
        let mut group_total = vec![0u64; ng];
        let mut group_correct = vec![0u64; n_types * ng];
        for (g, hist) in self.group_hist.chunks_exact(OUTCOMES).enumerate() {
            for (bits, &count) in hist.iter().enumerate() {
                group_total[g] += u64::from(count);
                for t in 0..n_types {
                    group_correct[t * ng + g] += u64::from(count) * (bits as u64 >> t & 1);
                }
            }
        }
        (group_total, group_correct)
    }

    /// Correct images per (error type, class); adds the images per class to `class_total`.
    fn class_counts(&self, n_types: usize, class_total: &mut [u32]) -> Vec<u32> {
        let nc = self.class_hist.len() / OUTCOMES;
        let mut class_correct = vec![0u32; n_types * nc];
        for (label, hist) in self.class_hist.chunks_exact(OUTCOMES).enumerate() {
            for (bits, &count) in hist.iter().enumerate() {
                class_total[label] += count;
                for t in 0..n_types {
                    class_correct[t * nc + label] += count * (bits as u32 >> t & 1);
                }
            }
        }
        class_correct
    }
}

/// What pass 2 of [`EvalSet::score`] accumulates.
struct Calibrated {
    /// `[error type][factor set][bin]` correct counts.
    set_bin_correct: Vec<u64>,
    all: CalibrationBins,
    by_factor: Vec<CalibrationBins>,
}

impl Calibrated {
    fn empty(type_sets: usize) -> Self {
        Calibrated {
            set_bin_correct: vec![0u64; type_sets * N_BINS],
            all: CalibrationBins::default(),
            by_factor: vec![CalibrationBins::default(); NUM_FACTORS],
        }
    }
}

impl EvalSet {
    /// Scores one model. `class[i]` is the prediction for scored image `i` ([`ABSENT`] = none).
    ///
    /// `prob` may be empty: the calibration bins then stay empty (ECE NaN).
    /// With `keep_outcomes`, per-image correctness and factor sets are kept for bootstrap
    /// intervals ([`ErrorTypeScores::outcomes`], [`ModelScores::used_factors`]).
    pub fn score(
        &self,
        model: &str,
        class: &[u16],
        prob: &[f64],
        keep_outcomes: bool,
    ) -> ModelScores {
        assert_eq!(
            class.len(),
            self.len(),
            "predictions must be aligned with the scored images"
        );
        let nc = self.num_classes as usize;
        let mut scores = ModelScores {
            model: model.to_string(),
            used: 0,
            class_total: vec![0; nc],
            used_factors: Vec::new(),
            by_type: Default::default(),
        };
        let types: &[ErrorType] = if self.has_real_labels() {
            &ErrorType::ALL
        } else {
            &ErrorType::ALL[..2]
        };
        // Integer counts go into histograms over (metaclass, factor set) groups, over classes and
        // over (factor set, bin); they are expanded into per-factor counts at the end. Probability
        // sums are floats whose order matters for bit-identity, so they are accumulated per bin in
        // image order as `np.bincount` does. Totals do not depend on the error type.
        let n_types = types.len();
        let calibration = !prob.is_empty();
        let outcomes = self.outcome_histograms(class, n_types == 3, calibration || keep_outcomes);
        let (group_total, group_correct) = outcomes.group_counts(n_types);
        let class_correct = outcomes.class_counts(n_types, &mut scores.class_total);
        scores.used = scores.class_total.iter().map(|&c| c as usize).sum();
        let flags = &outcomes.flags;
        let calibrated = if calibration {
            self.calibration_pass(flags, prob, n_types)
        } else {
            Calibrated::empty(n_types * self.factor_sets.len())
        };
        if keep_outcomes {
            for (i, &bits) in flags.iter().enumerate().filter(|(_, b)| **b != 0) {
                scores.used_factors.push(self.factors[i]);
                for t in 0..n_types {
                    scores.by_type[t].outcomes.push(bits >> t & 1 == 1);
                }
            }
        }
        let mut totals = ErrorTypeScores {
            by_metaclass: vec![Counts::default(); N_META],
            calibration_all: calibrated.all,
            calibration_by_factor: calibrated.by_factor,
            ..Default::default()
        };
        for (&(meta, factors), &n) in self.groups.iter().zip(&group_total) {
            totals.all.add_total(factors.0, n);
            totals.by_metaclass[meta as usize].add_total(factors.0, n);
        }
        for t in 0..n_types {
            self.expand_correct(
                &mut scores.by_type[t],
                t,
                &group_correct,
                &class_correct,
                calibration.then_some(&calibrated.set_bin_correct[..]),
            );
            scores.by_type[t].take_totals_from(&totals);
        }
        scores
    }

    /// Pass 1, integer counts: one histogram over (group, outcome) and one over (class,
    /// outcome), where the outcome is bit t = correct under error type t. Two increments per
    /// image instead of one per counter; the per-type counts are summed out later. With
    /// `want_flags`, each image's outcome bits | 0x80 (= has a prediction) are kept for a second
    /// look (calibration, outcomes).
    fn outcome_histograms(&self, class: &[u16], real: bool, want_flags: bool) -> Outcomes {
        let (n, ng, nc) = (self.len(), self.groups.len(), self.num_classes as usize);
        let mut group_hist = vec![0u32; ng * OUTCOMES];
        let mut class_hist = vec![0u32; nc * OUTCOMES];
        let mut flags = if want_flags { vec![0u8; n] } else { Vec::new() };
        for i in 0..n {
            let pred = class[i];
            if pred == ABSENT {
                continue;
            }
            let label = self.class[i] as usize;
            let c0 = pred as usize == label;
            let c1 = self.class_metaclass[pred as usize] == self.metaclass[i];
            let c2 = real && self.in_real_labels(i, pred);
            let bits = usize::from(c0) | usize::from(c1) << 1 | usize::from(c2) << 2;
            group_hist[self.group[i] as usize * OUTCOMES + bits] += 1;
            class_hist[label * OUTCOMES + bits] += 1;
            if let Some(f) = flags.get_mut(i) {
                *f = 0x80 | bits as u8;
            }
        }
        Outcomes {
            group_hist,
            class_hist,
            flags,
        }
    }

    /// Pass 2, calibration: probability sums per bin in scored order (the toolkit's row order;
    /// float sums depend on it), correct counts per (factor set, bin).
    fn calibration_pass(&self, flags: &[u8], prob: &[f64], n_types: usize) -> Calibrated {
        let n_sets = self.factor_sets.len();
        let mut c = Calibrated::empty(n_types * n_sets);
        for (i, &bits) in flags.iter().enumerate().filter(|(_, b)| **b != 0) {
            let p = prob[i];
            let bin = bin_of(p);
            c.all.add_total(bin, p);
            for_each_factor(self.factors[i].0, |f| c.by_factor[f].add_total(bin, p));
            let set_bin = self.factor_set[i] as usize * N_BINS + bin;
            for t in 0..n_types {
                c.set_bin_correct[t * n_sets * N_BINS + set_bin] += u64::from(bits >> t & 1);
            }
        }
        c
    }

    /// Expands error type `t`'s correct counts per group, class and (factor set, bin) into
    /// per-factor and per-metaclass counts and calibration bins of `s`.
    fn expand_correct(
        &self,
        s: &mut ErrorTypeScores,
        t: usize,
        group_correct: &[u64],
        class_correct: &[u32],
        set_bin_correct: Option<&[u64]>,
    ) {
        let (ng, nc, n_sets) = (
            self.groups.len(),
            self.num_classes as usize,
            self.factor_sets.len(),
        );
        s.by_metaclass = vec![Counts::default(); N_META];
        s.calibration_by_factor = vec![CalibrationBins::default(); NUM_FACTORS];
        s.class_correct = class_correct[t * nc..(t + 1) * nc].to_vec();
        for (&(meta, factors), &n) in self.groups.iter().zip(&group_correct[t * ng..(t + 1) * ng]) {
            s.all.add_correct(factors.0, n);
            s.by_metaclass[meta as usize].add_correct(factors.0, n);
        }
        if let Some(set_bin_correct) = set_bin_correct {
            for (set, factors) in self.factor_sets.iter().enumerate() {
                for bin in 0..N_BINS {
                    let n = set_bin_correct[(t * n_sets + set) * N_BINS + bin];
                    s.calibration_all.correct[bin] += n;
                    for_each_factor(factors.0, |f| s.calibration_by_factor[f].correct[bin] += n);
                }
            }
        }
    }

    /// The toolkit's `human` pseudo-model: every label predicted with probability 1.
    pub fn human(&self) -> ModelScores {
        let prob = vec![1.0; self.len()];
        self.score(HUMAN, &self.class, &prob, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_follow_numpy_searchsorted_left() {
        assert_eq!(bin_of(0.0), 0);
        assert_eq!(
            bin_of(1.0 / 15.0),
            0,
            "a value on an edge goes to the lower bin"
        );
        assert_eq!(bin_of(1.0 / 15.0 + 1e-12), 1);
        assert_eq!(bin_of(0.5), 7);
        assert_eq!(bin_of(1.0), 14);
    }

    #[test]
    fn numpy_pairwise_sum_order() {
        // np.sum(np.array([0.1]*10 + [1e16, -1e16] + [0.3]*3)) == 0.8999999999999999 (numpy 1.23.5)
        let mut a = vec![0.1; 10];
        a.extend([1e16, -1e16, 0.3, 0.3, 0.3]);
        assert_eq!(numpy_sum(&a), 0.8999999999999999);
        assert_eq!(numpy_sum(&[0.1, 0.2, 0.3]), 0.1 + 0.2 + 0.3);
    }
}
