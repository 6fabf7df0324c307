//! Writing a world to disk: PNGs in class folders, the ImageNet-X annotation directory, the
//! resolved config and a manifest of counts.

use super::config::{Split, WorldConfig};
use super::{PlannedImage, plan, render_image, wnid};
use crate::error::{DataError, Result};
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder};
use rayon::prelude::*;
use serde::Serialize;
use spillover_factors::annotations::{
    AnnotationRecord, AnnotationSet, ClassLabel, MetaclassRow, write_annotation_set,
};
use spillover_factors::atomic::write_bytes_atomic;
use spillover_factors::{Factor, FactorSet, METACLASSES, NUM_FACTORS};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Encodes row-major RGB as PNG bytes.
pub fn encode_png(rgb: &[u8], width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(rgb.len() / 2);
    PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Adaptive)
        .write_image(rgb, width, height, ExtendedColorType::Rgb8)
        .expect("encoding RGB8 into memory cannot fail");
    out
}

/// Writes an image file via a temporary name and a rename, so a killed run never leaves a
/// truncated PNG under its final name. (No fsync per image: thousands of tiny files would
/// spend most of the run waiting on the disk, and a rerun regenerates identical bytes.)
fn write_image_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("png.tmp");
    std::fs::write(&tmp, bytes)
        .and_then(|_| std::fs::rename(&tmp, path))
        .map_err(|e| DataError::io(path, e))
}

/// What one split's generation produced, per image.
struct Made {
    image: PlannedImage,
    factors: FactorSet,
    visible: Vec<usize>,
}

/// Counts written to `manifest.json`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SplitCounts {
    pub images: usize,
    pub annotated: usize,
    pub per_class: Vec<usize>,
    /// Images whose top factor is each factor.
    pub top_factor: BTreeMap<String, usize>,
    /// Images on which each factor is active (multi-factor labels).
    pub multi_factor: BTreeMap<String, usize>,
    /// `per_class_top_factor[c][f]`: images of class c with top factor f ([`Factor::ALL`] order).
    pub per_class_top_factor: Vec<[usize; NUM_FACTORS]>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ClassEntry {
    pub index: usize,
    pub wnid: String,
    pub name: String,
    pub metaclass: String,
    pub subcategory: String,
}

/// `manifest.json`: what a generated world contains. Deterministic (no timings, no paths).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Manifest {
    pub generator: String,
    pub seed: u64,
    pub image_size: u32,
    pub factors: Vec<String>,
    pub classes: Vec<ClassEntry>,
    pub splits: BTreeMap<String, SplitCounts>,
}

/// Result of [`generate`].
#[derive(Debug, Clone)]
pub struct GenerateSummary {
    pub images: usize,
    pub manifest: Manifest,
}

fn counts(cfg: &WorldConfig, made: &[Made]) -> SplitCounts {
    let k = cfg.classes.len();
    let mut c = SplitCounts {
        images: made.len(),
        annotated: 0,
        per_class: vec![0; k],
        top_factor: Factor::ALL
            .iter()
            .map(|f| (f.name().to_string(), 0))
            .collect(),
        multi_factor: Factor::ALL
            .iter()
            .map(|f| (f.name().to_string(), 0))
            .collect(),
        per_class_top_factor: vec![[0; NUM_FACTORS]; k],
    };
    for m in made {
        c.per_class[m.image.class] += 1;
        if let Some(top) = m.image.top {
            c.annotated += 1;
            *c.top_factor.get_mut(top.name()).expect("all factors") += 1;
            c.per_class_top_factor[m.image.class][top.index()] += 1;
        }
        for f in m.factors.iter() {
            *c.multi_factor.get_mut(f.name()).expect("all factors") += 1;
        }
    }
    c
}

fn record(m: &Made, factors: FactorSet) -> AnnotationRecord {
    let top = m.image.top.expect("only annotated images are recorded");
    let names: Vec<&str> = m.factors.iter().map(Factor::name).collect();
    AnnotationRecord {
        file_name: m.image.file_name.clone(),
        class: m.image.class as u32,
        factors,
        justification: format!("synthetic world: rendered with {}", names.join(", ")),
        one_word: top.name().to_string(),
    }
}

/// Makes `out` ready: a new or empty directory, or a previous world whose image folders are
/// removed first (stale images of a larger earlier world would otherwise join the new one).
/// Any other non-empty directory is refused rather than mixed into.
fn prepare_output(out: &Path) -> Result<()> {
    let entries: Vec<_> = match std::fs::read_dir(out) {
        Ok(rd) => rd.filter_map(|e| e.ok()).collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(DataError::io(out, e)),
    };
    if entries.is_empty() {
        return Ok(());
    }
    if !out.join("manifest.json").is_file() {
        return Err(DataError::format(
            out,
            "is not empty and holds no generated world (no manifest.json); choose an empty or new directory",
        ));
    }
    for split in Split::ALL {
        let dir = out.join(split.name());
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| DataError::io(&dir, e))?;
        }
    }
    Ok(())
}

/// Generates the whole world under `out`: `train/<wnid>/*.png`, `val/<wnid>/*.png`,
/// `annotations/` (ImageNet-X formats), `world.toml` (resolved config) and `manifest.json`.
/// `progress(done, total)` is called from worker threads as images finish.
pub fn generate(
    cfg: &WorldConfig,
    out: &Path,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<GenerateSummary> {
    cfg.validate().map_err(|m| DataError::Config {
        path: "world config".into(),
        message: m,
    })?;
    prepare_output(out)?;
    let plans: Vec<(Split, Vec<PlannedImage>)> =
        Split::ALL.iter().map(|&s| (s, plan(cfg, s))).collect();
    let total: usize = plans.iter().map(|(_, p)| p.len()).sum();
    let done = AtomicUsize::new(0);
    let mut made_by_split = Vec::new();
    for (split, images) in plans {
        let made = write_split(cfg, out, split, images, &|| {
            progress(done.fetch_add(1, Ordering::Relaxed) + 1, total)
        })?;
        made_by_split.push((split, made));
    }

    let ann = out.join("annotations");
    let set = annotation_set(cfg, &made_by_split);
    write_annotation_set(&ann, &set).map_err(|e| DataError::Annotations {
        path: ann.clone(),
        cause: Box::new(e),
    })?;
    let splits = made_by_split
        .iter()
        .map(|(split, made)| (split.name().to_string(), counts(cfg, made)))
        .collect();
    let manifest = manifest(cfg, splits);
    write_metadata(cfg, out, &manifest)?;
    Ok(GenerateSummary {
        images: total,
        manifest,
    })
}

/// Renders the `images` of `split` in parallel and writes them as PNGs into their class
/// folders; `one_done` is called as each image is written.
fn write_split(
    cfg: &WorldConfig,
    out: &Path,
    split: Split,
    images: Vec<PlannedImage>,
    one_done: &(dyn Fn() + Sync),
) -> Result<Vec<Made>> {
    for c in 0..cfg.classes.len() {
        let dir = out.join(split.name()).join(wnid(c));
        std::fs::create_dir_all(&dir).map_err(|e| DataError::io(&dir, e))?;
    }
    images
        .into_par_iter()
        .map(|image| {
            let (spec, pixels) = render_image(cfg, split, &image);
            let path = out
                .join(split.name())
                .join(wnid(image.class))
                .join(&image.file_name);
            write_image_file(
                &path,
                &encode_png(&pixels.rgb, cfg.image_size, cfg.image_size),
            )?;
            one_done();
            Ok(Made {
                visible: spec.visible_classes(),
                factors: spec.factors,
                image,
            })
        })
        .collect()
}

/// The world's ImageNet-X annotation set: classes and metaclasses, top-factor and multi-factor
/// annotations of both splits, validation labels, ReaL labels (the classes visible in each
/// validation image) and prototypes.
fn annotation_set(cfg: &WorldConfig, made_by_split: &[(Split, Vec<Made>)]) -> AnnotationSet {
    let templates = cfg.templates();
    let mut set = AnnotationSet {
        classes: (0..cfg.classes.len())
            .map(|c| ClassLabel {
                wnid: wnid(c),
                label: cfg.classes[c].clone(),
            })
            .collect(),
        metaclasses: templates
            .iter()
            .map(|t| {
                let id = METACLASSES
                    .iter()
                    .position(|m| *m == t.metaclass)
                    .unwrap_or(METACLASSES.len() - 1);
                MetaclassRow {
                    wnid: format!("m{id:08}"),
                    name: t.metaclass.to_string(),
                    id: id as u32,
                }
            })
            .collect(),
        real_labels: Some(Vec::new()),
        ..AnnotationSet::default()
    };
    for (split, made) in made_by_split {
        let annotated = made.iter().filter(|m| m.image.top.is_some());
        let top: Vec<AnnotationRecord> = annotated
            .clone()
            .map(|m| record(m, [m.image.top.expect("annotated")].into_iter().collect()))
            .collect();
        let multi: Vec<AnnotationRecord> = annotated.map(|m| record(m, m.factors)).collect();
        match split {
            Split::Val => {
                set.val_top = top;
                set.val_multi = multi;
                set.val_labels = made
                    .iter()
                    .map(|m| (m.image.file_name.clone(), m.image.class as u32))
                    .collect();
                set.real_labels = Some(
                    made.iter()
                        .map(|m| {
                            (
                                m.image.file_name.clone(),
                                m.visible.iter().map(|&c| c as u32).collect(),
                            )
                        })
                        .collect(),
                );
            }
            Split::Train => {
                set.train_top = top;
                set.train_multi = multi;
                set.prototypes = prototypes(cfg, made);
            }
        }
    }
    set
}

/// The first few prototypical train images of each class stand for the toolkit's prototypes
/// (shown to annotators; filtered out of scoring).
fn prototypes(cfg: &WorldConfig, train: &[Made]) -> Vec<String> {
    let mut prototypes = Vec::new();
    let mut per_class = vec![0; cfg.classes.len()];
    for m in train.iter().filter(|m| m.image.top.is_none()) {
        if per_class[m.image.class] < 3 {
            per_class[m.image.class] += 1;
            prototypes.push(m.image.file_name.clone());
        }
    }
    prototypes
}

/// The manifest of the world of `cfg` with the counts of each split.
fn manifest(cfg: &WorldConfig, splits: BTreeMap<String, SplitCounts>) -> Manifest {
    Manifest {
        generator: format!("spillover-data {} world v1", env!("CARGO_PKG_VERSION")),
        seed: cfg.seed,
        image_size: cfg.image_size,
        factors: Factor::ALL.iter().map(|f| f.name().to_string()).collect(),
        classes: cfg
            .templates()
            .iter()
            .enumerate()
            .map(|(i, t)| ClassEntry {
                index: i,
                wnid: wnid(i),
                name: t.name.into(),
                metaclass: t.metaclass.into(),
                subcategory: t.variant.into(),
            })
            .collect(),
        splits,
    }
}

/// Writes `manifest.json` and the resolved config `world.toml` into `out`.
fn write_metadata(cfg: &WorldConfig, out: &Path, manifest: &Manifest) -> Result<()> {
    let path = out.join("manifest.json");
    let json = serde_json::to_vec_pretty(manifest).expect("manifest serialises");
    write_bytes_atomic(&path, &json).map_err(|e| DataError::io(&path, e))?;
    let path = out.join("world.toml");
    let toml = format!(
        "# Resolved configuration of this world (regenerate with `spillover world generate --config world.toml`).\n{}",
        cfg.to_toml()
    );
    write_bytes_atomic(&path, toml.as_bytes()).map_err(|e| DataError::io(&path, e))
}
