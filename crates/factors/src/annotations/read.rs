//! Reading an annotation directory.

use super::{
    AnnotationError, AnnotationRecord, ClassLabel, MetaclassRow, Partition, WhichFactor, files,
};
use crate::factor::{Factor, FactorSet};
use rayon::prelude::*;
use serde::Deserialize;
use serde::de::IgnoredAny;
use std::borrow::Cow;
use std::path::{Path, PathBuf};

type Result<T> = std::result::Result<T, AnnotationError>;

/// A directory of annotation files in the `imagenet_x` format (see the module docs).
#[derive(Debug, Clone)]
pub struct AnnotationDir {
    root: PathBuf,
}

impl AnnotationDir {
    /// Opens `root`; fails with [`AnnotationError::Missing`] (which says how to fetch) when absent.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self> {
        let root = root.into();
        if !root.is_dir() {
            return Err(AnnotationError::Missing { path: root });
        }
        Ok(AnnotationDir { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    fn read(&self, name: &str) -> Result<(PathBuf, Vec<u8>)> {
        let path = self.path(name);
        let bytes = std::fs::read(&path).map_err(|e| AnnotationError::io(&path, e))?;
        Ok((path, bytes))
    }

    /// The factor annotations of one partition, in file order.
    pub fn factor_records(
        &self,
        partition: Partition,
        which: WhichFactor,
    ) -> Result<Vec<AnnotationRecord>> {
        let (path, bytes) = self.read(&files::factors(partition, which))?;
        parse_factor_jsonl::<Cow<str>>(&path, &bytes)
    }

    /// Like [`AnnotationDir::factor_records`] without the free-text fields (left empty): what
    /// scoring needs, several times faster.
    pub fn factor_records_without_text(
        &self,
        partition: Partition,
        which: WhichFactor,
    ) -> Result<Vec<AnnotationRecord>> {
        let (path, bytes) = self.read(&files::factors(partition, which))?;
        parse_factor_jsonl::<IgnoredAny>(&path, &bytes)
    }

    /// `filename_label.csv`: every validation file name with its class.
    pub fn val_labels(&self) -> Result<Vec<(String, u32)>> {
        let (path, bytes) = self.read(files::FILENAME_LABEL)?;
        read_csv(&path, &bytes, &["file_name", "label"], |line, rec| {
            let label = parse_u32(&path, line, "label", rec[1])?;
            Ok((rec[0].to_string(), label))
        })
    }

    /// The metaclass CSV: row i is the metaclass of class i.
    pub fn metaclasses(&self) -> Result<Vec<MetaclassRow>> {
        let (path, bytes) = self.read(files::METACLASSES)?;
        read_csv(
            &path,
            &bytes,
            &["wnid", "name", "metaclass"],
            |line, rec| {
                Ok(MetaclassRow {
                    wnid: rec[0].to_string(),
                    name: rec[1].to_string(),
                    id: parse_u32(&path, line, "metaclass", rec[2])?,
                })
            },
        )
    }

    /// `imagenet_labels.txt`: one `wnid,label` line per class, no header.
    pub fn class_labels(&self) -> Result<Vec<ClassLabel>> {
        let (path, bytes) = self.read(files::LABELS)?;
        let text = utf8(&path, &bytes)?;
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| {
                let (wnid, label) = l
                    .split_once(',')
                    .ok_or_else(|| AnnotationError::parse(&path, i + 1, "expected `wnid,label`"))?;
                Ok(ClassLabel {
                    wnid: wnid.to_string(),
                    label: label.to_string(),
                })
            })
            .collect()
    }

    /// `prototypical_paths.csv`: the prototype images filtered out by default.
    pub fn prototypes(&self) -> Result<Vec<String>> {
        let (path, bytes) = self.read(files::PROTOTYPES)?;
        read_csv(&path, &bytes, &["file_name"], |_, rec| {
            Ok(rec[0].to_string())
        })
    }

    /// The ReaL labels: element i belongs to the i-th validation file in lexicographic order.
    pub fn real_labels(&self) -> Result<Vec<Vec<u32>>> {
        let (path, bytes) = self.read(files::REAL_LABELS)?;
        serde_json::from_slice(&bytes).map_err(|e| {
            AnnotationError::parse(
                &path,
                e.line(),
                format!("{e}; expected one JSON array of label arrays"),
            )
        })
    }
}

/// The JSONL fields of one record; factor values are checked to be 0 or 1 after parsing. `T` is
/// the type of the free-text fields: `Cow<str>` keeps them, `IgnoredAny` skips them unvalidated
/// (scoring never needs them, and they are most of the bytes).
#[derive(Deserialize)]
#[serde(bound(deserialize = "'de: 'a, T: Deserialize<'de>"))]
struct RawRecord<'a, T> {
    #[serde(borrow)]
    file_name: Cow<'a, str>,
    class: i64,
    multiple_objects: i64,
    background: i64,
    color: i64,
    brighter: i64,
    darker: i64,
    style: i64,
    larger: i64,
    smaller: i64,
    object_blocking: i64,
    person_blocking: i64,
    partial_view: i64,
    pattern: i64,
    pose: i64,
    shape: i64,
    subcategory: i64,
    texture: i64,
    #[serde(default = "none")]
    justification: Option<T>,
    #[serde(default = "none")]
    one_word: Option<T>,
}

fn none<T>() -> Option<T> {
    None
}

/// A free-text field as stored in [`AnnotationRecord`].
trait TextField {
    /// Whether the text is kept (else the fast scanner may be used).
    const KEPT: bool;
    fn into_string(self) -> String;
}

impl TextField for Cow<'_, str> {
    const KEPT: bool = true;
    fn into_string(self) -> String {
        self.into_owned()
    }
}

impl TextField for IgnoredAny {
    const KEPT: bool = false;
    fn into_string(self) -> String {
        String::new()
    }
}

impl<T> RawRecord<'_, T> {
    fn factor_values(&self) -> [(Factor, i64); 16] {
        use Factor::*;
        [
            (Pose, self.pose),
            (Background, self.background),
            (Pattern, self.pattern),
            (Color, self.color),
            (Smaller, self.smaller),
            (Shape, self.shape),
            (PartialView, self.partial_view),
            (Subcategory, self.subcategory),
            (Texture, self.texture),
            (Larger, self.larger),
            (Darker, self.darker),
            (ObjectBlocking, self.object_blocking),
            (PersonBlocking, self.person_blocking),
            (Style, self.style),
            (Brighter, self.brighter),
            (MultipleObjects, self.multiple_objects),
        ]
    }
}

/// Parses a factor JSONL file; lines are parsed in parallel, errors name the first bad line.
/// With `T = IgnoredAny` the free-text fields are skipped and left empty.
fn parse_factor_jsonl<'a, T>(path: &Path, bytes: &'a [u8]) -> Result<Vec<AnnotationRecord>>
where
    T: Deserialize<'a> + TextField + Send,
{
    let mut start = 0;
    let lines: Vec<(usize, &[u8])> = memchr::memchr_iter(b'\n', bytes)
        .chain(std::iter::once(bytes.len()))
        .enumerate()
        .map(|(i, end)| {
            let line = &bytes[start.min(end)..end];
            start = end + 1;
            (i, line)
        })
        .filter(|(_, l)| !l.iter().all(u8::is_ascii_whitespace))
        .collect();
    if lines.is_empty() {
        return Err(AnnotationError::Invalid {
            path: path.to_path_buf(),
            message: "empty annotation file: expected one JSON object per line".into(),
        });
    }
    lines
        .par_iter()
        .map(|&(i, line)| parse_record::<T>(path, i + 1, line))
        .collect()
}

fn parse_record<'a, T: Deserialize<'a> + TextField>(
    path: &Path,
    line: usize,
    text: &'a [u8],
) -> Result<AnnotationRecord> {
    if !T::KEPT
        && let Some((file_name, class, values)) = scan_record(text)
        && let Ok(record) = record_from_values(file_name, class, values)
    {
        return Ok(record);
    }
    let raw: RawRecord<T> = serde_json::from_slice(text)
        .map_err(|e| AnnotationError::parse(path, line, e.to_string()))?;
    let class = u32::try_from(raw.class).map_err(|_| {
        AnnotationError::parse(path, line, format!("class {} is negative", raw.class))
    })?;
    let mut factors = FactorSet::EMPTY;
    for (factor, value) in raw.factor_values() {
        match value {
            0 => {}
            1 => factors.insert(factor),
            v => {
                return Err(AnnotationError::parse(
                    path,
                    line,
                    format!("factor `{factor}` is {v}; factor values must be 0 or 1"),
                ));
            }
        }
    }
    Ok(AnnotationRecord {
        file_name: raw.file_name.into_owned(),
        class,
        factors,
        justification: raw
            .justification
            .map(TextField::into_string)
            .unwrap_or_default(),
        one_word: raw.one_word.map(TextField::into_string).unwrap_or_default(),
    })
}

/// The 18 scored keys: `file_name`, `class`, then the factors in [`Factor::ALL`] order.
fn scored_key(key: &[u8]) -> Option<usize> {
    // A literal match compiles to a few length/byte comparisons (this runs ~1M times).
    Some(match key {
        b"file_name" => 0,
        b"class" => 1,
        b"pose" => 2,
        b"background" => 3,
        b"pattern" => 4,
        b"color" => 5,
        b"smaller" => 6,
        b"shape" => 7,
        b"partial_view" => 8,
        b"subcategory" => 9,
        b"texture" => 10,
        b"larger" => 11,
        b"darker" => 12,
        b"object_blocking" => 13,
        b"person_blocking" => 14,
        b"style" => 15,
        b"brighter" => 16,
        b"multiple_objects" => 17,
        _ => return None,
    })
}

fn record_from_values(
    file_name: &str,
    class: i64,
    values: [i64; 16],
) -> std::result::Result<AnnotationRecord, ()> {
    let class = u32::try_from(class).map_err(|_| ())?;
    let mut factors = FactorSet::EMPTY;
    for (factor, value) in Factor::ALL.into_iter().zip(values) {
        match value {
            0 => {}
            1 => factors.insert(factor),
            _ => return Err(()),
        }
    }
    Ok(AnnotationRecord {
        file_name: file_name.to_string(),
        class,
        factors,
        justification: String::new(),
        one_word: String::new(),
    })
}

/// A fast scanner for one annotation line when the free text is not needed: `file_name`,
/// `class` and the 16 factors, in any key order, other string values skipped. `None` for
/// anything unusual (escapes in the file name, duplicate or missing keys, non-integer values,
/// malformed JSON); serde_json then parses the line and names the error.
fn scan_record(line: &[u8]) -> Option<(&str, i64, [i64; 16])> {
    fn ws(s: &[u8]) -> &[u8] {
        s.trim_ascii_start()
    }
    fn string(s: &[u8]) -> Option<(&[u8], &[u8], bool)> {
        // Returns (content, rest after the closing quote, had escapes).
        let mut i = 0;
        let mut escaped = false;
        loop {
            let j = i + memchr::memchr2(b'"', b'\\', &s[i..])?;
            if s[j] == b'"' {
                return Some((&s[..j], &s[j + 1..], escaped));
            }
            escaped = true;
            i = j + 2;
            if i > s.len() {
                return None;
            }
        }
    }
    let mut rest = ws(line).strip_prefix(b"{")?;
    let mut seen = 0u32;
    let mut file_name = "";
    let mut ints = [0i64; 17];
    loop {
        rest = ws(rest).strip_prefix(b"\"")?;
        let (key, r, escaped) = string(rest)?;
        if escaped {
            return None;
        }
        rest = ws(ws(r).strip_prefix(b":")?);
        match (scored_key(key), rest.first()?) {
            (Some(0), b'"') => {
                let (value, r, escaped) = string(&rest[1..])?;
                if escaped {
                    return None;
                }
                file_name = std::str::from_utf8(value).ok()?;
                rest = r;
                seen |= 1;
            }
            (Some(k), b'-' | b'0'..=b'9') if k > 0 => {
                let negative = rest[0] == b'-';
                let digits = &rest[usize::from(negative)..];
                let n = digits
                    .iter()
                    .position(|b| !b.is_ascii_digit())
                    .unwrap_or(digits.len());
                if n == 0 || n > 18 {
                    return None;
                }
                let v = digits[..n]
                    .iter()
                    .fold(0i64, |a, d| a * 10 + i64::from(d - b'0'));
                ints[k - 1] = if negative { -v } else { v };
                rest = &digits[n..];
                if seen & (1 << k) != 0 {
                    return None;
                }
                seen |= 1 << k;
            }
            (None, b'"') => rest = string(&rest[1..])?.1,
            _ => return None,
        }
        rest = ws(rest);
        match rest.first()? {
            b',' => rest = &rest[1..],
            b'}' => break,
            _ => return None,
        }
    }
    if !ws(&rest[1..]).is_empty() || seen != (1 << 18) - 1 {
        return None;
    }
    let mut factors = [0i64; 16];
    factors.copy_from_slice(&ints[1..]);
    Some((file_name, ints[0], factors))
}

fn utf8<'a>(path: &Path, bytes: &'a [u8]) -> Result<&'a str> {
    std::str::from_utf8(bytes).map_err(|e| AnnotationError::Invalid {
        path: path.to_path_buf(),
        message: format!("not UTF-8 text ({e})"),
    })
}

fn parse_u32(path: &Path, line: usize, column: &str, value: &str) -> Result<u32> {
    value.trim().parse().map_err(|_| {
        AnnotationError::parse(
            path,
            line,
            format!("column `{column}`: `{value}` is not a non-negative integer"),
        )
    })
}

/// Reads a headed CSV whose header must start with `header`; `row` converts each record.
fn read_csv<T>(
    path: &Path,
    bytes: &[u8],
    header: &[&str],
    mut row: impl FnMut(usize, &[&str]) -> Result<T>,
) -> Result<Vec<T>> {
    let check_header = |found: &[&str]| {
        if found.len() < header.len() || &found[..header.len()] != header {
            return Err(AnnotationError::parse(
                path,
                1,
                format!(
                    "header is `{}`, expected `{}`",
                    found.join(","),
                    header.join(",")
                ),
            ));
        }
        Ok(())
    };
    let width = |line: usize, fields: &[&str], expected: usize| {
        if fields.len() == expected {
            Ok(())
        } else {
            Err(AnnotationError::parse(
                path,
                line,
                format!(
                    "expected {expected} comma-separated fields, found {}",
                    fields.len()
                ),
            ))
        }
    };
    // The files are plain (no quoting); split them directly, the csv crate handles the rest.
    if memchr::memchr(b'"', bytes).is_none() {
        let text = utf8(path, bytes)?;
        let mut lines = text.lines().enumerate();
        let found: Vec<&str> = lines
            .next()
            .map(|(_, h)| h.trim_end_matches('\r').split(',').collect())
            .unwrap_or_default();
        check_header(&found)?;
        let mut fields = Vec::with_capacity(found.len());
        let mut out = Vec::new();
        for (i, line) in lines {
            let line = line.trim_end_matches('\r');
            if line.is_empty() {
                continue;
            }
            fields.clear();
            fields.extend(line.split(','));
            width(i + 1, &fields, found.len())?;
            out.push(row(i + 1, &fields)?);
        }
        return Ok(out);
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(bytes);
    let found = reader
        .headers()
        .map_err(|e| AnnotationError::parse(path, 1, e.to_string()))?
        .clone();
    let found: Vec<&str> = found.iter().collect();
    check_header(&found)?;
    let mut out = Vec::new();
    for result in reader.records() {
        let rec = result.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            AnnotationError::parse(path, line, e.to_string())
        })?;
        let line = rec.position().map_or(0, |p| p.line() as usize);
        let fields: Vec<&str> = rec.iter().collect();
        out.push(row(line, &fields)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"{"file_name":"ILSVRC2012_val_00004487.JPEG","class":762,"multiple_objects":0,"background":0,"color":0,"brighter":0,"darker":0,"style":0,"larger":1,"smaller":0,"object_blocking":0,"person_blocking":0,"partial_view":0,"pattern":0,"pose":1,"shape":0,"subcategory":0,"texture":0,"justification":"close up of a \"sea bass\". ","one_word":"sea bass close up"}"#;

    #[test]
    fn parses_a_toolkit_line() {
        let recs = parse_factor_jsonl::<Cow<str>>(Path::new("a.jsonl"), LINE.as_bytes()).unwrap();
        assert_eq!(recs.len(), 1);
        let r = &recs[0];
        assert_eq!(r.file_name, "ILSVRC2012_val_00004487.JPEG");
        assert_eq!(r.class, 762);
        assert_eq!(
            r.factors.iter().collect::<Vec<_>>(),
            vec![Factor::Pose, Factor::Larger]
        );
        assert_eq!(r.justification, "close up of a \"sea bass\". ");
    }

    #[test]
    fn scored_keys_follow_the_factor_order() {
        for (i, f) in Factor::ALL.iter().enumerate() {
            assert_eq!(scored_key(f.name().as_bytes()), Some(i + 2));
        }
        assert_eq!(scored_key(b"justification"), None);
    }

    #[test]
    fn scanner_agrees_with_serde_or_declines() {
        let full = parse_factor_jsonl::<Cow<str>>(Path::new("a"), LINE.as_bytes()).unwrap();
        let lean = parse_factor_jsonl::<IgnoredAny>(Path::new("a"), LINE.as_bytes()).unwrap();
        assert_eq!(
            (&lean[0].file_name, lean[0].class, lean[0].factors),
            (&full[0].file_name, full[0].class, full[0].factors)
        );
        assert!(
            scan_record(LINE.as_bytes()).is_some(),
            "the toolkit's layout takes the fast path"
        );
        let spaced = LINE.replace(",\"", ", \"").replace("\":", "\" : ");
        assert_eq!(scan_record(spaced.as_bytes()).map(|r| r.1), Some(762));
        for odd in [
            LINE.replace("\"class\":762,", ""),
            LINE.replace("\"pose\":1", "\"pose\":1.0"),
            LINE.replace("ILSVRC", "IL\\u0053VRC"),
            LINE.replace("\"shape\":0,", "\"shape\":0,\"shape\":0,"),
            LINE.replace("}", "} x"),
        ] {
            assert!(scan_record(odd.as_bytes()).is_none(), "{odd}");
        }
        // Declined lines still parse (or fail) through serde with the same meaning.
        let escaped = LINE.replace("ILSVRC", "IL\\u0053VRC");
        let lean = parse_factor_jsonl::<IgnoredAny>(Path::new("a"), escaped.as_bytes()).unwrap();
        assert_eq!(lean[0].file_name, "ILSVRC2012_val_00004487.JPEG");
    }

    #[test]
    fn bad_lines_name_file_and_line() {
        let text = format!("{LINE}\n\n{}\n", LINE.replace("\"pose\":1", "\"pose\":2"));
        let err =
            parse_factor_jsonl::<Cow<str>>(Path::new("a.jsonl"), text.as_bytes()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "a.jsonl:3: factor `pose` is 2; factor values must be 0 or 1"
        );
        let text = LINE.replace("\"texture\":0,", "");
        let err =
            parse_factor_jsonl::<Cow<str>>(Path::new("b.jsonl"), text.as_bytes()).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("b.jsonl:1: missing field `texture`"),
            "{err}"
        );
        let err = parse_factor_jsonl::<Cow<str>>(Path::new("c.jsonl"), b"\n").unwrap_err();
        assert!(err.to_string().contains("empty annotation file"), "{err}");
    }

    #[test]
    fn csv_header_is_checked() {
        let err = read_csv(
            Path::new("f.csv"),
            b"name,label\na,1\n",
            &["file_name", "label"],
            |_, r| Ok(r[0].to_string()),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "f.csv:1: header is `name,label`, expected `file_name,label`"
        );
        let err = read_csv(
            Path::new("f.csv"),
            b"file_name,label\na,1\nb,x\n",
            &["file_name", "label"],
            |l, r| parse_u32(Path::new("f.csv"), l, "label", r[1]),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "f.csv:3: column `label`: `x` is not a non-negative integer"
        );
    }
}
