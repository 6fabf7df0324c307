//! Parsing prediction files into arrays aligned with the scored images.

use super::index::IMAGENET_NAME_LEN;
use super::{HEADER, NameIndex, PredictionError, Slot};
use std::io::Read;
use std::path::Path;

/// Marks a scored image without a prediction in [`AlignedPredictions::class`].
pub const ABSENT: u16 = u16::MAX;

/// One model's predictions, indexed like the scored images.
#[derive(Debug, Clone, PartialEq)]
pub struct AlignedPredictions {
    /// Predicted class per scored image, [`ABSENT`] where the file has no row for it.
    pub class: Vec<u16>,
    /// Predicted probability per scored image (0 where absent); empty when the context did not
    /// ask for probabilities.
    pub prob: Vec<f64>,
    /// Number of scored images with a prediction.
    pub present: usize,
    /// Data rows in the file (including rows for known but unscored images).
    pub rows: usize,
}

/// What a prediction file is checked against.
#[derive(Debug, Clone, Copy)]
pub struct ParseContext<'a> {
    pub index: &'a NameIndex,
    /// Valid classes are `0..num_classes`.
    pub num_classes: u32,
    /// Split name for messages, e.g. `val`.
    pub partition: &'a str,
    /// Short description of the annotation set for messages.
    pub universe: &'a str,
    /// Convert probabilities to numbers (needed for calibration). When false they are only
    /// checked to be numbers in [0, 1] and [`AlignedPredictions::prob`] stays empty.
    pub probabilities: bool,
}

/// Reads `path` (`.csv`, or gzip by extension or magic bytes) and parses it.
pub fn read_predictions_file(
    path: &Path,
    ctx: &ParseContext<'_>,
) -> Result<AlignedPredictions, PredictionError> {
    thread_local! {
        // Reused per thread: scoring hundreds of files then touches no fresh pages.
        static BUFFERS: std::cell::RefCell<(Vec<u8>, Vec<u8>)> = const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
    }
    BUFFERS.with_borrow_mut(|(raw, plain)| {
        let io = |cause| PredictionError::Io {
            path: path.to_path_buf(),
            cause,
        };
        raw.clear();
        std::fs::File::open(path)
            .and_then(|mut f| f.read_to_end(raw))
            .map_err(io)?;
        if raw.starts_with(&[0x1f, 0x8b]) {
            plain.clear();
            flate2::read::MultiGzDecoder::new(&raw[..])
                .read_to_end(plain)
                .map_err(|e| PredictionError::Gzip {
                    path: path.to_path_buf(),
                    message: e.to_string(),
                })?;
            parse_predictions(path, plain, ctx)
        } else if path.to_string_lossy().ends_with(".gz") {
            Err(PredictionError::Gzip {
                path: path.to_path_buf(),
                message: "the name ends in .gz but the content is not gzip".into(),
            })
        } else {
            parse_predictions(path, raw, ctx)
        }
    })
}

struct Columns {
    name: usize,
    class: usize,
    prob: usize,
    count: usize,
}

impl Columns {
    fn is_canonical(&self) -> bool {
        self.count == 3 && self.name == 0 && self.class == 1 && self.prob == 2
    }
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if first.is_ascii_whitespace() {
            s = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., last] = s {
        if last.is_ascii_whitespace() {
            s = rest;
        } else {
            break;
        }
    }
    s
}

fn parse_header(path: &Path, line: &[u8]) -> Result<Columns, PredictionError> {
    let text = String::from_utf8_lossy(line);
    let fields: Vec<String> = text
        .split(',')
        .map(|f| f.trim().trim_matches('"').to_string())
        .collect();
    let find = |name: &str| fields.iter().position(|f| f == name);
    let missing: Vec<&str> = HEADER
        .iter()
        .copied()
        .filter(|h| find(h).is_none())
        .collect();
    if !missing.is_empty() {
        let looks_like_data = fields.len() == 3 && fields[1].parse::<u32>().is_ok();
        let message = if looks_like_data {
            format!(
                "no header line (the first line `{}` looks like data)",
                text.trim()
            )
        } else {
            format!(
                "header `{}` lacks column(s) {}",
                text.trim(),
                missing.join(", ")
            )
        };
        return Err(PredictionError::Header {
            path: path.to_path_buf(),
            message,
        });
    }
    Ok(Columns {
        name: find(HEADER[0]).unwrap_or(0),
        class: find(HEADER[1]).unwrap_or(1),
        prob: find(HEADER[2]).unwrap_or(2),
        count: fields.len(),
    })
}

struct Accumulator<'a> {
    path: &'a Path,
    ctx: &'a ParseContext<'a>,
    out: AlignedPredictions,
    /// Bit set of the known ids seen so far (small enough to stay in cache).
    seen: Vec<u64>,
}

impl Accumulator<'_> {
    fn row_error(&self, line: usize, message: String) -> PredictionError {
        PredictionError::Row {
            path: self.path.to_path_buf(),
            line,
            message,
        }
    }

    fn accept(
        &mut self,
        line: usize,
        name: &[u8],
        class: &[u8],
        prob: &[u8],
    ) -> Result<(), PredictionError> {
        let name = trim(name);
        if name.is_empty() {
            return Err(self.row_error(line, "empty file_name".into()));
        }
        let class = self.parse_class(line, trim(class))?;
        let prob = self.parse_prob(line, trim(prob))?;
        self.store(line, name, u32::from(class), prob)
    }

    /// Splits a raw line of `cols.count` fields and accepts it.
    fn accept_fields(
        &mut self,
        line: usize,
        text: &[u8],
        cols: &Columns,
    ) -> Result<(), PredictionError> {
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        if trim(text).is_empty() {
            return Ok(());
        }
        let fields: Vec<&[u8]> = text.split(|b| *b == b',').collect();
        if fields.len() != cols.count {
            return Err(self.row_error(
                line,
                format!(
                    "expected {} comma-separated fields, found {}",
                    cols.count,
                    fields.len()
                ),
            ));
        }
        self.accept(
            line,
            fields[cols.name],
            fields[cols.class],
            fields[cols.prob],
        )
    }

    /// Records one row whose fields are parsed; checks range, name and duplicates.
    #[inline]
    fn store(
        &mut self,
        line: usize,
        name: &[u8],
        class: u32,
        prob: f64,
    ) -> Result<(), PredictionError> {
        let slot = self.ctx.index.lookup(name);
        self.store_at(line, name, slot, class, prob)
    }

    /// [`Accumulator::store`] with the name already looked up.
    #[inline]
    fn store_at(
        &mut self,
        line: usize,
        name: &[u8],
        slot: Option<Slot>,
        class: u32,
        prob: f64,
    ) -> Result<(), PredictionError> {
        if class >= self.ctx.num_classes || !(0.0..=1.0).contains(&prob) {
            // Rare: let the text-level checks produce the exact message.
            self.parse_class(line, class.to_string().as_bytes())?;
            self.parse_prob(line, crate::pyfloat::repr(prob).as_bytes())?;
        }
        let class = class as u16;
        let slot = slot.ok_or_else(|| PredictionError::UnknownName {
            path: self.path.to_path_buf(),
            line,
            name: String::from_utf8_lossy(name).into_owned(),
            partition: self.ctx.partition.to_string(),
            universe: self.ctx.universe.to_string(),
        })?;
        let id = match slot {
            Slot::Scored(i) | Slot::Known(i) => i as usize,
        };
        let (word, bit) = (id / 64, 1u64 << (id % 64));
        if self.seen[word] & bit != 0 {
            // The first line is looked up by `parse_predictions` (rare path).
            return Err(PredictionError::Duplicate {
                path: self.path.to_path_buf(),
                line,
                first_line: 0,
                name: String::from_utf8_lossy(name).into_owned(),
            });
        }
        self.seen[word] |= bit;
        self.out.rows += 1;
        if let Slot::Scored(i) = slot {
            self.out.class[i as usize] = class;
            if let Some(p) = self.out.prob.get_mut(i as usize) {
                *p = prob;
            }
            self.out.present += 1;
        }
        Ok(())
    }

    fn parse_class(&self, line: usize, field: &[u8]) -> Result<u16, PredictionError> {
        let n = self.ctx.num_classes;
        let value = (!field.is_empty() && field.len() <= 9 && field.iter().all(u8::is_ascii_digit))
            .then(|| {
                field
                    .iter()
                    .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'))
            });
        match value {
            Some(v) if v < n => Ok(v as u16),
            Some(v) => Err(self.row_error(
                line,
                format!(
                    "predicted_class {v} is outside 0..{} (these annotations have {n} classes)",
                    n - 1
                ),
            )),
            None => Err(self.row_error(
                line,
                format!(
                    "predicted_class `{}` is not a class index (an integer in 0..{})",
                    String::from_utf8_lossy(field),
                    n - 1
                ),
            )),
        }
    }

    fn parse_prob(&self, line: usize, field: &[u8]) -> Result<f64, PredictionError> {
        match pandas_float(field) {
            Some(p) if (0.0..=1.0).contains(&p) => Ok(p),
            Some(p) => {
                Err(self.row_error(line, format!("predicted_probability {p} is outside [0, 1]")))
            }
            None if field.eq_ignore_ascii_case(b"nan") || field.is_empty() => {
                Err(self.row_error(line, "predicted_probability is NaN or empty".into()))
            }
            None => Err(self.row_error(
                line,
                format!(
                    "predicted_probability `{}` is not a number",
                    String::from_utf8_lossy(field)
                ),
            )),
        }
    }
}

/// `1e0 ..= 1e308`, each the correctly rounded double (as the C literals in pandas' table).
static POW10: std::sync::LazyLock<Vec<f64>> = std::sync::LazyLock::new(|| {
    (0..=308)
        .map(|k| format!("1e{k}").parse().unwrap_or(f64::INFINITY))
        .collect()
});

/// Decimal text to f64 exactly as pandas' default CSV float parser (`precise_xstrtod`) does, so
/// that probabilities, and with them calibration errors, are bit-identical to the toolkit's.
/// It is not always correctly rounded: it accumulates at most 17 significant digits (a leading
/// `0` counts) in a double and scales once by a power of ten. `None` for anything but
/// `[+-]digits[.digits][(e|E)[+-]digits]`.
/// pandas' `number = number * 10 + digit` in a double. Below 10^15 every step is exact, so the
/// first 15 digits are accumulated in an integer (much faster) without changing a bit; from the
/// 16th digit on we round step by step exactly as pandas does.
#[derive(Default)]
struct DigitAccumulator {
    count: usize,
    int: u64,
    number: f64,
}

impl DigitAccumulator {
    #[inline]
    fn push(&mut self, digits: &[u8]) {
        let exact = digits.len().min(15usize.saturating_sub(self.count));
        for &d in &digits[..exact] {
            self.int = self.int * 10 + u64::from(d - b'0');
        }
        self.count += exact;
        if exact < digits.len() {
            if self.number == 0.0 {
                self.number = self.int as f64;
            }
            for &d in &digits[exact..] {
                self.number = self.number * 10.0 + f64::from(d - b'0');
            }
            self.count += digits.len() - exact;
        }
    }

    #[inline]
    fn value(&self) -> f64 {
        if self.count <= 15 {
            self.int as f64
        } else {
            self.number
        }
    }
}

/// Parses the longest number at the start of `text` as [`pandas_float`] does; returns the value
/// and the number of bytes consumed, or `None` when no number starts there.
fn pandas_float_prefix(text: &[u8]) -> Option<(f64, usize)> {
    const MAX_DIGITS: usize = 17;
    let digit_run = super::swar::digit_run;
    let (negative, mut rest) = match text {
        [b'-', r @ ..] => (true, r),
        [b'+', r @ ..] => (false, r),
        r => (false, r),
    };
    let int_part = &rest[..digit_run(rest)];
    rest = &rest[int_part.len()..];
    let mut frac_part: &[u8] = &[];
    if let [b'.', r @ ..] = rest {
        frac_part = &r[..digit_run(r)];
        rest = &r[frac_part.len()..];
    }
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    // pandas keeps the first 17 significant digits (a leading 0 counts), each further integer
    // digit adds one to the exponent, further decimals are dropped.
    let int_used = int_part.len().min(MAX_DIGITS);
    let frac_used = frac_part.len().min(MAX_DIGITS - int_used);
    let mut exponent = (int_part.len() - int_used) as i32 - frac_used as i32;
    let mut acc = DigitAccumulator::default();
    acc.push(&int_part[..int_used]);
    acc.push(&frac_part[..frac_used]);
    let mut number = acc.value();
    if negative {
        number = -number;
    }
    if let [b'e' | b'E', r @ ..] = rest {
        let (neg_exp, r) = match r {
            [b'-', r @ ..] => (true, r),
            [b'+', r @ ..] => (false, r),
            r => (false, r),
        };
        let exp_digits = &r[..digit_run(r)];
        if exp_digits.is_empty() {
            // pandas rejects a dangling exponent; so do we (the caller sees trailing bytes).
            return None;
        }
        let n = exp_digits.iter().fold(0i32, |n, d| {
            n.saturating_mul(10).saturating_add(i32::from(d - b'0'))
        });
        exponent = if neg_exp {
            exponent.saturating_sub(n)
        } else {
            exponent.saturating_add(n)
        };
        rest = &r[exp_digits.len()..];
    }
    let consumed = text.len() - rest.len();
    let pow10 = &*POW10;
    let value = if exponent > 308 {
        f64::INFINITY.copysign(number)
    } else if exponent > 0 {
        number * pow10[exponent as usize]
    } else if exponent < -308 {
        if exponent < -616 {
            0.0
        } else {
            number / pow10[(-308 - exponent) as usize] / pow10[308]
        }
    } else {
        number / pow10[(-exponent) as usize]
    };
    Some((value, consumed))
}

pub(crate) fn pandas_float(text: &[u8]) -> Option<f64> {
    match pandas_float_prefix(text) {
        Some((value, consumed)) if consumed == text.len() => Some(value),
        _ => None,
    }
}

/// Parses the bytes of a prediction file (`path` is for messages only).
pub fn parse_predictions(
    path: &Path,
    bytes: &[u8],
    ctx: &ParseContext<'_>,
) -> Result<AlignedPredictions, PredictionError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if trim(bytes).is_empty() {
        return Err(PredictionError::Empty {
            path: path.to_path_buf(),
        });
    }
    let n = ctx.index.n_scored();
    let mut acc = Accumulator {
        path,
        ctx,
        out: AlignedPredictions {
            class: vec![super::parse::ABSENT; n],
            prob: if ctx.probabilities {
                vec![0.0; n]
            } else {
                Vec::new()
            },
            present: 0,
            rows: 0,
        },
        seen: vec![0; ctx.index.n_known().div_ceil(64)],
    };
    let parsed = if memchr::memchr(b'"', bytes).is_some() {
        parse_quoted(path, bytes, &mut acc)
    } else {
        parse_plain(path, bytes, &mut acc)
    };
    match parsed {
        Err(PredictionError::Duplicate {
            path,
            line,
            first_line: 0,
            name,
        }) => {
            let first_line = first_line_of(bytes, name.as_bytes()).unwrap_or(0);
            Err(PredictionError::Duplicate {
                path,
                line,
                first_line,
                name,
            })
        }
        other => other.map(|()| acc.out),
    }
}

/// The 1-based line on which `name` first starts a row (for the duplicate message).
fn first_line_of(bytes: &[u8], name: &[u8]) -> Option<usize> {
    let unquoted = |f: &[u8]| {
        let f = trim(f);
        f.strip_prefix(b"\"")
            .and_then(|f| f.strip_suffix(b"\""))
            .unwrap_or(f)
            .to_vec()
    };
    let line = bytes
        .split(|b| *b == b'\n')
        .position(|line| line.split(|b| *b == b',').any(|f| unquoted(f) == name))?;
    Some(line + 1)
}

/// The fast path: no quoting anywhere, split lines and fields with memchr.
fn parse_plain(
    path: &Path,
    bytes: &[u8],
    acc: &mut Accumulator<'_>,
) -> Result<(), PredictionError> {
    // Lines are found with memchr (SIMD); the line number is counted as we go.
    let mut ends = memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len()));
    let header_end = ends.next().unwrap_or(bytes.len());
    let header = &bytes[..header_end];
    let cols = parse_header(path, header.strip_suffix(b"\r").unwrap_or(header))?;
    let mut start = header_end + 1;
    let lines = ends.map(|end| {
        let line = &bytes[start.min(end)..end];
        start = end + 1;
        line
    });
    if cols.is_canonical() {
        return parse_canonical(&bytes[(header_end + 1).min(bytes.len())..], acc, &cols);
    }
    let mut fields: Vec<&[u8]> = Vec::with_capacity(cols.count);
    for (i, line) in lines.enumerate() {
        let i = i + 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if trim(line).is_empty() {
            continue;
        }
        let lineno = i + 1;
        if cols.is_canonical() {
            let mut it = memchr::memchr_iter(b',', line);
            if let (Some(a), Some(b), None) = (it.next(), it.next(), it.next()) {
                acc.accept(lineno, &line[..a], &line[a + 1..b], &line[b + 1..])?;
                continue;
            }
        }
        fields.clear();
        fields.extend(line.split(|b| *b == b','));
        if fields.len() != cols.count {
            return Err(acc.row_error(
                lineno,
                format!(
                    "expected {} comma-separated fields, found {}",
                    cols.count,
                    fields.len()
                ),
            ));
        }
        acc.accept(
            lineno,
            fields[cols.name],
            fields[cols.class],
            fields[cols.prob],
        )?;
    }
    Ok(())
}

/// The fast path for `file_name,predicted_class,predicted_probability` files: one pass per
/// row that parses while it scans. A row with anything unusual (spaces, missing fields, bad
/// numbers) goes through [`Accumulator::accept_fields`], which handles it or names the error.
fn parse_canonical(
    body: &[u8],
    acc: &mut Accumulator<'_>,
    cols: &Columns,
) -> Result<(), PredictionError> {
    let mut rest = body;
    let mut lineno = 1;
    while !rest.is_empty() {
        lineno += 1;
        if let Some((name, number, class, prob, used)) = fast_row(rest, acc.ctx.probabilities) {
            let slot = match number {
                Some(k) => acc.ctx.index.lookup_imagenet(k),
                None => acc.ctx.index.lookup(name),
            };
            acc.store_at(lineno, name, slot, class, prob)?;
            rest = &rest[used..];
        } else {
            let line_len = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
            acc.accept_fields(lineno, &rest[..line_len], cols)?;
            rest = rest.get(line_len + 1..).unwrap_or(&[]);
        }
    }
    Ok(())
}

/// A row read by [`fast_row`]: name, its ImageNet validation number, class, probability, bytes used.
type FastRow<'a> = (&'a [u8], Option<usize>, u32, f64, usize);

/// `name,class,prob\n` with no spaces, a plain class integer and a pandas-parsable probability;
/// returns the fields (with the number of an ImageNet validation name) and the bytes used
/// including the line end. Without `probabilities`, a plain decimal in [0, 1] is only checked
/// (the returned value is 0).
#[inline]
fn fast_row(text: &[u8], probabilities: bool) -> Option<FastRow<'_>> {
    // ImageNet names are checked in place (no search for the comma: a valid name has none).
    let number = match text.get(IMAGENET_NAME_LEN) {
        Some(b',') => super::imagenet_val_number(&text[..IMAGENET_NAME_LEN]),
        _ => None,
    };
    let comma = match number {
        Some(_) => IMAGENET_NAME_LEN,
        None => memchr::memchr2(b',', b'\n', text)?,
    };
    let (name, mut rest) = (&text[..comma], &text[comma + 1..]);
    if text[comma] != b',' || name.is_empty() || name[0] == b' ' || name[name.len() - 1] == b' ' {
        return None;
    }
    let word = u64::from_le_bytes(rest.get(..8)?.try_into().ok()?);
    let (digits, class) = super::swar::leading_number(word);
    rest = &rest[digits..];
    let [b',', r @ ..] = rest else { return None };
    if digits == 0 || digits > 5 {
        return None;
    }
    let (prob, used) = match (probabilities, unit_decimal_len(r)) {
        (false, Some(used)) => (0.0, used),
        _ => pandas_float_prefix(r)?,
    };
    let end = match &r[used..] {
        [] => 0,
        [b'\n', ..] => 1,
        [b'\r', b'\n', ..] => 2,
        _ => return None,
    };
    Some((name, number, class, prob, text.len() - r.len() + used + end))
}

/// Length of a probability written as a plain decimal in [0, 1] at the start of `text` (`0`,
/// `0.25`, `.5`, `1`, `1.000`), or `None` for anything else (signs, exponents, values above 1,
/// leading zeros), which then takes the exact path. Checks the range without converting.
#[inline]
fn unit_decimal_len(text: &[u8]) -> Option<usize> {
    let digit_run = super::swar::digit_run;
    if let [b'0', b'.', frac @ ..] = text {
        // The common `0.ddd...`: one digit run instead of two.
        let rest = &frac[digit_run(frac)..];
        return (!matches!(rest.first(), Some(b'e' | b'E'))).then(|| text.len() - rest.len());
    }
    let (int, rest) = text.split_at(digit_run(text));
    let (frac, rest) = match rest {
        [b'.', r @ ..] => r.split_at(digit_run(r)),
        _ => (&rest[..0], rest),
    };
    let in_range = match int {
        [] | [b'0'] => !(int.is_empty() && frac.is_empty()),
        [b'1'] => frac.iter().all(|&d| d == b'0'),
        _ => false,
    };
    (in_range && !matches!(rest.first(), Some(b'e' | b'E'))).then(|| text.len() - rest.len())
}

/// The general path for files with quoted fields, through the csv crate.
fn parse_quoted(
    path: &Path,
    bytes: &[u8],
    acc: &mut Accumulator<'_>,
) -> Result<(), PredictionError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut records = reader.byte_records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => {
            return Err(PredictionError::Header {
                path: path.to_path_buf(),
                message: e.to_string(),
            });
        }
        None => {
            return Err(PredictionError::Empty {
                path: path.to_path_buf(),
            });
        }
    };
    let cols = parse_header(path, &header.iter().collect::<Vec<_>>().join(&b','))?;
    for record in records {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            acc.row_error(line, e.to_string())
        })?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        if record.len() == 1 && trim(&record[0]).is_empty() {
            continue;
        }
        if record.len() != cols.count {
            return Err(acc.row_error(
                line,
                format!(
                    "expected {} comma-separated fields, found {}",
                    cols.count,
                    record.len()
                ),
            ));
        }
        acc.accept(
            line,
            &record[cols.name],
            &record[cols.class],
            &record[cols.prob],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> NameIndex {
        let scored: Vec<String> = (1..=3)
            .map(|i| format!("ILSVRC2012_val_{i:08}.JPEG"))
            .collect();
        NameIndex::new(&scored, ["ILSVRC2012_val_00000004.JPEG"])
    }

    fn parse(text: &str) -> Result<AlignedPredictions, PredictionError> {
        let idx = index();
        let ctx = ParseContext {
            index: &idx,
            num_classes: 1000,
            partition: "val",
            universe: "ImageNet-X",
            probabilities: true,
        };
        parse_predictions(Path::new("p.csv"), text.as_bytes(), &ctx)
    }

    fn err(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn parses_any_row_and_column_order() {
        let p = parse("file_name,predicted_class,predicted_probability\r\nILSVRC2012_val_00000003.JPEG,7,0.5\r\nILSVRC2012_val_00000004.JPEG,1,1\r\nILSVRC2012_val_00000001.JPEG,999,0.25\r\n\n").unwrap();
        assert_eq!(p.class, vec![999, ABSENT, 7]);
        assert_eq!(p.prob, vec![0.25, 0.0, 0.5]);
        assert_eq!((p.present, p.rows), (2, 3));
        let q = parse("predicted_probability,extra,file_name,predicted_class\n0.5,x,ILSVRC2012_val_00000003.JPEG,7\n").unwrap();
        assert_eq!((q.class[2], q.prob[2]), (7, 0.5));
        let r = parse("\"file_name\",\"predicted_class\",\"predicted_probability\"\n\"ILSVRC2012_val_00000002.JPEG\",3,0.125\n").unwrap();
        assert_eq!((r.class[1], r.prob[1]), (3, 0.125));
    }

    #[test]
    fn bad_rows_are_named() {
        let h = "file_name,predicted_class,predicted_probability\n";
        assert_eq!(
            err(""),
            "p.csv: the file is empty; expected a header `file_name,predicted_class,predicted_probability` and one row per image"
        );
        assert!(err("ILSVRC2012_val_00000001.JPEG,3,0.5\n").contains("p.csv:1: no header line"));
        assert!(
            err("file_name,class,predicted_probability\n")
                .contains("lacks column(s) predicted_class")
        );
        assert_eq!(
            err(&format!("{h}ILSVRC2012_val_00000001.JPEG,1000,0.5\n")),
            "p.csv:2: predicted_class 1000 is outside 0..999 (these annotations have 1000 classes)"
        );
        assert_eq!(
            err(&format!("{h}ILSVRC2012_val_00000001.JPEG,-1,0.5\n")),
            "p.csv:2: predicted_class `-1` is not a class index (an integer in 0..999)"
        );
        assert_eq!(
            err(&format!("{h}ILSVRC2012_val_00000001.JPEG,cat,0.5\n")),
            "p.csv:2: predicted_class `cat` is not a class index (an integer in 0..999)"
        );
        assert_eq!(
            err(&format!("{h}ILSVRC2012_val_00000001.JPEG,1,nan\n")),
            "p.csv:2: predicted_probability is NaN or empty"
        );
        assert_eq!(
            err(&format!("{h}ILSVRC2012_val_00000001.JPEG,1,1.5\n")),
            "p.csv:2: predicted_probability 1.5 is outside [0, 1]"
        );
        assert_eq!(
            err(&format!("{h}ILSVRC2012_val_00000001.JPEG,1,high\n")),
            "p.csv:2: predicted_probability `high` is not a number"
        );
        assert_eq!(
            err(&format!("{h}ILSVRC2012_val_00000001.JPEG,1\n")),
            "p.csv:2: expected 3 comma-separated fields, found 2"
        );
        assert!(
            err(&format!(
                "{h}ILSVRC2012_val_00000001.JPEG,1,0.5\n\nILSVRC2012_val_00000001.JPEG,2,0.5\n"
            ))
            .starts_with("p.csv:4: `ILSVRC2012_val_00000001.JPEG` appears twice (first on line 2)")
        );
        assert!(err(&format!("{h}ILSVRC2012_val_00000009.JPEG,1,0.5\n"))
            .starts_with("p.csv:2: `ILSVRC2012_val_00000009.JPEG` is not an image of the val split of these annotations (ImageNet-X)"));
    }

    #[test]
    fn gzip_is_detected_and_corruption_reported() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let idx = index();
        let ctx = ParseContext {
            index: &idx,
            num_classes: 1000,
            partition: "val",
            universe: "ImageNet-X",
            probabilities: true,
        };
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"file_name,predicted_class,predicted_probability\nILSVRC2012_val_00000002.JPEG,5,0.75\n").unwrap();
        let bytes = gz.finish().unwrap();
        let good = dir.path().join("m.csv.gz");
        std::fs::write(&good, &bytes).unwrap();
        assert_eq!(read_predictions_file(&good, &ctx).unwrap().class[1], 5);
        let bad = dir.path().join("bad.csv.gz");
        std::fs::write(&bad, &bytes[..bytes.len() / 2]).unwrap();
        let e = read_predictions_file(&bad, &ctx).unwrap_err().to_string();
        assert!(e.contains("bad.csv.gz: corrupt gzip data"), "{e}");
        let fake = dir.path().join("fake.csv.gz");
        std::fs::write(&fake, b"file_name,predicted_class,predicted_probability\n").unwrap();
        let e = read_predictions_file(&fake, &ctx).unwrap_err().to_string();
        assert!(e.contains("not gzip"), "{e}");
    }

    #[test]
    fn unit_decimals_are_checked_without_converting() {
        for (text, len) in [
            ("0.25\n", Some(4)),
            (".5", Some(2)),
            ("1", Some(1)),
            ("1.000,", Some(5)),
            ("0", Some(1)),
        ] {
            assert_eq!(unit_decimal_len(text.as_bytes()), len, "{text}");
        }
        for text in ["1.5", "2", "-0.1", "1e-05", "00.5", ".", "", "+0.5", "10"] {
            assert_eq!(unit_decimal_len(text.as_bytes()), None, "{text}");
        }
        let idx = index();
        let ctx = ParseContext {
            index: &idx,
            num_classes: 1000,
            partition: "val",
            universe: "ImageNet-X",
            probabilities: false,
        };
        let text = "file_name,predicted_class,predicted_probability\nILSVRC2012_val_00000001.JPEG,3,0.5\nILSVRC2012_val_00000002.JPEG,4,2.5e-1\n";
        let p = parse_predictions(Path::new("p.csv"), text.as_bytes(), &ctx).unwrap();
        assert_eq!((p.class[..2].to_vec(), p.prob.len()), (vec![3, 4], 0));
        let bad = text.replace("0.5", "1.5");
        let e = parse_predictions(Path::new("p.csv"), bad.as_bytes(), &ctx)
            .unwrap_err()
            .to_string();
        assert_eq!(e, "p.csv:2: predicted_probability 1.5 is outside [0, 1]");
    }

    #[test]
    fn floats_parse_like_pandas() {
        // Bits of `pd.read_csv` (pandas 1.5.3, default float_precision) for each text.
        let cases: [(&str, u64); 12] = [
            ("0.8365915418000001", 0x3feac55ba00484da),
            ("0.12345678901234567", 0x3fbf9add3746f659),
            ("0.9999999999999999", 0x3ff0000000000000),
            ("1e-05", 0x3ee4f8b588e368f1),
            ("5e-324", 0x0000000000000001),
            ("0.1", 0x3fb999999999999a),
            ("0.30000000000000004", 0x3fd3333333333333),
            ("0.7071067811865476", 0x3fe6a09e667f3bcd),
            (".5", 0x3fe0000000000000),
            ("1.", 0x3ff0000000000000),
            ("2.5E-3", 0x3f647ae147ae147b),
            ("0.000123456789012345678", 0x3f202e85be1804df),
        ];
        for (text, bits) in cases {
            assert_eq!(
                pandas_float(text.as_bytes()).map(f64::to_bits),
                Some(bits),
                "{text}"
            );
        }
        assert_eq!(
            pandas_float(b"0.9999999999999999"),
            Some(1.0),
            "pandas rounds this up; Rust would not"
        );
        for bad in [
            "", ".", "e5", "1e", "1.2.3", "0x1", "1,5", "nan", "inf", " 1",
        ] {
            assert_eq!(pandas_float(bad.as_bytes()), None, "{bad:?}");
        }
    }
}
