//! Predictions on the evaluation split in the `imagenet_x` CSV format:
//! `file_name,predicted_class,predicted_probability`, one row per image, written atomically.

use std::io;
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

/// Writes `rows` to `path`.
pub fn write(path: &Path, rows: &[Prediction]) -> Result<(), TrainError> {
    spillover_factors::atomic::write_atomic(path, |w| {
        let mut csv = csv::Writer::from_writer(w);
        csv.write_record(["file_name", "predicted_class", "predicted_probability"])
            .map_err(io::Error::other)?;
        for r in rows {
            csv.write_record([
                r.file_name.as_str(),
                &r.class.to_string(),
                &r.probability.to_string(),
            ])
            .map_err(io::Error::other)?;
        }
        csv.flush()
    })
    .map_err(|e| TrainError::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_imagenet_x_header_and_quotes_odd_names() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("predictions.csv");
        let rows = [
            Prediction {
                file_name: "a.JPEG".into(),
                class: 3,
                probability: 0.5,
            },
            Prediction {
                file_name: "b,c.JPEG".into(),
                class: 0,
                probability: 0.25,
            },
        ];
        write(&path, &rows).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "file_name,predicted_class,predicted_probability\na.JPEG,3,0.5\n\"b,c.JPEG\",0,0.25\n"
        );
    }
}
