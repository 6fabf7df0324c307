//! `spillover analyze`: how robustness to each factor changes with augmentation strength over
//! many training runs, following `imagenet_x.plots.augmentation_effect_scatter_plot_reduced`.
//!
//! For every factor: the error ratio of every run against its strength; mean and confidence
//! interval per strength; the paper's trend test on the strengths with at least `min_runs`
//! runs (cubic fit, Welch t-test between the runs at the fitted arg-max and arg-min), with
//! Hedges' g and Holm / Benjamini–Hochberg adjusted p-values across the 16 factors; the top-3
//! improved and worsened factors; and a Welch + permutation comparison of two strengths.
//!
//! Inputs come from a [`RunSource`]; today that is the toolkit's per-run accuracy table.

mod error;
mod report;
mod strength;
mod table;

use std::path::{Path, PathBuf};

pub use error::{AnalyzeError, InputError};
pub use report::{
    Analysis, AnalyzeOptions, Comparison, FactorComparison, FactorTrend, StrengthSummary, Verdict,
    analyze_runs,
};
pub use strength::{StrengthOrigin, StrengthSpec, Strengths, name_values};
pub use table::{Run, RunTable, parse_accuracy_table, read_accuracy_table};

/// Where runs come from. A spillover sweep directory will be one more variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunSource {
    /// The toolkit's `accuracies_per_factor.csv[.gz]`: one row per run.
    AccuracyTable(PathBuf),
}

impl RunSource {
    /// Decides what kind of input `path` is.
    pub fn detect(path: &Path) -> Result<RunSource, AnalyzeError> {
        if path.is_dir() {
            return Err(InputError::new(
                &path.display().to_string(),
                "is a directory; reading spillover sweep directories is not implemented yet",
                "pass the per-run accuracy table (`accuracies_per_factor.csv[.gz]`) instead",
            )
            .into());
        }
        Ok(RunSource::AccuracyTable(path.to_path_buf()))
    }

    /// Reads the runs.
    pub fn load(&self) -> Result<RunTable, AnalyzeError> {
        match self {
            RunSource::AccuracyTable(path) => read_accuracy_table(path),
        }
    }
}

/// Reads `path` (any [`RunSource`]) and analyzes it.
pub fn analyze_path(path: &Path, options: &AnalyzeOptions) -> Result<Analysis, AnalyzeError> {
    let table = RunSource::detect(path)?.load()?;
    Ok(analyze_runs(&table, options)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Factor;

    /// `../shared/reference/imagenetx/results/val/top_factor/GROUP/ERROR/accuracies_per_factor.csv.gz`,
    /// or None (with a printed reason) when the reference data is absent.
    fn reference_table(group: &str, error_type: &str) -> Option<PathBuf> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/reference/imagenetx/results/val/top_factor")
            .join(group)
            .join(error_type)
            .join("accuracies_per_factor.csv.gz");
        if !path.exists() {
            eprintln!("skipped: reference table {} is absent", path.display());
            return None;
        }
        Some(path)
    }

    fn rel(a: f64, b: f64) -> f64 {
        (a - b).abs() / b.abs()
    }

    fn trend(a: &Analysis, f: Factor) -> &FactorTrend {
        &a.trends[f.index()]
    }

    fn assert_trends(a: &Analysis, want: &[(Factor, f64, f64)]) {
        for &(f, effect, pval) in want {
            let t = trend(a, f);
            assert!(
                rel(t.effect(), effect) < 1e-9,
                "{f}: effect {} vs toolkit {effect}",
                t.effect()
            );
            assert!(
                rel(t.pvalue(), pval) < 1e-9,
                "{f}: p {} vs toolkit {pval}",
                t.pvalue()
            );
        }
    }

    #[test]
    fn colour_jitter_low_vs_high_strength() {
        let Some(path) = reference_table("colorjitter", "class") else {
            return;
        };
        let a = analyze_path(&path, &AnalyzeOptions::default()).unwrap();
        assert_eq!(a.strength_key, "color");
        assert_eq!(a.runs, 664);
        assert_eq!(a.kept_strengths.len(), 33);
        let c = a.comparison.as_ref().unwrap();
        assert_eq!((c.low, c.high), (1.0, 97.0));
        // Issue 3: colour 1.156 -> 1.077, pose 0.779 -> 0.810. Full precision from pandas:
        // mean of the toolkit's error ratios per (factor, strength) = 1.1561744918728714,
        // 1.0770058618805807, 0.7785465901867561, 0.8103141925150484.
        let color = &c.factors[Factor::Color.index()];
        let pose = &c.factors[Factor::Pose.index()];
        assert!(
            (color.mean_low - 1.156).abs() < 1e-3 && (color.mean_high - 1.077).abs() < 1e-3,
            "{color:?}"
        );
        assert!(
            (pose.mean_low - 0.779).abs() < 1e-3 && (pose.mean_high - 0.810).abs() < 1e-3,
            "{pose:?}"
        );
        for (got, want) in [
            (color.mean_low, 1.1561744918728714),
            (color.mean_high, 1.0770058618805807),
            (pose.mean_low, 0.7785465901867561),
            (pose.mean_high, 0.8103141925150484),
        ] {
            assert!(rel(got, want) < 1e-12, "{got} vs {want}");
        }
        assert_eq!(color.verdict, Verdict::Improved);
        assert_eq!(pose.verdict, Verdict::Worsened);
        assert!(color.welch_p_holm < 0.05 && pose.welch_p_holm < 0.05);
        assert!(color.permutation.pvalue < 0.05 && pose.permutation.pvalue < 0.05);
        assert!(color.hedges_g > 0.0 && pose.hedges_g < 0.0);
        // The trend test agrees: colour improved, pose worsened.
        assert_eq!(trend(&a, Factor::Color).verdict, Verdict::Improved);
        assert_eq!(trend(&a, Factor::Pose).verdict, Verdict::Worsened);
    }

    #[test]
    fn trend_test_matches_the_toolkit() {
        // effect and pval of imagenet_x.plots.augmentation_effect as
        // augmentation_effect_scatter_plot_reduced computes them (imagenet-x 0.0.7, NumPy 2.4.6,
        // pandas 3.1.1, SciPy 1.17.1): `python scripts/analyze_reference.py` prints these.
        let Some(path) = reference_table("colorjitter", "class") else {
            return;
        };
        let a = analyze_path(&path, &AnalyzeOptions::default()).unwrap();
        assert_trends(
            &a,
            &[
                (Factor::Color, 26.714922691330724, 5.820962088201418e-27),
                (Factor::Pose, -18.104489335857565, 2.630506320944397e-20),
                (Factor::Smaller, -8.484251830290143, 1.7866223306336226e-10),
                (
                    Factor::Background,
                    -3.376374631344011,
                    0.0016509311326171879,
                ),
                (Factor::Darker, 7.87987796984946, 2.804472453248522e-09),
                (Factor::Style, 1.658741329282657, 0.10523754774625638),
                (
                    Factor::MultipleObjects,
                    1.9984673422644101,
                    0.05416253462195237,
                ),
            ],
        );
        use Factor::*;
        assert_eq!(
            a.toolkit_order,
            vec![Color, Darker, Larger, Background, Smaller, Pose]
        );
        assert_eq!(a.improved, vec![Color, Darker, Larger]);
        assert_eq!(a.worsened, vec![Pose, Smaller, Background]);
    }

    #[test]
    fn crop_trend_uses_the_complement_and_drops_small_strengths() {
        let Some(path) = reference_table("crop", "class") else {
            return;
        };
        let options = AnalyzeOptions {
            strength: StrengthSpec {
                key: Some("crop".into()),
                complement: true,
            },
            ..AnalyzeOptions::default()
        };
        let a = analyze_path(&path, &options).unwrap();
        // 1,272 runs in 93 strengths; `crop0.2` has a single run and is left out (toolkit: > 4).
        assert_eq!((a.runs, a.kept_strengths.len()), (1272, 92));
        assert!(
            a.notes.iter().any(|n| n.contains("99.8 (1 runs)")),
            "{:?}",
            a.notes
        );
        assert_trends(
            &a,
            &[
                (Factor::Pose, 33.742564989739144, 3.8686923113777556e-15),
                (Factor::Smaller, -31.623662771403396, 2.0496005512746812e-15),
                (Factor::Brighter, 0.05939876495793273, 0.9540087793942144),
                (Factor::Texture, -8.246843171797186, 1.7222819662634008e-06),
            ],
        );
        use Factor::*;
        assert_eq!(
            a.toolkit_order,
            vec![Pose, Pattern, PartialView, Subcategory, Background, Smaller]
        );
    }

    #[test]
    fn blur_and_real_class_tables() {
        let (Some(blur), Some(real)) = (
            reference_table("gaussian_blur", "class"),
            reference_table("colorjitter", "real_class"),
        ) else {
            return;
        };
        let a = analyze_path(&blur, &AnalyzeOptions::default()).unwrap();
        assert_eq!(a.strength_key, "smoothing");
        assert_trends(
            &a,
            &[
                (
                    Factor::Subcategory,
                    19.93617962902268,
                    4.797290207834516e-16,
                ),
                (Factor::Brighter, -2.484527948753503, 0.017927706669292224),
            ],
        );
        // real_class has the `human` row, which is left out.
        let r = analyze_path(&real, &AnalyzeOptions::default()).unwrap();
        assert_eq!(r.runs, 664);
        assert!(
            r.notes.iter().any(|n| n.contains("1 `human` row")),
            "{:?}",
            r.notes
        );
        assert_trends(
            &r,
            &[
                (Factor::Color, 27.360212280103397, 4.827218215610376e-27),
                (Factor::Shape, -0.6017737092167394, 0.5507293180707502),
            ],
        );
    }

    #[test]
    fn a_directory_is_not_yet_a_source() {
        let dir = tempfile::tempdir().unwrap();
        let e = analyze_path(dir.path(), &AnalyzeOptions::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("is a directory") && e.contains("accuracies_per_factor"),
            "{e}"
        );
    }
}
