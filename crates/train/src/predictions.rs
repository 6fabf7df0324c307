//! Predictions on the evaluation split in the `imagenet_x` CSV format:
//! `file_name,predicted_class,predicted_probability`, one row per image, written atomically.

use std::path::Path;

use crate::TrainError;

/// The model's answer for one image.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// Image file name (the annotation key).
    pub file_name: String,
    /// Arg-max class.
    pub class: usize,
    /// Softmax probability of that class.
    pub probability: f32,
}

/// Writes `rows` to `path` with the factor engine's writer (shortest round-trip probabilities).
pub fn write(path: &Path, rows: &[Prediction]) -> Result<(), TrainError> {
    let rows = rows.iter().map(|r| {
        (
            r.file_name.as_str(),
            r.class as u32,
            f64::from(r.probability),
        )
    });
    spillover_factors::predictions::write_predictions_csv(path, rows)
        .map_err(|e| TrainError::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_imagenet_x_header() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("predictions.csv");
        let rows = [
            Prediction {
                file_name: "a.JPEG".into(),
                class: 3,
                probability: 0.5,
            },
            Prediction {
                file_name: "b.JPEG".into(),
                class: 0,
                probability: 0.25,
            },
        ];
        write(&path, &rows).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "file_name,predicted_class,predicted_probability\na.JPEG,3,0.5\nb.JPEG,0,0.25\n"
        );
    }
}
