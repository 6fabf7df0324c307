//! The per-factor table of a finished run: its predictions scored by the factor engine against
//! the ImageNet-X annotations (top factor, validation split, prototypes filtered, as the
//! `imagenet-x` toolkit does), written as `factors.csv` next to the checkpoints.

use std::path::Path;

use spillover_factors::Factor;
use spillover_factors::annotations::AnnotationDir;
use spillover_factors::eval::{
    ErrorType, EvalError, EvalOptions, EvalSet, ScoreOptions, accuracy_table, error_ratios,
};
use spillover_factors::predictions::PredictionError;

use crate::TrainError;

/// One row of `factors.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct FactorRow {
    /// Factor name, or `all` for every scored image.
    pub factor: String,
    /// Scored images with the factor.
    pub images: u64,
    /// Top-1 accuracy on them (NaN when there are none).
    pub accuracy: f64,
    /// `(1 - accuracy) / (1 - overall accuracy)`: above 1, the factor hurts more than average.
    pub error_ratio: f64,
}

/// What scoring a run's predictions gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Scored {
    /// The per-factor table, written.
    Table(Vec<FactorRow>),
    /// No table: the predictions are of images the annotations do not know (custom data); why,
    /// in words for the user.
    NotAnnotated(String),
}

/// Scores `predictions` against `annotations` and writes the table to `out`; predictions of
/// images the annotations do not have are no error but [`Scored::NotAnnotated`].
pub fn score(predictions: &Path, annotations: &Path, out: &Path) -> Result<Scored, TrainError> {
    let err = |cause: EvalError| TrainError::Scoring {
        predictions: predictions.to_path_buf(),
        cause: Box::new(cause),
    };
    let dir = AnnotationDir::open(annotations).map_err(|e| err(e.into()))?;
    let set = EvalSet::load_cached(&dir, EvalOptions::default()).map_err(err)?;
    // A subset run (ImageNet-100, a fraction of val) covers only part of the annotated images.
    let options = ScoreOptions {
        subset: true,
        keep_outcomes: false,
        calibration: false,
    };
    let scores = match set.score_file("model", predictions, options) {
        Ok(scores) => scores,
        Err(EvalError::Predictions(PredictionError::UnknownName { line, name, .. })) => {
            return Ok(Scored::NotAnnotated(format!(
                "the validation image `{name}` ({}:{line}) is not an image of the annotations at {}: custom data; give annotations of these images with `--annotations DIR` or data.annotations to score them",
                predictions.display(),
                annotations.display()
            )));
        }
        Err(EvalError::Predictions(PredictionError::NoOverlap { .. })) => {
            return Ok(Scored::NotAnnotated(format!(
                "none of the validation images is annotated in {}; give annotations of these images with `--annotations DIR` or data.annotations to score them",
                annotations.display()
            )));
        }
        Err(e) => return Err(err(e)),
    };
    let table = accuracy_table(&[&scores], ErrorType::Class);
    let row = &table[0];
    let ratios = error_ratios(row);
    let counts = &scores.get(ErrorType::Class).all;
    let mut rows: Vec<FactorRow> = Factor::ALL
        .iter()
        .enumerate()
        .map(|(i, f)| FactorRow {
            factor: f.name().to_string(),
            images: counts.factor_total[i],
            accuracy: row.factors[i],
            error_ratio: ratios[i],
        })
        .collect();
    rows.push(FactorRow {
        factor: "all".into(),
        images: counts.total,
        accuracy: row.average,
        error_ratio: 1.0,
    });
    spillover_factors::atomic::write_atomic(out, |w| {
        use std::io::Write;
        writeln!(w, "factor,images,accuracy,error_ratio")?;
        for r in &rows {
            writeln!(
                w,
                "{},{},{},{}",
                r.factor, r.images, r.accuracy, r.error_ratio
            )?;
        }
        Ok(())
    })
    .map_err(|e| TrainError::io(out, e))?;
    Ok(Scored::Table(rows))
}
