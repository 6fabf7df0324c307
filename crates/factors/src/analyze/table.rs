//! Reading the toolkit's per-run accuracy tables (`accuracies_per_factor.csv[.gz]`, as written
//! by `python -m imagenet_x aggregate` or `spillover evaluate --format csv`).

use std::io::Read;
use std::path::Path;

use super::error::{AnalyzeError, InputError};
use crate::{Factor, NUM_FACTORS};

/// Columns of the toolkit's table that are statistics of a run, never its strength.
pub(crate) const STAT_COLUMNS: [&str; 3] = ["average", "worst_factor", "worst_100_classes"];

/// What to do about a table that is not the toolkit's format.
const TABLE_FIX: &str = "expected the toolkit's per-run accuracy table (`python -m imagenet_x aggregate` \
     or `spillover evaluate --format csv`): columns `model`, the 16 factors, `average`";

/// One run (trained model) of a sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub name: String,
    /// Line in the source file, for messages.
    pub line: u64,
    /// Accuracy per factor in [`Factor::ALL`] order; NaN where the table has no value.
    pub accuracy: [f64; NUM_FACTORS],
    /// Overall accuracy (`average`).
    pub average: f64,
    /// Values of [`RunTable::extra_columns`]; None for an empty or non-numeric cell.
    pub extra: Vec<Option<f64>>,
}

impl Run {
    /// The toolkit's error ratio of a factor: `(1 - accuracy) / (1 - average)`.
    pub fn error_ratio(&self, factor: Factor) -> f64 {
        (1.0 - self.accuracy[factor.index()]) / (1.0 - self.average)
    }
}

/// The runs of one input.
#[derive(Debug, Clone, PartialEq)]
pub struct RunTable {
    /// Where the runs came from (a path), for messages and output.
    pub source: String,
    pub runs: Vec<Run>,
    /// Columns besides `model`, the factors and `average`, in file order.
    pub extra_columns: Vec<String>,
}

/// Reads a `.csv` or gzip-compressed (by content) accuracy table.
pub fn read_accuracy_table(path: &Path) -> Result<RunTable, AnalyzeError> {
    let file = path.display().to_string();
    let raw = std::fs::read(path).map_err(|error| AnalyzeError::Read {
        file: file.clone(),
        error,
    })?;
    let text = if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(|e| {
                InputError::new(
                    &file,
                    format!("corrupt gzip data ({e})"),
                    "re-export the file or decompress it to check",
                )
            })?;
        out
    } else {
        raw
    };
    let text = String::from_utf8(text).map_err(|e| {
        InputError::new(
            &file,
            format!("not UTF-8 text ({e})"),
            "save the table as UTF-8 CSV",
        )
    })?;
    parse_accuracy_table(&file, &text).map_err(Into::into)
}

/// Parses the text of an accuracy table; `file` names it in errors.
pub fn parse_accuracy_table(file: &str, text: &str) -> Result<RunTable, InputError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| csv_error(file, e))?.clone();
    if headers.is_empty() || (headers.len() == 1 && headers[0].is_empty()) {
        return Err(InputError::new(file, "the file is empty", TABLE_FIX));
    }
    let find = |name: &str| headers.iter().position(|h| h.trim() == name);
    let mut missing = Vec::new();
    let model = find("model");
    let average = find("average");
    let factor_cols: Vec<Option<usize>> = Factor::ALL.iter().map(|f| find(f.name())).collect();
    for (name, col) in [("model", model), ("average", average)].into_iter().chain(
        Factor::ALL
            .iter()
            .map(|f| f.name())
            .zip(factor_cols.iter().copied()),
    ) {
        if col.is_none() {
            missing.push(name);
        }
    }
    let (Some(model), Some(average), true) = (model, average, missing.is_empty()) else {
        return Err(InputError::new(
            file,
            format!(
                "missing column(s) {} (header: {})",
                quote_list(&missing),
                quote_list(&headers.iter().collect::<Vec<_>>())
            ),
            TABLE_FIX,
        )
        .at_line(1));
    };
    let factor_cols: Vec<usize> = factor_cols.into_iter().flatten().collect();
    let known: Vec<usize> = [model, average]
        .into_iter()
        .chain(factor_cols.iter().copied())
        .collect();
    let extra_idx: Vec<usize> = (0..headers.len()).filter(|i| !known.contains(i)).collect();

    let mut runs = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(file, e))?;
        let line = record.position().map_or(0, |p| p.line());
        let cell = |col: usize| record.get(col).unwrap_or("");
        let number = |col: usize| -> Result<f64, InputError> {
            parse_cell(cell(col)).ok_or_else(|| {
                InputError::new(
                    file,
                    format!("`{}` is not a number", cell(col)),
                    "accuracies must be numbers in [0, 1] (empty or `nan` for a missing value)",
                )
                .at_line(line)
                .in_column(headers[col].trim())
            })
        };
        let mut accuracy = [f64::NAN; NUM_FACTORS];
        for (acc, &col) in accuracy.iter_mut().zip(&factor_cols) {
            *acc = number(col)?;
        }
        runs.push(Run {
            name: cell(model).to_string(),
            line,
            accuracy,
            average: number(average)?,
            extra: extra_idx
                .iter()
                .map(|&c| parse_cell(cell(c)).filter(|v| !v.is_nan()))
                .collect(),
        });
    }
    if runs.is_empty() {
        return Err(InputError::new(
            file,
            "the table has a header but no runs",
            "pass a table with at least one run",
        )
        .at_line(1));
    }
    Ok(RunTable {
        source: file.to_string(),
        runs,
        extra_columns: extra_idx
            .iter()
            .map(|&c| headers[c].trim().to_string())
            .collect(),
    })
}

/// A numeric cell as pandas reads it: empty and the usual NA spellings are NaN.
fn parse_cell(s: &str) -> Option<f64> {
    let s = s.trim();
    match s {
        "" | "nan" | "NaN" | "NAN" | "-nan" | "NA" | "N/A" | "n/a" | "null" | "NULL" | "None"
        | "<NA>" => Some(f64::NAN),
        _ => s.parse().ok(),
    }
}

fn csv_error(file: &str, e: csv::Error) -> InputError {
    let line = e.position().map(|p| p.line());
    let err = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => InputError::new(
            file,
            format!("{len} fields where the header has {expected_len}"),
            "every row needs one value per column; check for a stray or missing comma",
        ),
        _ => InputError::new(file, format!("malformed CSV ({e})"), TABLE_FIX),
    };
    match line {
        Some(line) => err.at_line(line),
        None => err,
    }
}

fn quote_list<S: AsRef<str>>(names: &[S]) -> String {
    names
        .iter()
        .map(|n| format!("`{}`", n.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> String {
        let factors: Vec<&str> = Factor::ALL.iter().map(|f| f.name()).collect();
        format!(
            "model,{},worst_factor,average,worst_100_classes",
            factors.join(",")
        )
    }

    fn row(name: &str, acc: f64, average: f64) -> String {
        format!(
            "{name},{},{acc},{average},0.3",
            vec![acc.to_string(); 16].join(",")
        )
    }

    #[test]
    fn reads_runs_and_error_ratios() {
        let text = format!(
            "{}\n{}\n{}\n",
            header(),
            row("a_color1.0", 0.6, 0.8),
            row("human", 0.9, 0.95)
        );
        let t = parse_accuracy_table("t.csv", &text).unwrap();
        assert_eq!(t.runs.len(), 2);
        assert_eq!(t.extra_columns, vec!["worst_factor", "worst_100_classes"]);
        let r = &t.runs[0];
        assert_eq!((r.name.as_str(), r.line, r.average), ("a_color1.0", 2, 0.8));
        assert!((r.error_ratio(Factor::Pose) - 2.0).abs() < 1e-12);
        assert_eq!(r.extra, vec![Some(0.6), Some(0.3)]);
    }

    #[test]
    fn empty_cells_are_missing_values() {
        let mut line = row("a", 0.6, 0.8);
        line = line.replacen(",0.6,", ",,", 1); // pose empty
        let t = parse_accuracy_table("t.csv", &format!("{}\n{line}\n", header())).unwrap();
        assert!(t.runs[0].accuracy[0].is_nan());
        assert_eq!(t.runs[0].accuracy[1], 0.6);
    }

    #[test]
    fn missing_column_names_file_line_and_fix() {
        let text = header().replace(",texture,", ",textures,") + "\n";
        let e = parse_accuracy_table("runs.csv", &text)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("runs.csv, line 1: missing column(s) `texture`"),
            "{e}"
        );
        assert!(e.contains("python -m imagenet_x aggregate"), "{e}");
    }

    #[test]
    fn non_numeric_cell_names_line_and_column() {
        let text = format!(
            "{}\n{}\n{}\n",
            header(),
            row("a", 0.6, 0.8),
            row("b", 0.6, 0.8).replace(",0.8,", ",high,")
        );
        let e = parse_accuracy_table("runs.csv", &text).unwrap_err();
        assert_eq!((e.line, e.column.as_deref()), (Some(3), Some("average")));
        assert!(e.to_string().contains("`high` is not a number"), "{e}");
    }

    #[test]
    fn empty_table_and_empty_file_are_errors() {
        let e = parse_accuracy_table("e.csv", &format!("{}\n", header())).unwrap_err();
        assert!(e.to_string().contains("no runs"), "{e}");
        let e = parse_accuracy_table("e.csv", "").unwrap_err();
        assert!(e.to_string().contains("e.csv: the file is empty"), "{e}");
    }

    #[test]
    fn ragged_row_names_its_line() {
        let text = format!("{}\n{}\nb,0.5\n", header(), row("a", 0.6, 0.8));
        let e = parse_accuracy_table("r.csv", &text).unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(
            e.problem.contains("2 fields where the header has 20"),
            "{e}"
        );
    }

    #[test]
    fn reads_gzip_by_content_and_reports_corruption() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let text = format!("{}\n{}\n", header(), row("a", 0.6, 0.8));
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(text.as_bytes()).unwrap();
        let bytes = gz.finish().unwrap();
        let good = dir.path().join("t.csv.gz");
        std::fs::write(&good, &bytes).unwrap();
        assert_eq!(read_accuracy_table(&good).unwrap().runs.len(), 1);
        let bad = dir.path().join("bad.csv.gz");
        std::fs::write(&bad, &bytes[..bytes.len() / 2]).unwrap();
        let e = read_accuracy_table(&bad).unwrap_err().to_string();
        assert!(e.contains("bad.csv.gz: corrupt gzip data"), "{e}");
        let e = read_accuracy_table(&dir.path().join("absent.csv"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("cannot read ") && e.contains("absent.csv"),
            "{e}"
        );
    }
}
