//! Typed, validated access to one op's TOML table. Each accessor removes the key it reads, so
//! whatever is left at the end is a typo: [`Params::finish`] names it and the closest valid key.
//! When the constructor fails part-way, keys it had not reached yet are left over too: those are
//! not typos, and the constructor's own error is reported (see [`Params::explain_failure`]).

use crate::error::{AugmentError, Result, closest_match};
use toml::{Table, Value};

/// The parameters of one op table, minus its `name`.
#[derive(Debug, Clone)]
pub struct Params {
    op: String,
    table: Table,
    /// Keys an accessor asked for.
    known: Vec<&'static str>,
    /// Every key the op takes, when its registration documents them.
    declared: Option<Vec<&'static str>>,
}

/// An output size: `size = 224` (torchvision: the shorter edge for `resize`, a square for crops)
/// or `size = [height, width]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    Edge(u32),
    Exact { height: u32, width: u32 },
}

impl Size {
    /// The size as (height, width) for ops where a single number means a square.
    pub fn square_or_exact(self) -> (u32, u32) {
        match self {
            Size::Edge(s) => (s, s),
            Size::Exact { height, width } => (height, width),
        }
    }
}

impl Params {
    pub fn new(op: impl Into<String>, table: Table) -> Self {
        Params {
            op: op.into(),
            table,
            known: Vec::new(),
            declared: None,
        }
    }

    /// Declares every key the op takes (from its documentation), so that a failed constructor's
    /// leftovers can be told apart from typos and error messages list all valid keys.
    pub fn declare(&mut self, keys: impl IntoIterator<Item = &'static str>) {
        self.declared = Some(keys.into_iter().collect());
    }

    /// Every key the op is known to take: the declared ones and any an accessor asked for.
    fn valid_keys(&self) -> Vec<&'static str> {
        let mut valid = self.known.clone();
        valid.extend(self.declared.iter().flatten().copied());
        valid.sort_unstable();
        valid.dedup();
        valid
    }

    fn unknown(&self, key: &str) -> AugmentError {
        let valid = self.valid_keys();
        AugmentError::UnknownParam {
            op: self.op.clone(),
            key: key.to_string(),
            closest: closest_match(key, valid.iter().copied()),
            valid: if valid.is_empty() {
                "no parameters".into()
            } else {
                valid.join(", ")
            },
        }
    }

    /// The error to report when the constructor failed with `error`. Keys still in the table may
    /// simply not have been reached, so the constructor's error wins, with one exception: when
    /// it says a key of this op is missing and a key the op does not take is present (any
    /// undeclared key if the op declares its keys, else one close to the missing key), that key
    /// is the likely typo and is reported instead.
    pub fn explain_failure(&self, error: AugmentError) -> AugmentError {
        let AugmentError::MissingParam {
            op, key: missing, ..
        } = &error
        else {
            return error;
        };
        if *op != self.op {
            return error;
        }
        let valid = self.valid_keys();
        let typo = self.table.keys().find(|k| {
            *k != "p"
                && !valid.contains(&k.as_str())
                && (self.declared.is_some() || closest_match(k, [missing.as_str()]).is_some())
        });
        match typo {
            Some(k) => self.unknown(k),
            None => error,
        }
    }

    /// The op these parameters belong to.
    pub fn op(&self) -> &str {
        &self.op
    }

    /// An error about `key` of this op.
    pub fn bad(&self, key: &str, message: impl Into<String>) -> AugmentError {
        AugmentError::BadParam {
            op: self.op.clone(),
            key: key.to_string(),
            message: message.into(),
        }
    }

    /// A required `key` that is absent.
    pub fn missing(&self, key: &str) -> AugmentError {
        self.missing_with(key, "")
    }

    fn missing_with(&self, key: &str, detail: &str) -> AugmentError {
        AugmentError::MissingParam {
            op: self.op.clone(),
            key: key.to_string(),
            detail: detail.to_string(),
        }
    }

    /// Whether `key` is present (without consuming it).
    pub fn has(&self, key: &str) -> bool {
        self.table.contains_key(key)
    }

    /// Removes and returns the raw value of `key`.
    pub fn take(&mut self, key: &'static str) -> Option<Value> {
        self.known.push(key);
        self.table.remove(key)
    }

    fn number(&self, key: &str, v: &Value) -> Result<f64> {
        match v {
            Value::Float(f) if f.is_finite() => Ok(*f),
            Value::Integer(i) => Ok(*i as f64),
            other => Err(self.bad(
                key,
                format!("expected a finite number, got {}", describe(other)),
            )),
        }
    }

    /// A number, or `default` when absent.
    pub fn f64(&mut self, key: &'static str, default: f64) -> Result<f64> {
        match self.take(key) {
            None => Ok(default),
            Some(v) => self.number(key, &v),
        }
    }

    /// A required number.
    pub fn f64_required(&mut self, key: &'static str) -> Result<f64> {
        match self.take(key) {
            None => Err(self.missing(key)),
            Some(v) => self.number(key, &v),
        }
    }

    /// A number that must lie in `[lo, hi]`.
    pub fn f64_in(
        &mut self,
        key: &'static str,
        default: Option<f64>,
        lo: f64,
        hi: f64,
    ) -> Result<f64> {
        let x = match default {
            Some(d) => self.f64(key, d)?,
            None => self.f64_required(key)?,
        };
        if !(lo..=hi).contains(&x) {
            return Err(self.bad(key, format!("must be in [{lo}, {hi}], got {x}")));
        }
        Ok(x)
    }

    /// A probability `p` in [0, 1].
    pub fn probability(&mut self, key: &'static str, default: f64) -> Result<f64> {
        self.f64_in(key, Some(default), 0.0, 1.0)
    }

    /// A list of numbers (a single number counts as a list of one).
    pub fn f64_list(&mut self, key: &'static str) -> Result<Option<Vec<f64>>> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| self.number(key, v))
                .collect::<Result<_>>()
                .map(Some),
            Some(v) => Ok(Some(vec![self.number(key, &v)?])),
        }
    }

    /// Numbers (`Ok`) or a string (`Err`), for keys such as `value = "random"`.
    pub fn text_or_numbers(
        &mut self,
        key: &'static str,
    ) -> Result<Option<std::result::Result<Vec<f64>, String>>> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(Err(s))),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| self.number(key, v))
                .collect::<Result<_>>()
                .map(|v| Some(Ok(v))),
            Some(v) => Ok(Some(Ok(vec![self.number(key, &v)?]))),
        }
    }

    /// A `[min, max]` pair with `min <= max`.
    pub fn range(&mut self, key: &'static str, default: (f64, f64)) -> Result<(f64, f64)> {
        match self.f64_list(key)? {
            None => Ok(default),
            Some(v) if v.len() == 2 => {
                if v[0] > v[1] {
                    return Err(self.bad(key, format!("min {} is greater than max {}", v[0], v[1])));
                }
                Ok((v[0], v[1]))
            }
            Some(v) => Err(self.bad(key, format!("expected [min, max], got {} numbers", v.len()))),
        }
    }

    /// A non-negative integer.
    pub fn u64(&mut self, key: &'static str, default: Option<u64>) -> Result<u64> {
        match self.take(key) {
            None => default.ok_or_else(|| self.missing(key)),
            Some(Value::Integer(i)) if i >= 0 => Ok(i as u64),
            Some(other) => Err(self.bad(
                key,
                format!("expected a non-negative integer, got {}", describe(&other)),
            )),
        }
    }

    /// An integer that must lie in `[lo, hi]`.
    pub fn int_in(
        &mut self,
        key: &'static str,
        default: Option<i64>,
        lo: i64,
        hi: i64,
    ) -> Result<i64> {
        let x = match self.take(key) {
            None => default.ok_or_else(|| self.missing(key))?,
            Some(Value::Integer(i)) => i,
            Some(other) => {
                return Err(self.bad(
                    key,
                    format!("expected an integer, got {}", describe(&other)),
                ));
            }
        };
        if !(lo..=hi).contains(&x) {
            return Err(self.bad(key, format!("must be in [{lo}, {hi}], got {x}")));
        }
        Ok(x)
    }

    pub fn bool(&mut self, key: &'static str, default: bool) -> Result<bool> {
        match self.take(key) {
            None => Ok(default),
            Some(Value::Boolean(b)) => Ok(b),
            Some(other) => Err(self.bad(
                key,
                format!("expected true or false, got {}", describe(&other)),
            )),
        }
    }

    /// One of `choices`.
    pub fn choice(
        &mut self,
        key: &'static str,
        default: &'static str,
        choices: &[&'static str],
    ) -> Result<&'static str> {
        match self.take(key) {
            None => Ok(default),
            Some(Value::String(s)) => choices.iter().find(|c| **c == s).copied().ok_or_else(|| {
                self.bad(key, format!("`{s}` is not one of {}", choices.join(", ")))
            }),
            Some(other) => {
                Err(self.bad(key, format!("expected a string, got {}", describe(&other))))
            }
        }
    }

    /// An output size (positive): an integer or `[height, width]`.
    pub fn size(&mut self, key: &'static str, default: Option<Size>) -> Result<Size> {
        let positive = |p: &Self, x: i64| -> Result<u32> {
            u32::try_from(x)
                .ok()
                .filter(|&v| v > 0)
                .ok_or_else(|| p.bad(key, format!("sizes must be positive, got {x}")))
        };
        match self.take(key) {
            None => default.ok_or_else(|| self.missing(key)),
            Some(Value::Integer(i)) => Ok(Size::Edge(positive(self, i)?)),
            Some(Value::Array(a)) if a.len() == 1 => match a[0] {
                Value::Integer(i) => Ok(Size::Edge(positive(self, i)?)),
                _ => Err(self.bad(key, "expected integers")),
            },
            Some(Value::Array(a)) if a.len() == 2 => match (&a[0], &a[1]) {
                (Value::Integer(h), Value::Integer(w)) => Ok(Size::Exact {
                    height: positive(self, *h)?,
                    width: positive(self, *w)?,
                }),
                _ => Err(self.bad(key, "expected [height, width] as integers")),
            },
            Some(other) => Err(self.bad(
                key,
                format!(
                    "expected an integer or [height, width], got {}",
                    describe(&other)
                ),
            )),
        }
    }

    /// A list of op tables (for compositions such as `random_apply`).
    pub fn tables(&mut self, key: &'static str) -> Result<Vec<Table>> {
        match self.take(key) {
            None => Err(self.missing_with(key, ": a list of op tables")),
            Some(Value::Array(items)) => items
                .into_iter()
                .map(|v| match v {
                    Value::Table(t) => Ok(t),
                    other => {
                        Err(self.bad(key, format!("expected op tables, got {}", describe(&other))))
                    }
                })
                .collect(),
            Some(other) => Err(self.bad(
                key,
                format!("expected a list of op tables, got {}", describe(&other)),
            )),
        }
    }

    /// Fails on any key no accessor asked for, naming it and the closest valid key.
    pub fn finish(self) -> Result<()> {
        match self.table.keys().next() {
            Some(key) => Err(self.unknown(key)),
            None => Ok(()),
        }
    }

    /// The keys an accessor asked for so far (for tests of the built-in ops' documentation).
    #[cfg(test)]
    pub(crate) fn asked(&self) -> &[&'static str] {
        &self.known
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::String(s) => format!("the string {s:?}"),
        other => format!("{} `{other}`", other.type_str()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(src: &str) -> Params {
        Params::new("op", toml::from_str(src).unwrap())
    }

    #[test]
    fn reads_values_and_names_bad_keys() {
        let mut p = params("a = 1\nb = [0.5, 2]\nsize = [3, 4]\nflag = true");
        assert_eq!(p.f64("a", 0.0).unwrap(), 1.0);
        assert_eq!(p.range("b", (0.0, 0.0)).unwrap(), (0.5, 2.0));
        assert_eq!(
            p.size("size", None).unwrap(),
            Size::Exact {
                height: 3,
                width: 4
            }
        );
        assert!(p.bool("flag", false).unwrap());
        assert_eq!(p.f64("missing", 9.0).unwrap(), 9.0);
        p.finish().unwrap();

        let err = params("b = [2, 1]")
            .range("b", (0.0, 1.0))
            .unwrap_err()
            .to_string();
        assert!(err.contains("`b`") && err.contains("greater"), "{err}");
        let err = params("p = 1.5")
            .probability("p", 0.5)
            .unwrap_err()
            .to_string();
        assert!(err.contains("`p`") && err.contains("[0, 1]"), "{err}");
        let err = params("size = -3")
            .size("size", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("positive"), "{err}");
    }

    #[test]
    fn leftover_key_is_reported_with_closest_match() {
        let mut p = params("brightnes = 0.4");
        p.f64("brightness", 0.0).unwrap();
        p.f64("contrast", 0.0).unwrap();
        let err = p.finish().unwrap_err().to_string();
        assert!(
            err.contains("`brightnes`") && err.contains("did you mean `brightness`"),
            "{err}"
        );
    }
}
