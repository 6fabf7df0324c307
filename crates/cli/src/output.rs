//! One small renderer for every table the CLI prints or writes: aligned text for people,
//! CSV that matches pandas' `to_csv` byte for byte, JSON (an array of objects), and Markdown.

use std::io::{self, Write};
use std::path::Path;

use spillover_factors::{atomic::write_atomic, pyfloat};

/// The output formats every command offers with `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for a terminal.
    #[default]
    Table,
    /// Comma-separated, floats as Python prints them (pandas-compatible).
    Csv,
    /// An array of objects, one per row, keys in column order.
    Json,
    /// A GitHub-flavoured Markdown table.
    Markdown,
}

/// One cell of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    /// NaN means "missing": an empty CSV cell, `null` in JSON.
    Float(f64),
}

impl Cell {
    fn is_numeric(&self) -> bool {
        !matches!(self, Cell::Text(_))
    }

    /// The cell for people: floats with `digits` significant digits, like `tabulate`.
    fn human(&self, digits: usize) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(i) => i.to_string(),
            Cell::Float(x) => pyfloat::general(*x, digits),
        }
    }

    /// The cell as pandas' `to_csv` writes it: `repr` floats, NaN empty.
    fn csv(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(i) => i.to_string(),
            Cell::Float(x) if x.is_nan() => String::new(),
            Cell::Float(x) => pyfloat::repr(*x),
        }
    }

    fn json(&self) -> serde_json::Value {
        match self {
            Cell::Text(s) => s.as_str().into(),
            Cell::Int(i) => (*i).into(),
            // Non-finite floats have no JSON number; `from_f64` gives None -> null.
            Cell::Float(x) => {
                serde_json::Number::from_f64(*x).map_or(serde_json::Value::Null, Into::into)
            }
        }
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}
impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}
impl From<f64> for Cell {
    fn from(x: f64) -> Self {
        Cell::Float(x)
    }
}
impl From<i64> for Cell {
    fn from(i: i64) -> Self {
        Cell::Int(i)
    }
}
impl From<usize> for Cell {
    fn from(i: usize) -> Self {
        Cell::Int(i64::try_from(i).unwrap_or(i64::MAX))
    }
}

/// A table: column headers and rows of cells (each row as long as the header).
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    /// Significant digits of floats in the `table` and `markdown` formats.
    pub digits: usize,
}

impl Table {
    pub fn new<S: Into<String>>(headers: impl IntoIterator<Item = S>) -> Self {
        Table {
            headers: headers.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
            digits: 6,
        }
    }

    /// Appends a row; it must have one cell per header (a programming error otherwise).
    pub fn push(&mut self, row: Vec<Cell>) {
        assert_eq!(
            row.len(),
            self.headers.len(),
            "row length must match the header"
        );
        self.rows.push(row);
    }

    /// Renders the whole table in `format` (ending with a newline).
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Table => self.render_aligned(),
            Format::Csv => self.render_csv(),
            Format::Json => self.render_json(),
            Format::Markdown => self.render_markdown(),
        }
    }

    /// Writes the table to `path` atomically (temp file + rename).
    pub fn write_file(&self, format: Format, path: &Path) -> io::Result<()> {
        let text = self.render(format);
        write_atomic(path, |w| w.write_all(text.as_bytes()))
    }

    fn render_csv(&self) -> String {
        // pandas quotes minimally (QUOTE_MINIMAL) and ends lines with '\n'.
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .quote_style(csv::QuoteStyle::Necessary)
            .from_writer(Vec::new());
        let io_err = "writing CSV to memory cannot fail";
        w.write_record(&self.headers).expect(io_err);
        for row in &self.rows {
            w.write_record(row.iter().map(Cell::csv)).expect(io_err);
        }
        String::from_utf8(w.into_inner().expect(io_err)).expect("cells are UTF-8")
    }

    fn render_json(&self) -> String {
        // Built by hand around serde_json values to keep the keys in column order.
        let mut out = String::from("[");
        for (r, row) in self.rows.iter().enumerate() {
            out.push_str(if r == 0 { "\n  {" } else { ",\n  {" });
            for (c, (h, cell)) in self.headers.iter().zip(row).enumerate() {
                if c > 0 {
                    out.push_str(", ");
                }
                out.push_str(&serde_json::Value::from(h.as_str()).to_string());
                out.push_str(": ");
                out.push_str(&cell.json().to_string());
            }
            out.push('}');
        }
        out.push_str(if self.rows.is_empty() { "]\n" } else { "\n]\n" });
        out
    }

    /// Cells as human strings, the column widths, and whether each column is numeric.
    /// `fix` rewrites every header and cell (e.g. escaping) before widths are measured.
    fn human_cells(
        &self,
        fix: fn(String) -> String,
    ) -> (Vec<String>, Vec<Vec<String>>, Vec<usize>, Vec<bool>) {
        let headers: Vec<String> = self.headers.iter().cloned().map(fix).collect();
        let cells: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| r.iter().map(|c| fix(c.human(self.digits))).collect())
            .collect();
        let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
        for row in &cells {
            for (w, c) in widths.iter_mut().zip(row) {
                *w = (*w).max(c.chars().count());
            }
        }
        // A column is right-aligned when all its cells are numbers (and there is at least one).
        let numeric = (0..self.headers.len())
            .map(|c| !self.rows.is_empty() && self.rows.iter().all(|r| r[c].is_numeric()))
            .collect();
        (headers, cells, widths, numeric)
    }

    fn render_aligned(&self) -> String {
        let (headers, cells, widths, numeric) = self.human_cells(|s| s);
        let mut out = String::new();
        push_line(&mut out, &headers, &widths, &numeric, "  ", "", "");
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        push_line(&mut out, &rule, &widths, &numeric, "  ", "", "");
        for row in &cells {
            push_line(&mut out, row, &widths, &numeric, "  ", "", "");
        }
        out
    }

    fn render_markdown(&self) -> String {
        let (headers, cells, widths, numeric) = self.human_cells(|s| s.replace('|', "\\|"));
        let widths: Vec<usize> = widths.iter().map(|w| (*w).max(3)).collect();
        let mut out = String::new();
        push_line(&mut out, &headers, &widths, &numeric, " | ", "| ", " |");
        let rule: Vec<String> = widths
            .iter()
            .zip(&numeric)
            .map(|(w, num)| {
                if *num {
                    format!("{}:", "-".repeat(w - 1))
                } else {
                    "-".repeat(*w)
                }
            })
            .collect();
        push_line(&mut out, &rule, &widths, &numeric, " | ", "| ", " |");
        for row in &cells {
            push_line(&mut out, row, &widths, &numeric, " | ", "| ", " |");
        }
        out
    }
}

/// Appends one padded line: numbers right-aligned, text left-aligned.
fn push_line(
    out: &mut String,
    cells: &[String],
    widths: &[usize],
    numeric: &[bool],
    sep: &str,
    start: &str,
    end: &str,
) {
    let mut line = String::from(start);
    for (i, ((cell, w), num)) in cells.iter().zip(widths).zip(numeric).enumerate() {
        if i > 0 {
            line.push_str(sep);
        }
        let pad = " ".repeat(w.saturating_sub(cell.chars().count()));
        if *num {
            line.push_str(&pad);
            line.push_str(cell);
        } else {
            line.push_str(cell);
            line.push_str(&pad);
        }
    }
    line.push_str(end);
    out.push_str(line.trim_end());
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut t = Table::new(["model", "n", "pose", "note"]);
        t.push(vec![
            "resnet50".into(),
            3usize.into(),
            0.694739033548185.into(),
            "a,b".into(),
        ]);
        t.push(vec![
            "vit".into(),
            10usize.into(),
            f64::NAN.into(),
            "say \"hi\"".into(),
        ]);
        t.push(vec![
            "tiny".into(),
            0usize.into(),
            0.00001.into(),
            "".into(),
        ]);
        t
    }

    #[test]
    fn csv_matches_pandas_to_csv() {
        // Expected text is what `pd.DataFrame(...).to_csv(index=False)` writes for these rows.
        let want = "model,n,pose,note\n\
                    resnet50,3,0.694739033548185,\"a,b\"\n\
                    vit,10,,\"say \"\"hi\"\"\"\n\
                    tiny,0,1e-05,\n";
        assert_eq!(sample().render(Format::Csv), want);
        let mut whole = Table::new(["x"]);
        whole.push(vec![1.0.into()]);
        assert_eq!(
            whole.render(Format::Csv),
            "x\n1.0\n",
            "integral floats keep `.0`"
        );
    }

    #[test]
    fn json_is_array_of_ordered_objects_with_null_for_nan() {
        let text = sample().render(Format::Json);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let rows = v.as_array().unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0]["model"], "resnet50");
        assert_eq!(rows[0]["n"], 3);
        assert_eq!(rows[0]["pose"].as_f64().unwrap(), 0.694739033548185);
        assert!(rows[1]["pose"].is_null());
        assert_eq!(rows[1]["note"], "say \"hi\"");
        // Key order follows the columns, not the alphabet.
        let first_line = text.lines().nth(1).unwrap();
        assert!(first_line.find("\"model\"").unwrap() < first_line.find("\"note\"").unwrap());
        assert_eq!(Table::new(["a"]).render(Format::Json), "[]\n");
    }

    #[test]
    fn aligned_table_right_aligns_numbers() {
        let text = sample().render(Format::Table);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "model      n      pose  note");
        assert_eq!(lines[1], "--------  --  --------  --------");
        assert_eq!(lines[2], "resnet50   3  0.694739  a,b");
        assert_eq!(lines[3], "vit       10       nan  say \"hi\"");
        assert_eq!(lines[4], "tiny       0     1e-05");
    }

    #[test]
    fn markdown_has_alignment_row_and_escapes_pipes() {
        let mut t = Table::new(["factor", "ratio"]);
        t.push(vec!["a|b".into(), 1.5.into()]);
        assert_eq!(
            t.render(Format::Markdown),
            "| factor | ratio |\n| ------ | ----: |\n| a\\|b   |   1.5 |\n"
        );
    }

    #[test]
    fn write_file_is_atomic_and_complete() {
        let dir = std::env::temp_dir().join(format!("spillover-output-{}", std::process::id()));
        let path = dir.join("t.csv");
        sample().write_file(Format::Csv, &path).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            sample().render(Format::Csv)
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
