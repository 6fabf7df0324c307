//! The scored image set: annotations joined with everything a score needs.

use super::ErrorType;
use crate::annotations::{AnnotationDir, AnnotationError, Partition, WhichFactor, files};
use crate::factor::{FactorSet, collapse_metaclass};
use crate::predictions::{ABSENT, NameIndex, ParseContext, PredictionError, read_predictions_file};
use rustc_hash::FxHashMap;
use std::path::Path;

/// Which annotations to score against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvalOptions {
    pub partition: Partition,
    pub which: WhichFactor,
    /// Drop the prototype images, as the toolkit does by default.
    pub filter_prototypes: bool,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions {
            partition: Partition::Val,
            which: WhichFactor::Top,
            filter_prototypes: true,
        }
    }
}

/// What to compute when scoring a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScoreOptions {
    /// Allow files that miss annotated images (score only those present).
    pub subset: bool,
    /// Keep per-image outcomes for bootstrap intervals.
    pub keep_outcomes: bool,
    /// Convert probabilities and fill the calibration bins (otherwise only validated).
    pub calibration: bool,
}

impl Default for ScoreOptions {
    fn default() -> Self {
        ScoreOptions {
            subset: false,
            keep_outcomes: false,
            calibration: true,
        }
    }
}

/// Errors building an [`EvalSet`] or scoring with it.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error(transparent)]
    Annotations(#[from] AnnotationError),
    #[error(transparent)]
    Predictions(#[from] PredictionError),
    #[error("{0}")]
    Unsupported(String),
}

/// The images that are scored, in annotation-file order (the toolkit's row order).
#[derive(Debug, Clone)]
pub struct EvalSet {
    pub options: EvalOptions,
    pub names: Vec<String>,
    pub class: Vec<u16>,
    pub factors: Vec<FactorSet>,
    /// Collapsed metaclass (index into [`crate::METACLASSES`]) of each image's label.
    pub metaclass: Vec<u8>,
    /// Collapsed metaclass of every class index.
    pub class_metaclass: Vec<u8>,
    /// ReaL label sets as CSR (`real_offsets[i]..real_offsets[i+1]` into `real_labels`), if known.
    real: Option<(Vec<u32>, Vec<u16>)>,
    pub num_classes: u32,
    pub index: NameIndex,
    description: String,
    /// Per image: id of its (metaclass, factor set) pair in `groups`, and of its factor set in
    /// `factor_sets`; scoring counts per id and expands at the end (far fewer updates per image).
    pub(crate) group: Vec<u32>,
    pub(crate) groups: Vec<(u8, FactorSet)>,
    pub(crate) factor_set: Vec<u32>,
    pub(crate) factor_sets: Vec<FactorSet>,
    /// ReaL sets of up to four labels padded with [`ABSENT`], for a branch-free membership test
    /// per image; `None` marks a longer set (look in `real`).
    real_short: Vec<Option<[u16; 4]>>,
}

impl EvalSet {
    /// Loads and joins the annotation files of `dir` for `options`.
    pub fn load(dir: &AnnotationDir, options: EvalOptions) -> Result<Self, EvalError> {
        Ok(Self::from_joined(Joined::read(dir, options)?, dir, options))
    }

    /// [`EvalSet::load`] through the compiled-annotation cache under [`crate::cache_root`]: the
    /// first load of an annotation set stores the joined arrays in a small binary file, later
    /// loads read that instead of parsing ~20 MB of JSONL (see [`super::compiled`]).
    pub fn load_cached(dir: &AnnotationDir, options: EvalOptions) -> Result<Self, EvalError> {
        let cache = super::compiled::Cache::default_location();
        Ok(Self::from_joined(cache.load(dir, options)?.0, dir, options))
    }

    pub(crate) fn from_joined(joined: Joined, dir: &AnnotationDir, options: EvalOptions) -> Self {
        let Joined {
            names,
            class,
            factors,
            class_metaclass,
            others,
            real,
        } = joined;
        let metaclass = class.iter().map(|&c| class_metaclass[c as usize]).collect();
        let index = NameIndex::new(&names, others.iter().map(String::as_str));
        let mut set = EvalSet {
            options,
            names,
            class,
            factors,
            metaclass,
            num_classes: class_metaclass.len() as u32,
            class_metaclass,
            real,
            index,
            group: Vec::new(),
            groups: Vec::new(),
            factor_set: Vec::new(),
            factor_sets: Vec::new(),
            description: format!("{} annotations in {}", options.which, dir.root().display()),
            real_short: Vec::new(),
        };
        set.index_groups();
        if set.real.is_some() {
            set.real_short = (0..set.len())
                .map(|i| {
                    let labels = set.real_labels(i);
                    let mut short = [ABSENT; 4];
                    short.get_mut(..labels.len())?.copy_from_slice(labels);
                    Some(short)
                })
                .collect();
        }
        set
    }

    fn index_groups(&mut self) {
        let mut groups: FxHashMap<(u8, u16), u32> = FxHashMap::default();
        let mut sets: FxHashMap<u16, u32> = FxHashMap::default();
        for (&meta, &factors) in self.metaclass.iter().zip(&self.factors) {
            let next = groups.len() as u32;
            let g = *groups.entry((meta, factors.0)).or_insert_with(|| {
                self.groups.push((meta, factors));
                next
            });
            self.group.push(g);
            let next = sets.len() as u32;
            let f = *sets.entry(factors.0).or_insert_with(|| {
                self.factor_sets.push(factors);
                next
            });
            self.factor_set.push(f);
        }
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Whether `real_class` can be scored (ReaL labels exist for the validation split only).
    pub fn has_real_labels(&self) -> bool {
        self.real.is_some()
    }

    /// The ReaL labels of scored image `i` (empty when unknown).
    pub fn real_labels(&self, i: usize) -> &[u16] {
        match &self.real {
            Some((offsets, labels)) => &labels[offsets[i] as usize..offsets[i + 1] as usize],
            None => &[],
        }
    }

    /// Whether `pred` is in the ReaL label set of scored image `i` (false when unknown).
    #[inline]
    pub(crate) fn in_real_labels(&self, i: usize, pred: u16) -> bool {
        match self.real_short.get(i) {
            Some(Some(s)) => (s[0] == pred) | (s[1] == pred) | (s[2] == pred) | (s[3] == pred),
            Some(None) => self.real_labels(i).contains(&pred),
            None => false,
        }
    }

    /// Checks that an error type can be scored with these annotations.
    pub fn check_error_type(&self, error_type: ErrorType) -> Result<(), EvalError> {
        if error_type == ErrorType::RealClass && !self.has_real_labels() {
            return Err(EvalError::Unsupported(format!(
                "error type real_class needs ReaL labels ({}), which exist for the val partition only; use --error-type class or metaclass",
                files::REAL_LABELS
            )));
        }
        Ok(())
    }

    /// Context for parsing prediction files against this set (`probabilities`: convert them,
    /// for calibration).
    pub fn parse_context(&self, probabilities: bool) -> ParseContext<'_> {
        ParseContext {
            index: &self.index,
            num_classes: self.num_classes,
            partition: self.options.partition.name(),
            universe: &self.description,
            probabilities,
        }
    }

    /// Reads a prediction file and scores it.
    pub fn score_file(
        &self,
        model: &str,
        path: &Path,
        options: ScoreOptions,
    ) -> Result<super::ModelScores, EvalError> {
        let preds = read_predictions_file(path, &self.parse_context(options.calibration))?;
        if preds.present == 0 {
            return Err(PredictionError::NoOverlap {
                path: path.to_path_buf(),
            }
            .into());
        }
        if !options.subset && preds.present < self.len() {
            let missing: Vec<&str> = preds
                .class
                .iter()
                .zip(&self.names)
                .filter(|(c, _)| **c == ABSENT)
                .map(|(_, n)| n.as_str())
                .collect();
            let first = missing
                .iter()
                .take(3)
                .copied()
                .collect::<Vec<_>>()
                .join(", ");
            return Err(PredictionError::Missing {
                path: path.to_path_buf(),
                missing: missing.len(),
                total: self.len(),
                first,
            }
            .into());
        }
        Ok(self.score(model, &preds.class, &preds.prob, options.keep_outcomes))
    }
}

/// The annotation files joined for one [`EvalOptions`], before indexing: what the
/// compiled-annotation cache stores.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Joined {
    /// Scored images in annotation-file order, with label and factor set.
    pub names: Vec<String>,
    pub class: Vec<u16>,
    pub factors: Vec<FactorSet>,
    /// Collapsed metaclass of every class index (its length is the number of classes).
    pub class_metaclass: Vec<u8>,
    /// Known but unscored names of the split (validation labels, prototypes).
    pub others: Vec<String>,
    /// ReaL label sets of the scored images as CSR, if the split has them.
    pub real: Option<(Vec<u32>, Vec<u16>)>,
}

impl Joined {
    /// The source files [`Joined::read`] reads for `options` (a missing ReaL file is allowed).
    pub(crate) fn sources(options: EvalOptions) -> Vec<String> {
        let mut sources = vec![
            files::factors(options.partition, options.which),
            files::METACLASSES.to_string(),
        ];
        if options.filter_prototypes {
            sources.push(files::PROTOTYPES.to_string());
        }
        if options.partition == Partition::Val {
            sources.push(files::FILENAME_LABEL.to_string());
            sources.push(files::REAL_LABELS.to_string());
        }
        sources
    }

    pub(crate) fn read(dir: &AnnotationDir, options: EvalOptions) -> Result<Self, EvalError> {
        // The files are independent: parse the big JSONL beside the rest.
        let (records, (metaclasses, (prototypes, val_labels))) = rayon::join(
            || dir.factor_records_without_text(options.partition, options.which),
            || {
                rayon::join(
                    || dir.metaclasses(),
                    || {
                        rayon::join(
                            || {
                                if options.filter_prototypes {
                                    dir.prototypes()
                                } else {
                                    Ok(vec![])
                                }
                            },
                            || match options.partition {
                                Partition::Val => dir.val_labels(),
                                Partition::Train => Ok(vec![]),
                            },
                        )
                    },
                )
            },
        );
        let (records, metaclasses, prototypes, val_labels) =
            (records?, metaclasses?, prototypes?, val_labels?);
        let class_metaclass: Vec<u8> = metaclasses
            .iter()
            .map(|m| collapse_metaclass(&m.name))
            .collect();
        let num_classes = class_metaclass.len() as u32;
        let factor_file = dir.path(&files::factors(options.partition, options.which));
        if num_classes == 0 || num_classes > u32::from(u16::MAX) {
            return Err(AnnotationError::Invalid {
                path: dir.path(files::METACLASSES),
                message: format!("{num_classes} classes; expected between 1 and 65535 rows"),
            }
            .into());
        }
        let is_prototype: rustc_hash::FxHashSet<&str> =
            prototypes.iter().map(String::as_str).collect();
        let mut seen = rustc_hash::FxHashSet::default();
        for (line, r) in records.iter().enumerate() {
            if !seen.insert(r.file_name.as_str()) {
                return Err(AnnotationError::parse(
                    &factor_file,
                    line + 1,
                    format!("`{}` is annotated twice", r.file_name),
                )
                .into());
            }
        }
        drop(seen);
        let mut joined = Joined {
            names: Vec::with_capacity(records.len()),
            class: Vec::with_capacity(records.len()),
            factors: Vec::with_capacity(records.len()),
            class_metaclass,
            others: Vec::new(),
            real: None,
        };
        for (line, r) in records.into_iter().enumerate() {
            if r.class >= num_classes {
                return Err(AnnotationError::parse(
                    &factor_file,
                    line + 1,
                    format!(
                        "class {} but the metaclass file lists only {num_classes} classes",
                        r.class
                    ),
                )
                .into());
            }
            if is_prototype.contains(r.file_name.as_str()) {
                continue;
            }
            joined.class.push(r.class as u16);
            joined.factors.push(r.factors);
            joined.names.push(r.file_name);
        }
        if options.partition == Partition::Val && dir.path(files::REAL_LABELS).is_file() {
            joined.real = Some(load_real(dir, &joined.names, &val_labels)?);
        }
        drop(is_prototype);
        joined.others = val_labels.into_iter().map(|(n, _)| n).collect();
        joined.others.extend(prototypes);
        Ok(joined)
    }
}

/// Sorts file names lexicographically; ImageNet's `ILSVRC2012_val_NNNNNNNN.JPEG` names, whose
/// order is their number's, are sorted by number (much faster than comparing strings).
fn sort_file_names(names: &mut [&str]) {
    let numbers: Option<Vec<usize>> = names
        .iter()
        .map(|n| crate::predictions::imagenet_val_number(n.as_bytes()))
        .collect();
    match numbers {
        Some(numbers) => {
            let mut keyed: Vec<(usize, &str)> =
                numbers.into_iter().zip(names.iter().copied()).collect();
            keyed.sort_unstable_by_key(|(k, _)| *k);
            names
                .iter_mut()
                .zip(keyed)
                .for_each(|(slot, (_, n))| *slot = n);
        }
        None => names.sort_unstable(),
    }
}

/// Joins the ReaL file (element i = i-th validation name in lexicographic order) to the scored images.
fn load_real(
    dir: &AnnotationDir,
    names: &[String],
    val_labels: &[(String, u32)],
) -> Result<(Vec<u32>, Vec<u16>), EvalError> {
    let real = dir.real_labels()?;
    let mut sorted: Vec<&str> = val_labels.iter().map(|(n, _)| n.as_str()).collect();
    sort_file_names(&mut sorted);
    if real.len() != sorted.len() {
        return Err(AnnotationError::Invalid {
            path: dir.path(files::REAL_LABELS),
            message: format!(
                "{} label sets but {} lists {} validation images; element i belongs to the i-th file name in sorted order",
                real.len(),
                files::FILENAME_LABEL,
                sorted.len()
            ),
        }
        .into());
    }
    let position: FxHashMap<&str, usize> =
        sorted.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let mut offsets = Vec::with_capacity(names.len() + 1);
    let mut labels = Vec::new();
    offsets.push(0u32);
    for name in names {
        if let Some(&p) = position.get(name.as_str()) {
            labels.extend(real[p].iter().map(|&c| c.min(u32::from(u16::MAX)) as u16));
        }
        offsets.push(labels.len() as u32);
    }
    Ok((offsets, labels))
}
