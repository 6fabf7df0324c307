//! Augmentation strength of each run: from a table column, or from a `key<number>` part of
//! the run name (`eval_resnet50_crop100.0_wd1e-05_color97.0_id1661...`: `color` = 97.0).

use std::collections::BTreeMap;

use super::error::InputError;
use super::table::{RunTable, STAT_COLUMNS};

/// How to find the strength.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StrengthSpec {
    /// A column name or a run-name key; None detects the one numeric key that varies.
    pub key: Option<String>,
    /// Use `100 - value`: the toolkit's crop strength is `100 - crop` (`crop8.0` -> 92).
    pub complement: bool,
}

/// Where the strength was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrengthOrigin {
    Column,
    RunName,
}

/// The strength of every run of a table (None where the run has none).
#[derive(Debug, Clone, PartialEq)]
pub struct Strengths {
    pub key: String,
    pub origin: StrengthOrigin,
    pub values: Vec<Option<f64>>,
}

/// `key<number>` parts of a run name split at `_`, e.g. `("color", 97.0)` for `color97.0`.
pub fn name_values(name: &str) -> impl Iterator<Item = (&str, f64)> {
    name.split('_').filter_map(|part| {
        let split = part.find(|c: char| !c.is_ascii_alphabetic())?;
        let (key, number) = part.split_at(split);
        let starts_like_number =
            number.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '.' | '-' | '+'));
        if key.is_empty() || !starts_like_number {
            return None;
        }
        Some((key, number.parse().ok()?))
    })
}

/// Finds the strength of every run. `skip(i)` marks runs to ignore (the `human` row).
pub fn resolve(
    table: &RunTable,
    spec: &StrengthSpec,
    skip: impl Fn(usize) -> bool,
) -> Result<Strengths, InputError> {
    let candidates = candidates(table, &skip);
    let chosen = match &spec.key {
        Some(key) => candidates.into_iter().find(|c| &c.key == key).ok_or_else(|| {
            let example = table.runs.iter().map(|r| r.name.as_str()).find(|n| !n.is_empty()).unwrap_or("");
            InputError::new(
                &table.source,
                format!("no strength `{key}`: not a numeric column and no run name has `{key}<number>` (e.g. `{example}`)"),
                format!("pass --strength with one of: {}", keys_list(table, &skip)),
            )
        })?,
        None => {
            // A strength varies across runs and repeats (seeds); a value unique to every run is an id.
            let varying: Vec<Candidate> = candidates.into_iter().filter(|c| c.distinct >= 2 && c.distinct < c.present).collect();
            match varying.len() {
                1 => varying.into_iter().next().expect("one candidate"),
                0 => {
                    return Err(InputError::new(
                        &table.source,
                        "no strength found: no numeric column or `key<number>` part of the run names varies across runs with repeats",
                        format!(
                            "name runs like `..._color97.0_...` or add a strength column, then pass --strength KEY (keys seen: {})",
                            keys_list(table, &skip)
                        ),
                    ))
                }
                _ => {
                    return Err(InputError::new(
                        &table.source,
                        format!(
                            "several keys vary across runs: {}",
                            varying.iter().map(|c| format!("`{}`", c.key)).collect::<Vec<_>>().join(", ")
                        ),
                        "choose one with --strength KEY",
                    ))
                }
            }
        }
    };
    let values = chosen
        .values
        .into_iter()
        .map(|v| v.map(|x| if spec.complement { 100.0 - x } else { x }))
        .collect();
    Ok(Strengths {
        key: chosen.key,
        origin: chosen.origin,
        values,
    })
}

struct Candidate {
    key: String,
    origin: StrengthOrigin,
    values: Vec<Option<f64>>,
    /// Runs with a value, and how many distinct values they have.
    present: usize,
    distinct: usize,
}

/// Every numeric extra column (not the toolkit's statistics) and every run-name key; a column
/// wins over a run-name key of the same name.
fn candidates(table: &RunTable, skip: &impl Fn(usize) -> bool) -> Vec<Candidate> {
    let n = table.runs.len();
    let mut by_key: BTreeMap<String, (StrengthOrigin, Vec<Option<f64>>)> = BTreeMap::new();
    for (i, run) in table.runs.iter().enumerate() {
        if skip(i) {
            continue;
        }
        for (key, value) in name_values(&run.name) {
            // The first occurrence of a key in a name counts, like the toolkit's regex search.
            let entry = by_key
                .entry(key.to_string())
                .or_insert_with(|| (StrengthOrigin::RunName, vec![None; n]));
            entry.1[i].get_or_insert(value);
        }
    }
    for (c, name) in table.extra_columns.iter().enumerate() {
        if STAT_COLUMNS.contains(&name.as_str()) {
            continue;
        }
        let values: Vec<Option<f64>> = table
            .runs
            .iter()
            .enumerate()
            .map(|(i, r)| if skip(i) { None } else { r.extra[c] })
            .collect();
        if values.iter().any(Option::is_some) {
            by_key.insert(name.clone(), (StrengthOrigin::Column, values));
        }
    }
    by_key
        .into_iter()
        .map(|(key, (origin, values))| {
            let mut seen: Vec<f64> = values.iter().flatten().copied().collect();
            let present = seen.len();
            seen.sort_by(f64::total_cmp);
            seen.dedup();
            Candidate {
                key,
                origin,
                values,
                present,
                distinct: seen.len(),
            }
        })
        .collect()
}

fn keys_list(table: &RunTable, skip: &impl Fn(usize) -> bool) -> String {
    let keys: Vec<String> = candidates(table, skip)
        .into_iter()
        .map(|c| format!("`{}`", c.key))
        .collect();
    if keys.is_empty() {
        "none".to_string()
    } else {
        keys.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::table::Run;

    fn table(names: &[&str], extra: Option<(&str, Vec<Option<f64>>)>) -> RunTable {
        let (columns, values) = match extra {
            Some((c, v)) => (vec![c.to_string()], v),
            None => (vec![], vec![]),
        };
        RunTable {
            source: "t.csv".into(),
            runs: names
                .iter()
                .enumerate()
                .map(|(i, n)| Run {
                    name: n.to_string(),
                    line: i as u64 + 2,
                    accuracy: [0.5; 16],
                    average: 0.7,
                    extra: values.get(i).map(|v| vec![*v]).unwrap_or_default(),
                })
                .collect(),
            extra_columns: columns,
        }
    }

    #[test]
    fn parses_name_parts() {
        let parts: Vec<_> =
            name_values("eval_resnet50_crop100.0_wd1e-05_color97.0_id1661362424").collect();
        assert_eq!(
            parts,
            vec![
                ("resnet", 50.0),
                ("crop", 100.0),
                ("wd", 1e-05),
                ("color", 97.0),
                ("id", 1661362424.0)
            ]
        );
        assert_eq!(name_values("human").count(), 0);
        assert_eq!(
            name_values("smoothing1.0").collect::<Vec<_>>(),
            vec![("smoothing", 1.0)]
        );
    }

    const SWEEP: [&str; 5] = [
        "r_crop100.0_color1.0_id1",
        "r_crop100.0_color1.0_id2",
        "r_crop100.0_color97.0_id3",
        "r_crop100.0_color97.0_id4",
        "human",
    ];

    #[test]
    fn detects_the_varying_key_and_skips_ids() {
        let t = table(&SWEEP, None);
        let s = resolve(&t, &StrengthSpec::default(), |i| i == 4).unwrap();
        assert_eq!(
            (s.key.as_str(), s.origin),
            ("color", StrengthOrigin::RunName)
        );
        assert_eq!(
            s.values,
            vec![Some(1.0), Some(1.0), Some(97.0), Some(97.0), None]
        );
    }

    #[test]
    fn explicit_key_and_complement() {
        let t = table(&SWEEP, None);
        let spec = StrengthSpec {
            key: Some("crop".into()),
            complement: true,
        };
        let s = resolve(&t, &spec, |_| false).unwrap();
        assert_eq!(s.values[..4], [Some(0.0); 4]);
        let e = resolve(
            &t,
            &StrengthSpec {
                key: Some("blur".into()),
                complement: false,
            },
            |_| false,
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("no strength `blur`") && e.fix.contains("`color`"),
            "{e}"
        );
    }

    #[test]
    fn column_strength_is_used() {
        let t = table(
            &["a", "b", "c"],
            Some(("strength", vec![Some(0.1), Some(0.1), Some(0.5)])),
        );
        let s = resolve(&t, &StrengthSpec::default(), |_| false).unwrap();
        assert_eq!(
            (s.key.as_str(), s.origin),
            ("strength", StrengthOrigin::Column)
        );
    }

    #[test]
    fn no_or_ambiguous_strength_is_an_error() {
        let e = resolve(&table(&["a", "b"], None), &StrengthSpec::default(), |_| {
            false
        })
        .unwrap_err();
        assert!(
            e.problem.starts_with("no strength found") && e.fix.contains("--strength"),
            "{e}"
        );
        let names = ["x_a1_b1", "x_a1_b2", "x_a2_b1", "x_a2_b2"];
        let e = resolve(&table(&names, None), &StrengthSpec::default(), |_| false).unwrap_err();
        assert!(
            e.problem.contains("`a`, `b`") && e.fix.contains("--strength"),
            "{e}"
        );
    }
}
