//! Where a run's images come from: the `[data]` section (parsed by `spillover-data`'s
//! [`DataSection`]), resolved to `spillover-data` datasets behind its prefetching loader, with the
//! `[[augment]]` pipeline (`spillover-augment`'s [`PipelineSpec`]).
//!
//! - No `path`: the synthetic factor world (the embedded default config, or `world = FILE`). It
//!   is rendered once per world config into the spillover cache (`worlds/<hash>/`, the same
//!   layout `spillover world generate` writes, annotations included) and held in memory.
//! - `path = DIR`: ImageNet folders `DIR/train/<wnid>/*` and `DIR/val/` (class folders, or flat
//!   with `val_labels = "filename_label.csv"`), optionally the first `classes` classes and a
//!   `fraction` of each; the ImageNet-X annotations from `annotations` or the default download.
//!   Predictions are exported as the annotations' class indices (ImageNet-1k for ImageNet-X):
//!   each class folder's wnid is looked up in the annotations' `imagenet_labels.txt`, so a
//!   folder holding any subset of ImageNet's classes is scored against the right classes. Class
//!   folders that are not in that list are custom data: the run has no factor table.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::Digest;
use spillover_augment::tensor::{IMAGENET_MEAN, IMAGENET_STD};
use spillover_augment::{Pipeline, PipelineSpec, Registry, presets};
use spillover_data::world::config::WorldConfig;
use spillover_data::{
    ClassSelection, Dataset, DecodedDataset, ImageFolder, Loader, LoaderConfig, Subset,
};
pub use spillover_data::{DEFAULT_IMAGE_SIZE, DataSection};

use crate::TrainError;
use crate::data::{TensorBatch, TensorBatches, TrainData};

/// Tensor batches from `spillover-data` loaders.
pub struct LoaderData {
    train: Arc<dyn Dataset>,
    eval: Arc<dyn Dataset>,
    train_pipeline: Arc<Pipeline>,
    eval_pipeline: Arc<Pipeline>,
    shape: [usize; 3],
    classes: usize,
    class_map: Vec<u32>,
    annotations: Result<PathBuf, String>,
    workers: usize,
    prefetch: usize,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The directory holding the rendered world of `cfg`, rendering it on first use.
pub fn world_dir(cfg: &WorldConfig, progress: bool) -> Result<PathBuf, TrainError> {
    // The renderer's version is part of the key: a new renderer renders the same config anew.
    let keyed = format!(
        "renderer {}\n{}",
        spillover_data::world::RENDERER_VERSION,
        cfg.to_toml()
    );
    let key = hex(&sha2::Sha256::digest(keyed.as_bytes())[..8]);
    let root = spillover_factors::annotations::cache_root().join("worlds");
    let dir = root.join(&key);
    if dir.join("manifest.json").is_file() {
        return Ok(dir);
    }
    // Render beside the final place and rename, so a crash never leaves half a world.
    let tmp = root.join(format!(".{key}.tmp.{}", std::process::id()));
    let bar = if progress {
        indicatif::ProgressBar::new(0)
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "rendering world [{bar:30}] {pos}/{len} images [{eta}]",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    tracing::info!(
        "rendering the synthetic world into {} (once per world config)",
        dir.display()
    );
    spillover_data::world::write::generate(cfg, &tmp, &|done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })?;
    bar.finish_and_clear();
    match std::fs::rename(&tmp, &dir) {
        Ok(()) => Ok(dir),
        // Another run rendered the same world meanwhile: use that one.
        Err(_) if dir.join("manifest.json").is_file() => {
            let _ = std::fs::remove_dir_all(&tmp);
            Ok(dir)
        }
        Err(e) => Err(TrainError::io(&dir, e)),
    }
}

fn in_memory(folder: &Path) -> Result<DecodedDataset, TrainError> {
    let images = ImageFolder::open(folder)?;
    let (dataset, skipped) = DecodedDataset::from_folder(&images);
    for s in &skipped {
        tracing::warn!("skipped {}: {}", s.path.display(), s.reason);
    }
    Ok(dataset)
}

impl LoaderData {
    /// Opens the data of `section` with the `[[augment]]` pipeline `augment` (built-in ops).
    pub fn open(
        section: &DataSection,
        augment: &PipelineSpec,
        progress: bool,
    ) -> Result<Self, TrainError> {
        Self::open_with(section, augment, &Registry::default(), progress)
    }

    /// [`LoaderData::open`] with the ops of `registry` (built-ins plus a user's own).
    pub fn open_with(
        section: &DataSection,
        augment: &PipelineSpec,
        registry: &Registry,
        progress: bool,
    ) -> Result<Self, TrainError> {
        let user_pipeline = augment.build(registry).map_err(|e| TrainError::Config {
            origin: "[[augment]]".into(),
            message: e.to_string(),
        })?;
        let workers = section.workers;
        let prefetch = section.prefetch.unwrap_or(4).max(1);
        match &section.path {
            None => {
                let cfg = match &section.world {
                    Some(path) => WorldConfig::load(path)?,
                    None => WorldConfig::default(),
                };
                let dir = world_dir(&cfg, progress)?;
                let size = cfg.image_size as usize;
                Ok(Self {
                    train: Arc::new(in_memory(&dir.join("train"))?),
                    eval: Arc::new(in_memory(&dir.join("val"))?),
                    train_pipeline: Arc::new(user_pipeline),
                    eval_pipeline: Arc::new(Pipeline::new(vec![])),
                    shape: [3, size, size],
                    classes: cfg.classes.len(),
                    class_map: (0..cfg.classes.len() as u32).collect(),
                    annotations: Ok(section
                        .annotations
                        .clone()
                        .unwrap_or_else(|| dir.join("annotations"))),
                    workers,
                    prefetch,
                })
            }
            Some(root) => {
                let subset = Subset {
                    classes: section
                        .classes
                        .map_or(ClassSelection::All, ClassSelection::First),
                    fraction: section.fraction.unwrap_or(1.0),
                    seed: 0,
                };
                let train = ImageFolder::open(&root.join("train"))?;
                let val = ImageFolder::open_val(
                    &root.join("val"),
                    section.val_labels.as_deref(),
                    train.classes.clone(),
                )?;
                let train = train.subset(&subset)?;
                let val = val.subset(&Subset {
                    fraction: 1.0,
                    ..subset
                })?;
                let size = section.image_size.unwrap_or(DEFAULT_IMAGE_SIZE);
                let resize = section.eval_resize.unwrap_or(size * 8 / 7);
                if augment.is_empty() {
                    return Err(TrainError::Config {
                        origin: "[[augment]]".into(),
                        message: format!(
                            "ImageNet images differ in size: the training pipeline must end in a fixed-size crop, e.g.\n[[augment]]\nname = \"random_resized_crop\"\nsize = {size}"
                        ),
                    });
                }
                let annotations = section
                    .annotations
                    .clone()
                    .unwrap_or_else(spillover_factors::annotations::default_dir);
                let (class_map, annotations) = annotated_classes(&train, annotations);
                Ok(Self {
                    classes: train.classes.len(),
                    class_map,
                    train: Arc::new(train),
                    eval: Arc::new(val),
                    train_pipeline: Arc::new(user_pipeline),
                    eval_pipeline: Arc::new(presets::eval_transform(resize, size)),
                    shape: [3, size as usize, size as usize],
                    annotations,
                    workers,
                    prefetch,
                })
            }
        }
    }

    fn batches(
        &self,
        eval: bool,
        seed: u64,
        batch_size: usize,
    ) -> Result<TensorBatches<'_>, TrainError> {
        let (dataset, pipeline) = if eval {
            (&self.eval, &self.eval_pipeline)
        } else {
            (&self.train, &self.train_pipeline)
        };
        let config = LoaderConfig {
            batch_size,
            shuffle: !eval,
            drop_last: !eval,
            workers: self.workers,
            prefetch: self.prefetch,
        };
        let loader = Loader::new(dataset.clone(), pipeline.clone(), config)?;
        let dataset = dataset.clone();
        let [c, h, w] = self.shape;
        let epoch = loader.epoch(seed, 0);
        Ok(Box::new(epoch.map(move |b| {
            let b = b?;
            for s in &b.skipped {
                tracing::warn!("skipped {}: {}", s.path.display(), s.reason);
            }
            if b.n > 0 && (b.c, b.h, b.w) != (c, h, w) {
                return Err(TrainError::Config {
                    origin: "[[augment]]".into(),
                    message: format!(
                        "the pipeline produced {}x{} images but the model expects {h}x{w}; end it with a crop or resize to {h}",
                        b.h, b.w
                    ),
                });
            }
            let file_names = b.indices.iter().map(|&i| dataset.name(i).to_string()).collect();
            Ok(TensorBatch { images: b.images, labels: b.labels, file_names, shape: [b.n, c, h, w] })
        })))
    }
}

impl TrainData for LoaderData {
    fn num_classes(&self) -> usize {
        self.classes
    }
    fn image_shape(&self) -> [usize; 3] {
        self.shape
    }
    fn train_len(&self) -> usize {
        self.train.len()
    }
    fn eval_len(&self) -> usize {
        self.eval.len()
    }
    fn normalization(&self) -> Option<([f32; 3], [f32; 3])> {
        Some((IMAGENET_MEAN, IMAGENET_STD))
    }
    fn train_batches(&self, seed: u64, batch_size: usize) -> Result<TensorBatches<'_>, TrainError> {
        self.batches(false, seed, batch_size)
    }
    fn eval_batches(&self, batch_size: usize) -> Result<TensorBatches<'_>, TrainError> {
        self.batches(true, 0, batch_size)
    }
    fn prediction_class(&self, class: usize) -> u32 {
        self.class_map[class]
    }
    fn annotations(&self) -> Result<PathBuf, String> {
        self.annotations.clone()
    }
}

/// The class index each class of `folder` has in the annotations at `dir` (its row in their
/// `imagenet_labels.txt`, found by wnid: ImageNet-1k's index for the ImageNet-X files), and the
/// annotations to score against, or why the run cannot be scored.
///
/// Without a class list (no annotations, or a set without `imagenet_labels.txt`) the classes keep
/// their index among the folder's sorted class folders, which is ImageNet-1k's only for a folder
/// holding all 1,000 classes.
fn annotated_classes(folder: &ImageFolder, dir: PathBuf) -> (Vec<u32>, Result<PathBuf, String>) {
    use spillover_factors::annotations::{AnnotationDir, files};
    let folder_index = folder.original_class.clone();
    if !dir.is_dir() {
        let reason = format!(
            "no ImageNet-X annotations at {}: fetch them with `spillover annotations fetch`, or give annotations of these images with `--annotations DIR` or data.annotations",
            dir.display()
        );
        return (folder_index, Err(reason));
    }
    let labels = match AnnotationDir::open(&dir).and_then(|d| d.class_labels()) {
        Ok(labels) => labels,
        Err(e) => {
            tracing::warn!(
                "{e}: predicted classes are indices among the {} class folders",
                folder.classes.len()
            );
            return (folder_index, Ok(dir));
        }
    };
    let index: std::collections::HashMap<&str, u32> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.wnid.as_str(), i as u32))
        .collect();
    let mapped: Result<Vec<u32>, &String> = folder
        .classes
        .iter()
        .map(|wnid| index.get(wnid.as_str()).copied().ok_or(wnid))
        .collect();
    match mapped {
        Ok(map) => (map, Ok(dir)),
        Err(wnid) => {
            let reason = format!(
                "the class folder `{wnid}` is not a class of the annotations at {} (not in its {}): custom data; give annotations of these images with `--annotations DIR` or data.annotations to score them",
                dir.display(),
                files::LABELS
            );
            (folder_index, Err(reason))
        }
    }
}
