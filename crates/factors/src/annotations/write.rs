//! Writing an annotation directory in the `imagenet_x` format (used by the synthetic world).

use super::{
    AnnotationError, AnnotationRecord, ClassLabel, MetaclassRow, Partition, WhichFactor, files,
};
use crate::atomic::write_atomic;
use crate::factor::Factor;
use serde::Serialize;
use std::io::Write;
use std::path::Path;

/// Everything an annotation directory holds. Records are written in the given order.
#[derive(Debug, Clone, Default)]
pub struct AnnotationSet {
    /// One entry per class, in class-index order.
    pub classes: Vec<ClassLabel>,
    /// The metaclass of each class, in class-index order.
    pub metaclasses: Vec<MetaclassRow>,
    pub val_top: Vec<AnnotationRecord>,
    pub val_multi: Vec<AnnotationRecord>,
    pub train_top: Vec<AnnotationRecord>,
    pub train_multi: Vec<AnnotationRecord>,
    /// `(file_name, class)` for every validation image, annotated or not.
    pub val_labels: Vec<(String, u32)>,
    pub prototypes: Vec<String>,
    /// ReaL-style label sets keyed by validation file name; written in lexicographic name order.
    /// `None` writes no ReaL file (the `real_class` error type is then unavailable).
    pub real_labels: Option<Vec<(String, Vec<u32>)>>,
}

/// JSON object with the toolkit's key order (serde keeps struct field order).
#[derive(Serialize)]
struct JsonRecord<'a> {
    file_name: &'a str,
    class: u32,
    multiple_objects: u8,
    background: u8,
    color: u8,
    brighter: u8,
    darker: u8,
    style: u8,
    larger: u8,
    smaller: u8,
    object_blocking: u8,
    person_blocking: u8,
    partial_view: u8,
    pattern: u8,
    pose: u8,
    shape: u8,
    subcategory: u8,
    texture: u8,
    justification: &'a str,
    one_word: &'a str,
}

impl<'a> From<&'a AnnotationRecord> for JsonRecord<'a> {
    fn from(r: &'a AnnotationRecord) -> Self {
        let v = |f: Factor| u8::from(r.factors.contains(f));
        JsonRecord {
            file_name: &r.file_name,
            class: r.class,
            multiple_objects: v(Factor::MultipleObjects),
            background: v(Factor::Background),
            color: v(Factor::Color),
            brighter: v(Factor::Brighter),
            darker: v(Factor::Darker),
            style: v(Factor::Style),
            larger: v(Factor::Larger),
            smaller: v(Factor::Smaller),
            object_blocking: v(Factor::ObjectBlocking),
            person_blocking: v(Factor::PersonBlocking),
            partial_view: v(Factor::PartialView),
            pattern: v(Factor::Pattern),
            pose: v(Factor::Pose),
            shape: v(Factor::Shape),
            subcategory: v(Factor::Subcategory),
            texture: v(Factor::Texture),
            justification: &r.justification,
            one_word: &r.one_word,
        }
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> AnnotationError + '_ {
    move |e| AnnotationError::io(path, e)
}

/// Writes records as JSONL exactly as the toolkit's files are laid out (compact, toolkit key order).
pub fn write_factor_jsonl(
    path: &Path,
    records: &[AnnotationRecord],
) -> Result<(), AnnotationError> {
    write_atomic(path, |w| {
        for r in records {
            serde_json::to_writer(&mut *w, &JsonRecord::from(r))?;
            w.write_all(b"\n")?;
        }
        Ok(())
    })
    .map_err(io_err(path))
}

/// Writes a complete annotation directory; every file is written atomically.
pub fn write_annotation_set(dir: &Path, set: &AnnotationSet) -> Result<(), AnnotationError> {
    if set.classes.len() != set.metaclasses.len() {
        return Err(AnnotationError::Invalid {
            path: dir.to_path_buf(),
            message: format!(
                "{} classes but {} metaclass rows: give one metaclass per class",
                set.classes.len(),
                set.metaclasses.len()
            ),
        });
    }
    for (partition, which, records) in [
        (Partition::Val, WhichFactor::Top, &set.val_top),
        (Partition::Val, WhichFactor::Multi, &set.val_multi),
        (Partition::Train, WhichFactor::Top, &set.train_top),
        (Partition::Train, WhichFactor::Multi, &set.train_multi),
    ] {
        write_factor_jsonl(&dir.join(files::factors(partition, which)), records)?;
    }
    let path = dir.join(files::FILENAME_LABEL);
    write_atomic(&path, |w| {
        writeln!(w, "file_name,label")?;
        for (name, label) in &set.val_labels {
            writeln!(w, "{name},{label}")?;
        }
        Ok(())
    })
    .map_err(io_err(&path))?;
    let path = dir.join(files::METACLASSES);
    write_atomic(&path, |w| {
        writeln!(w, "wnid,name,metaclass")?;
        for m in &set.metaclasses {
            writeln!(w, "{},{},{}", m.wnid, m.name, m.id)?;
        }
        Ok(())
    })
    .map_err(io_err(&path))?;
    let path = dir.join(files::LABELS);
    write_atomic(&path, |w| {
        for c in &set.classes {
            writeln!(w, "{},{}", c.wnid, c.label)?;
        }
        Ok(())
    })
    .map_err(io_err(&path))?;
    let path = dir.join(files::PROTOTYPES);
    write_atomic(&path, |w| {
        writeln!(w, "file_name")?;
        for p in &set.prototypes {
            writeln!(w, "{p}")?;
        }
        Ok(())
    })
    .map_err(io_err(&path))?;
    if let Some(real) = &set.real_labels {
        let mut sorted: Vec<&(String, Vec<u32>)> = real.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        let arrays: Vec<&Vec<u32>> = sorted.iter().map(|(_, l)| l).collect();
        let path = dir.join(files::REAL_LABELS);
        write_atomic(&path, |w| Ok(serde_json::to_writer(w, &arrays)?)).map_err(io_err(&path))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::annotations::AnnotationDir;
    use crate::factor::FactorSet;

    fn record(name: &str, class: u32, factors: &[Factor]) -> AnnotationRecord {
        AnnotationRecord {
            file_name: name.into(),
            class,
            factors: factors.iter().copied().collect::<FactorSet>(),
            justification: "a \"quoted\" note".into(),
            one_word: "word".into(),
        }
    }

    #[test]
    fn written_set_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let set = AnnotationSet {
            classes: vec![
                ClassLabel {
                    wnid: "syn000".into(),
                    label: "disc".into(),
                },
                ClassLabel {
                    wnid: "syn001".into(),
                    label: "star".into(),
                },
            ],
            metaclasses: vec![
                MetaclassRow {
                    wnid: "m0".into(),
                    name: "dog".into(),
                    id: 0,
                },
                MetaclassRow {
                    wnid: "m1".into(),
                    name: "bird".into(),
                    id: 1,
                },
            ],
            val_top: vec![
                record("v2.png", 1, &[Factor::Pose]),
                record("v1.png", 0, &[Factor::Darker]),
            ],
            val_multi: vec![record("v2.png", 1, &[Factor::Pose, Factor::Color])],
            train_top: vec![record("t1.png", 0, &[Factor::Style])],
            train_multi: vec![record("t1.png", 0, &[Factor::Style])],
            val_labels: vec![("v2.png".into(), 1), ("v1.png".into(), 0)],
            prototypes: vec!["v1.png".into()],
            real_labels: Some(vec![
                ("v2.png".into(), vec![1, 0]),
                ("v1.png".into(), vec![]),
            ]),
        };
        write_annotation_set(dir.path(), &set).unwrap();
        let text =
            std::fs::read_to_string(dir.path().join("imagenet_x_val_top_factor.jsonl")).unwrap();
        assert!(text.starts_with(
            r#"{"file_name":"v2.png","class":1,"multiple_objects":0,"background":0,"color":0,"#
        ));
        let ad = AnnotationDir::open(dir.path()).unwrap();
        assert_eq!(
            ad.factor_records(Partition::Val, WhichFactor::Top).unwrap(),
            set.val_top
        );
        assert_eq!(
            ad.factor_records(Partition::Val, WhichFactor::Multi)
                .unwrap(),
            set.val_multi
        );
        assert_eq!(
            ad.factor_records(Partition::Train, WhichFactor::Top)
                .unwrap(),
            set.train_top
        );
        assert_eq!(ad.val_labels().unwrap(), set.val_labels);
        assert_eq!(ad.metaclasses().unwrap(), set.metaclasses);
        assert_eq!(ad.class_labels().unwrap(), set.classes);
        assert_eq!(ad.prototypes().unwrap(), set.prototypes);
        assert_eq!(
            ad.real_labels().unwrap(),
            vec![vec![], vec![1, 0]],
            "sorted by file name"
        );
    }
}
