//! ImageNet on disk: `train/<wnid>/*.JPEG` (torchvision `ImageFolder`: class index = sorted
//! folder names), validation either in class folders or flat with `filename_label.csv`
//! (ImageNet-X's `file_name,label`), subsets for ImageNet-100-style runs, and the join of
//! samples to ImageNet-X factor annotations by file name.

use crate::error::{DataError, Result};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_pcg::Pcg64;
use spillover_factors::FactorSet;
use spillover_factors::annotations::AnnotationRecord;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// torchvision's `IMG_EXTENSIONS` (compared case-insensitively).
pub const IMAGE_EXTENSIONS: [&str; 9] = [
    "jpg", "jpeg", "png", "ppm", "bmp", "pgm", "tif", "tiff", "webp",
];

/// One image file and its class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    pub path: PathBuf,
    /// Base name, e.g. `ILSVRC2012_val_00000001.JPEG`.
    pub file_name: String,
    pub label: u32,
}

/// A labelled set of image files.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageFolder {
    pub root: PathBuf,
    /// Class ids (wnids) in class-index order.
    pub classes: Vec<String>,
    /// For a subset: the index each class had in the full class list (to map predictions back
    /// to ImageNet-1k indices for scoring). Identity for a full folder.
    pub original_class: Vec<u32>,
    pub samples: Vec<Sample>,
}

fn is_image(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// A directory's entries, sorted, each with whether it is a directory. The type comes from
/// the directory listing (no `stat` per file: ImageNet's train split has 1.28M files); only
/// symlinks are resolved, as torchvision follows them.
fn sorted_entries(dir: &Path) -> Result<Vec<(PathBuf, bool)>> {
    let rd = std::fs::read_dir(dir).map_err(|e| DataError::io(dir, e))?;
    let mut v = Vec::new();
    for entry in rd {
        let entry = entry.map_err(|e| DataError::io(dir, e))?;
        let path = entry.path();
        let is_dir = match entry.file_type() {
            Ok(t) if t.is_symlink() => path.is_dir(),
            Ok(t) => t.is_dir(),
            Err(_) => path.is_dir(),
        };
        v.push((path, is_dir));
    }
    v.sort();
    Ok(v)
}

/// The image files (by extension) of a directory's sorted entries.
fn image_files(dir: &Path) -> Result<Vec<PathBuf>> {
    Ok(sorted_entries(dir)?
        .into_iter()
        .filter(|(p, is_dir)| !is_dir && is_image(p))
        .map(|(p, _)| p)
        .collect())
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

impl ImageFolder {
    /// Reads `root/<class>/<image>`: classes are the sorted subfolder names, files are sorted
    /// within each class, only image extensions count (as torchvision's `ImageFolder`).
    pub fn open(root: &Path) -> Result<Self> {
        let class_dirs: Vec<PathBuf> = sorted_entries(root)?
            .into_iter()
            .filter_map(|(p, is_dir)| is_dir.then_some(p))
            .collect();
        if class_dirs.is_empty() {
            return Err(DataError::format(
                root,
                "no class folders found: expected root/<class>/<image> (or a flat folder with filename_label.csv)",
            ));
        }
        let classes: Vec<String> = class_dirs.iter().map(|p| file_name(p)).collect();
        let mut samples = Vec::new();
        for (label, dir) in class_dirs.iter().enumerate() {
            for path in image_files(dir)? {
                samples.push(Sample {
                    file_name: file_name(&path),
                    path,
                    label: label as u32,
                });
            }
        }
        if samples.is_empty() {
            return Err(DataError::format(
                root,
                format!(
                    "{} class folders but no image files ({})",
                    classes.len(),
                    IMAGE_EXTENSIONS.join(", ")
                ),
            ));
        }
        let original_class = (0..classes.len() as u32).collect();
        Ok(ImageFolder {
            root: root.to_path_buf(),
            classes,
            original_class,
            samples,
        })
    }

    /// A flat folder of images labelled by a `file_name,label` CSV (ImageNet-X's
    /// `filename_label.csv`); `classes` are the wnids of the label indices (from the train
    /// folder or `imagenet_labels.txt`). Files are in lexicographic name order. A CSV row whose
    /// file is missing is an error naming the row; images without a row are ignored.
    pub fn open_flat(dir: &Path, labels_csv: &Path, classes: Vec<String>) -> Result<Self> {
        let mut labels = HashMap::new();
        let mut reader = csv::Reader::from_path(labels_csv)
            .map_err(|e| DataError::format(labels_csv, e.to_string()))?;
        for (i, row) in reader.records().enumerate() {
            let line = i + 2;
            let row =
                row.map_err(|e| DataError::format(labels_csv, format!("line {line}: {e}")))?;
            let (Some(name), Some(label)) = (row.get(0), row.get(1)) else {
                return Err(DataError::format(
                    labels_csv,
                    format!("line {line}: expected `file_name,label`"),
                ));
            };
            let label: u32 = label.trim().parse().map_err(|_| {
                DataError::format(
                    labels_csv,
                    format!("line {line}: label {label:?} is not a class index"),
                )
            })?;
            if label as usize >= classes.len() {
                return Err(DataError::format(
                    labels_csv,
                    format!(
                        "line {line}: label {label} but only {} classes",
                        classes.len()
                    ),
                ));
            }
            labels.insert(name.trim().to_string(), (label, line));
        }
        let mut samples = Vec::new();
        for path in image_files(dir)? {
            let name = file_name(&path);
            if let Some((label, _)) = labels.remove(&name) {
                samples.push(Sample {
                    file_name: name,
                    path,
                    label,
                });
            }
        }
        if let Some((name, (_, line))) = labels.iter().min_by_key(|(_, (_, line))| *line) {
            return Err(DataError::format(
                labels_csv,
                format!(
                    "line {line}: {name} is not in {} ({} listed files missing)",
                    dir.display(),
                    labels.len()
                ),
            ));
        }
        let original_class = (0..classes.len() as u32).collect();
        Ok(ImageFolder {
            root: dir.to_path_buf(),
            classes,
            original_class,
            samples,
        })
    }

    /// Validation split in either layout: class folders, or flat images with `labels_csv`.
    pub fn open_val(dir: &Path, labels_csv: Option<&Path>, classes: Vec<String>) -> Result<Self> {
        let has_class_dirs = sorted_entries(dir)?.iter().any(|(_, is_dir)| *is_dir);
        match (has_class_dirs, labels_csv) {
            (true, _) => {
                let f = Self::open(dir)?;
                if !classes.is_empty() && f.classes != classes {
                    return Err(DataError::format(
                        dir,
                        "validation class folders differ from the training classes",
                    ));
                }
                Ok(f)
            }
            (false, Some(csv)) => Self::open_flat(dir, csv, classes),
            (false, None) => Err(DataError::format(
                dir,
                "flat validation folder: pass the labels CSV (filename_label.csv)",
            )),
        }
    }

    /// Keeps the selected classes (relabelled 0..k in the order given) and a fraction of each
    /// class's images (a seeded, per-class random choice, kept in file order).
    pub fn subset(&self, subset: &Subset) -> Result<Self> {
        let chosen: Vec<usize> = match &subset.classes {
            ClassSelection::All => (0..self.classes.len()).collect(),
            ClassSelection::First(n) => (0..(*n).min(self.classes.len())).collect(),
            ClassSelection::Random(n) => {
                let mut all: Vec<usize> = (0..self.classes.len()).collect();
                all.shuffle(&mut Pcg64::seed_from_u64(subset.seed));
                let mut v: Vec<usize> = all.into_iter().take(*n).collect();
                v.sort_unstable();
                v
            }
            ClassSelection::List(names) => names
                .iter()
                .map(|n| {
                    self.classes.iter().position(|c| c == n).ok_or_else(|| {
                        DataError::Invalid(format!("class {n:?} is not in {}", self.root.display()))
                    })
                })
                .collect::<Result<_>>()?,
        };
        if !(subset.fraction > 0.0 && subset.fraction <= 1.0) {
            return Err(DataError::Invalid(format!(
                "subset fraction {} must be within (0, 1]",
                subset.fraction
            )));
        }
        let mut samples = Vec::new();
        for (new, &old) in chosen.iter().enumerate() {
            let of_class: Vec<&Sample> = self
                .samples
                .iter()
                .filter(|s| s.label as usize == old)
                .collect();
            let keep = ((of_class.len() as f64 * subset.fraction).round() as usize)
                .max(1)
                .min(of_class.len());
            let mut pick: Vec<usize> = (0..of_class.len()).collect();
            pick.shuffle(&mut Pcg64::seed_from_u64(
                subset.seed ^ (old as u64).wrapping_mul(0x9E37_79B9),
            ));
            let mut pick: Vec<usize> = pick.into_iter().take(keep).collect();
            pick.sort_unstable();
            samples.extend(pick.into_iter().map(|i| Sample {
                label: new as u32,
                ..of_class[i].clone()
            }));
        }
        Ok(ImageFolder {
            root: self.root.clone(),
            classes: chosen.iter().map(|&i| self.classes[i].clone()).collect(),
            original_class: chosen.iter().map(|&i| self.original_class[i]).collect(),
            samples,
        })
    }

    /// The factor labels of each sample, joined by file name (`None`: not annotated).
    pub fn join_factors(&self, records: &[AnnotationRecord]) -> Vec<Option<FactorSet>> {
        let by_name: HashMap<&str, FactorSet> = records
            .iter()
            .map(|r| (r.file_name.as_str(), r.factors))
            .collect();
        self.samples
            .iter()
            .map(|s| by_name.get(s.file_name.as_str()).copied())
            .collect()
    }
}

/// Which classes a subset keeps.
#[derive(Debug, Clone, PartialEq)]
pub enum ClassSelection {
    All,
    /// The first n classes in index order.
    First(usize),
    /// n classes drawn with the subset's seed (kept in index order).
    Random(usize),
    /// These wnids, in this order.
    List(Vec<String>),
}

/// An ImageNet-100-style subset: some classes, a fraction of each class's images.
#[derive(Debug, Clone, PartialEq)]
pub struct Subset {
    pub classes: ClassSelection,
    pub fraction: f64,
    pub seed: u64,
}

impl Default for Subset {
    fn default() -> Self {
        Subset {
            classes: ClassSelection::All,
            fraction: 1.0,
            seed: 0,
        }
    }
}

/// Reads a class list file: one wnid per line (`#` comments and blank lines ignored); a
/// `wnid,label` line (ImageNet-X's `imagenet_labels.txt`) keeps the wnid.
pub fn read_class_list(path: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path).map_err(|e| DataError::io(path, e))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split(',').next().unwrap_or(l).trim().to_string())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::imagenet_like;
    use spillover_factors::Factor;

    #[test]
    fn class_folders_follow_imagefolder_rules() {
        let dir = tempfile::tempdir().unwrap();
        imagenet_like(dir.path());
        let f = ImageFolder::open(dir.path()).unwrap();
        assert_eq!(f.classes, vec!["n0", "n1", "n2"]);
        assert_eq!(
            f.samples.len(),
            16,
            "4 + 8 + 4 images; notes.txt is not an image"
        );
        assert_eq!(f.samples[4].file_name, "n1_0.JPEG");
        assert_eq!(f.samples[4].label, 1);
        assert!(
            f.samples
                .windows(2)
                .all(|w| (w[0].label, &w[0].file_name) < (w[1].label, &w[1].file_name))
        );
        let e = ImageFolder::open(&dir.path().join("n0"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("no class folders"), "{e}");
    }

    #[test]
    fn flat_validation_with_labels_csv() {
        let dir = tempfile::tempdir().unwrap();
        let val = dir.path().join("val");
        std::fs::create_dir_all(&val).unwrap();
        for i in 1..=3 {
            std::fs::write(
                val.join(format!("ILSVRC2012_val_{i:08}.JPEG")),
                crate::testutil::jpeg(8, 8, false),
            )
            .unwrap();
        }
        let csv = dir.path().join("filename_label.csv");
        std::fs::write(
            &csv,
            "file_name,label\nILSVRC2012_val_00000002.JPEG,1\nILSVRC2012_val_00000001.JPEG,0\n",
        )
        .unwrap();
        let classes = vec!["n0".to_string(), "n1".to_string()];
        let f = ImageFolder::open_val(&val, Some(&csv), classes.clone()).unwrap();
        let got: Vec<(&str, u32)> = f
            .samples
            .iter()
            .map(|s| (s.file_name.as_str(), s.label))
            .collect();
        assert_eq!(
            got,
            vec![
                ("ILSVRC2012_val_00000001.JPEG", 0),
                ("ILSVRC2012_val_00000002.JPEG", 1)
            ]
        );

        std::fs::write(
            &csv,
            "file_name,label\nILSVRC2012_val_00000001.JPEG,0\nmissing.JPEG,1\n",
        )
        .unwrap();
        let e = ImageFolder::open_flat(&val, &csv, classes.clone())
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3") && e.contains("missing.JPEG"), "{e}");
        std::fs::write(&csv, "file_name,label\nILSVRC2012_val_00000001.JPEG,7\n").unwrap();
        let e = ImageFolder::open_flat(&val, &csv, classes.clone())
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2") && e.contains("label 7"), "{e}");
        std::fs::write(&csv, "file_name,label\nILSVRC2012_val_00000001.JPEG,x\n").unwrap();
        assert!(
            ImageFolder::open_flat(&val, &csv, classes.clone())
                .unwrap_err()
                .to_string()
                .contains("not a class index")
        );
        assert!(
            ImageFolder::open_val(&val, None, classes)
                .unwrap_err()
                .to_string()
                .contains("filename_label.csv")
        );
    }

    #[test]
    fn subsets_pick_classes_and_fractions_deterministically() {
        let dir = tempfile::tempdir().unwrap();
        imagenet_like(dir.path());
        let f = ImageFolder::open(dir.path()).unwrap();
        let s = f
            .subset(&Subset {
                classes: ClassSelection::List(vec!["n2".into(), "n0".into()]),
                fraction: 0.5,
                seed: 3,
            })
            .unwrap();
        assert_eq!(s.classes, vec!["n2", "n0"]);
        assert_eq!(s.original_class, vec![2, 0]);
        assert_eq!(s.samples.len(), 4, "half of 4 + 4");
        assert!(
            s.samples[..2]
                .iter()
                .all(|x| x.label == 0 && x.file_name.starts_with("n2"))
        );
        assert_eq!(
            s,
            f.subset(&Subset {
                classes: ClassSelection::List(vec!["n2".into(), "n0".into()]),
                fraction: 0.5,
                seed: 3
            })
            .unwrap()
        );
        let first = f
            .subset(&Subset {
                classes: ClassSelection::First(2),
                ..Subset::default()
            })
            .unwrap();
        assert_eq!(first.samples.len(), 12);
        let random = f
            .subset(&Subset {
                classes: ClassSelection::Random(2),
                fraction: 1.0,
                seed: 1,
            })
            .unwrap();
        assert_eq!(random.classes.len(), 2);
        assert!(
            f.subset(&Subset {
                classes: ClassSelection::List(vec!["n9".into()]),
                ..Subset::default()
            })
            .is_err()
        );
        assert!(
            f.subset(&Subset {
                fraction: 0.0,
                ..Subset::default()
            })
            .is_err()
        );
    }

    #[test]
    fn factors_join_by_file_name() {
        let dir = tempfile::tempdir().unwrap();
        imagenet_like(dir.path());
        let f = ImageFolder::open(dir.path()).unwrap();
        let rec = AnnotationRecord {
            file_name: "n1_gray.JPEG".into(),
            class: 1,
            factors: [Factor::Color].into_iter().collect(),
            justification: String::new(),
            one_word: String::new(),
        };
        let joined = f.join_factors(&[rec]);
        assert_eq!(joined.iter().filter(|j| j.is_some()).count(), 1);
        let i = f
            .samples
            .iter()
            .position(|s| s.file_name == "n1_gray.JPEG")
            .unwrap();
        assert!(joined[i].unwrap().contains(Factor::Color));
    }
}
