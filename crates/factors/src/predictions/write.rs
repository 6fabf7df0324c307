//! Writing predictions in the `imagenet_x` format (what the trainer exports).

use crate::atomic::write_atomic;
use std::io::Write;
use std::path::Path;

fn write_rows<'a>(
    w: &mut impl Write,
    rows: impl IntoIterator<Item = (&'a str, u32, f64)>,
) -> std::io::Result<()> {
    writeln!(w, "file_name,predicted_class,predicted_probability")?;
    for (name, class, prob) in rows {
        writeln!(w, "{name},{class},{}", crate::pyfloat::repr(prob))?;
    }
    Ok(())
}

/// Writes `file_name,predicted_class,predicted_probability` rows atomically; a `.gz` path is
/// gzip-compressed. Probabilities are written with shortest round-trip digits.
pub fn write_predictions_csv<'a, I>(path: &Path, rows: I) -> std::io::Result<()>
where
    I: IntoIterator<Item = (&'a str, u32, f64)>,
{
    let gz = path.to_string_lossy().ends_with(".gz");
    write_atomic(path, |w| {
        if gz {
            let mut enc = flate2::write::GzEncoder::new(&mut *w, flate2::Compression::default());
            write_rows(&mut enc, rows)?;
            enc.finish()?;
            Ok(())
        } else {
            write_rows(w, rows)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::predictions::{NameIndex, parse::ParseContext, read_predictions_file};

    #[test]
    fn written_files_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let names = vec!["a.png".to_string(), "b.png".to_string()];
        let idx = NameIndex::new(&names, []);
        let ctx = ParseContext {
            index: &idx,
            num_classes: 10,
            partition: "val",
            universe: "test",
            probabilities: true,
        };
        for file in ["p.csv", "p.csv.gz"] {
            let path = dir.path().join(file);
            write_predictions_csv(&path, [("b.png", 3, 0.1f64), ("a.png", 9, 1.0)]).unwrap();
            let p = read_predictions_file(&path, &ctx).unwrap();
            assert_eq!(p.class, vec![9, 3]);
            assert_eq!(p.prob, vec![1.0, 0.1]);
        }
    }
}
