//! The batch loader: decode + augment + normalize on a pool of worker threads, several batches
//! in flight ahead of the consumer, samples shuffled by `(seed, epoch)`.
//!
//! ```no_run
//! use spillover_data::{DecodedDataset, Loader, LoaderConfig};
//! use spillover_data::world::{Split, WorldConfig};
//! use spillover_augment::presets;
//! use std::sync::Arc;
//!
//! let train = Arc::new(DecodedDataset::from_world(&WorldConfig::default(), Split::Train));
//! let loader = Loader::new(train, Arc::new(presets::imagenet_train(64)), LoaderConfig { batch_size: 128, ..Default::default() })?;
//! for batch in loader.epoch(0, 1) {
//!     let batch = batch?; // [n, 3, h, w] normalized f32 in batch.images, classes in batch.labels
//!     # let _ = batch;
//! }
//! # Ok::<(), spillover_data::DataError>(())
//! ```
//!
//! Determinism: the order is a permutation drawn from `(seed, epoch)`, each sample's
//! augmentation from `(seed, epoch, dataset index)` (see `spillover_augment::rng`), so batches
//! are identical for any number of workers. Unreadable files are skipped: the batch is one
//! sample shorter, lists the file in [`LoaderBatch::skipped`], and [`Loader::skipped`] collects them.

use crate::dataset::{Dataset, Skipped};
use crate::error::DataError;
use rayon::prelude::*;
use spillover_augment::{Image, Normalize, Pipeline, rng};
use std::collections::VecDeque;
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex};

/// One batch as the loader yields it: `images` is `[n, c, h, w]` row-major, normalized; samples
/// are named by dataset index, and files that failed are listed (the trainer turns it into its
/// own tensor batch keyed by file name).
#[derive(Debug, Clone, PartialEq)]
pub struct LoaderBatch {
    pub images: Vec<f32>,
    pub labels: Vec<u32>,
    /// Dataset index of each sample (names via [`Dataset::name`]).
    pub indices: Vec<usize>,
    pub n: usize,
    pub c: usize,
    pub h: usize,
    pub w: usize,
    /// Samples of this batch that could not be loaded.
    pub skipped: Vec<Skipped>,
}

/// Loader settings.
#[derive(Debug, Clone, PartialEq)]
pub struct LoaderConfig {
    pub batch_size: usize,
    /// Shuffle by `(seed, epoch)`; off for evaluation (dataset order).
    pub shuffle: bool,
    /// Drop the last incomplete batch (training).
    pub drop_last: bool,
    /// Worker threads (0: all cores).
    pub workers: usize,
    /// Batches prepared ahead of the consumer.
    pub prefetch: usize,
}

impl Default for LoaderConfig {
    fn default() -> Self {
        LoaderConfig {
            batch_size: 256,
            shuffle: true,
            drop_last: true,
            workers: 0,
            prefetch: 4,
        }
    }
}

/// Feeds batches of a [`Dataset`] through an augmentation [`Pipeline`].
pub struct Loader<D: Dataset + ?Sized> {
    dataset: Arc<D>,
    pipeline: Arc<Pipeline>,
    normalize: Arc<Normalize>,
    config: LoaderConfig,
    pool: Arc<rayon::ThreadPool>,
    skipped: Arc<Mutex<Vec<Skipped>>>,
}

impl<D: Dataset + ?Sized + 'static> Loader<D> {
    /// A loader with ImageNet normalization.
    pub fn new(
        dataset: Arc<D>,
        pipeline: Arc<Pipeline>,
        config: LoaderConfig,
    ) -> Result<Self, DataError> {
        Self::with_normalize(dataset, pipeline, Normalize::default(), config)
    }

    pub fn with_normalize(
        dataset: Arc<D>,
        pipeline: Arc<Pipeline>,
        normalize: Normalize,
        config: LoaderConfig,
    ) -> Result<Self, DataError> {
        if config.batch_size == 0 {
            return Err(DataError::Invalid("batch_size must be at least 1".into()));
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(config.workers)
            .thread_name(|i| format!("spillover-loader-{i}"))
            .build()
            .map_err(|e| DataError::Invalid(format!("cannot start loader threads: {e}")))?;
        Ok(Loader {
            dataset,
            pipeline,
            normalize: Arc::new(normalize),
            config,
            pool: Arc::new(pool),
            skipped: Arc::default(),
        })
    }

    pub fn dataset(&self) -> &Arc<D> {
        &self.dataset
    }

    /// Number of batches in an epoch.
    pub fn batches_per_epoch(&self) -> usize {
        let (n, b) = (self.dataset.len(), self.config.batch_size);
        if self.config.drop_last {
            n / b
        } else {
            n.div_ceil(b)
        }
    }

    /// Every file skipped so far, across epochs (each file once).
    pub fn skipped(&self) -> Vec<Skipped> {
        self.skipped.lock().expect("not poisoned").clone()
    }

    /// Sample order of an epoch: a permutation from `(seed, epoch)`, or dataset order.
    pub fn order(&self, seed: u64, epoch: u64) -> Vec<usize> {
        if self.config.shuffle {
            rng::permutation(
                &mut rng::batch_rng(seed, epoch, u64::MAX),
                self.dataset.len(),
            )
        } else {
            (0..self.dataset.len()).collect()
        }
    }

    /// The batches of one epoch, prepared in the background.
    pub fn epoch(&self, seed: u64, epoch: u64) -> EpochIter<D> {
        let order = self.order(seed, epoch);
        let b = self.config.batch_size;
        let chunks: VecDeque<Vec<usize>> = order
            .chunks(b)
            .take(self.batches_per_epoch())
            .map(<[usize]>::to_vec)
            .collect();
        let mut it = EpochIter {
            loader: self.clone_handle(),
            seed,
            epoch,
            pending: chunks,
            in_flight: VecDeque::new(),
        };
        for _ in 0..self.config.prefetch.max(1) {
            it.submit();
        }
        it
    }

    fn clone_handle(&self) -> Loader<D> {
        Loader {
            dataset: self.dataset.clone(),
            pipeline: self.pipeline.clone(),
            normalize: self.normalize.clone(),
            config: self.config.clone(),
            pool: self.pool.clone(),
            skipped: self.skipped.clone(),
        }
    }
}

/// Loads, augments and normalizes one batch (runs on the loader's pool).
fn make_batch<D: Dataset + ?Sized>(
    ds: &D,
    pipeline: &Pipeline,
    norm: &Normalize,
    seed: u64,
    epoch: u64,
    indices: &[usize],
) -> Result<LoaderBatch, DataError> {
    let results: Vec<Result<Image, DataError>> = indices
        .par_iter()
        .map(|&i| {
            ds.load(i)
                .map(|img| pipeline.apply_sample(img, seed, epoch, i as u64))
        })
        .collect();
    let mut images = Vec::with_capacity(indices.len());
    let mut kept = Vec::with_capacity(indices.len());
    let mut skipped = Vec::new();
    for (r, &i) in results.into_iter().zip(indices) {
        match r {
            Ok(img) => {
                images.push(img);
                kept.push(i);
            }
            Err(e) => skipped.push(Skipped::from_error(i, ds.name(i), &e)),
        }
    }
    let (w, h) = images.first().map(|im| im.dimensions()).unwrap_or((0, 0));
    let data = spillover_augment::batch_to_chw(&images, norm)
        .map_err(|e| DataError::Augment(Box::new(e)))?;
    Ok(LoaderBatch {
        images: data,
        labels: kept.iter().map(|&i| ds.label(i)).collect(),
        n: kept.len(),
        indices: kept,
        c: 3,
        h: h as usize,
        w: w as usize,
        skipped,
    })
}

/// Iterator over one epoch's batches; dropping it early abandons the batches in flight.
pub struct EpochIter<D: Dataset + ?Sized> {
    loader: Loader<D>,
    seed: u64,
    epoch: u64,
    pending: VecDeque<Vec<usize>>,
    in_flight: VecDeque<Receiver<Result<LoaderBatch, DataError>>>,
}

impl<D: Dataset + ?Sized + 'static> EpochIter<D> {
    fn submit(&mut self) {
        let Some(indices) = self.pending.pop_front() else {
            return;
        };
        let (tx, rx) = sync_channel(1);
        let l = &self.loader;
        let (ds, pipeline, norm) = (l.dataset.clone(), l.pipeline.clone(), l.normalize.clone());
        let (seed, epoch) = (self.seed, self.epoch);
        l.pool.spawn(move || {
            // The receiver may be gone (epoch abandoned): nothing to do then.
            let _ = tx.send(make_batch(&*ds, &pipeline, &norm, seed, epoch, &indices));
        });
        self.in_flight.push_back(rx);
    }
}

impl<D: Dataset + ?Sized + 'static> Iterator for EpochIter<D> {
    type Item = Result<LoaderBatch, DataError>;

    fn next(&mut self) -> Option<Self::Item> {
        let rx = self.in_flight.pop_front()?;
        self.submit();
        let result = rx
            .recv()
            .unwrap_or_else(|_| Err(DataError::Invalid("a loader worker panicked".into())));
        if let Ok(batch) = &result
            && !batch.skipped.is_empty()
        {
            let mut all = self.loader.skipped.lock().expect("not poisoned");
            for s in &batch.skipped {
                if !all.iter().any(|x| x.index == s.index) {
                    all.push(s.clone());
                }
            }
        }
        Some(result)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.pending.len() + self.in_flight.len();
        (n, Some(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::imagenet_like;
    use crate::{DecodedDataset, ImageFolder};
    use spillover_augment::presets;

    fn loader<D: Dataset + 'static>(
        ds: Arc<D>,
        workers: usize,
        batch: usize,
        shuffle: bool,
    ) -> Loader<D> {
        let config = LoaderConfig {
            batch_size: batch,
            workers,
            prefetch: 2,
            shuffle,
            drop_last: false,
        };
        Loader::new(ds, Arc::new(presets::imagenet_train(16)), config).unwrap()
    }

    #[test]
    fn batches_are_deterministic_for_any_worker_count() {
        let dir = tempfile::tempdir().unwrap();
        imagenet_like(dir.path());
        let ds = Arc::new(ImageFolder::open(dir.path()).unwrap());
        let collect = |workers| {
            loader(ds.clone(), workers, 5, true)
                .epoch(7, 2)
                .map(Result::unwrap)
                .collect::<Vec<_>>()
        };
        let one = collect(1);
        assert_eq!(one, collect(3), "same batches on 1 and 3 workers");
        assert_eq!(one.len(), 4, "16 files in batches of 5");
        let b = &one[0];
        assert_eq!((b.c, b.h, b.w), (3, 16, 16));
        assert_eq!(b.images.len(), b.n * 3 * 16 * 16);
        // Every readable file appears once; the two bad ones are skipped and reported.
        let mut seen: Vec<usize> = one.iter().flat_map(|b| b.indices.clone()).collect();
        seen.sort_unstable();
        assert_eq!(seen.len(), 14);
        seen.dedup();
        assert_eq!(seen.len(), 14);
        let skipped: Vec<String> = one
            .iter()
            .flat_map(|b| {
                b.skipped
                    .iter()
                    .map(|s| s.path.file_name().unwrap().to_string_lossy().into_owned())
            })
            .collect();
        let mut skipped = skipped;
        skipped.sort();
        assert_eq!(skipped, vec!["n1_truncated.JPEG", "n1_zzz_garbage.JPEG"]);
        for b in &one {
            assert_eq!(
                b.labels,
                b.indices.iter().map(|&i| ds.label(i)).collect::<Vec<_>>()
            );
        }
        let other_epoch: Vec<LoaderBatch> = loader(ds.clone(), 2, 5, true)
            .epoch(7, 3)
            .map(Result::unwrap)
            .collect();
        assert_ne!(
            one[0].indices, other_epoch[0].indices,
            "each epoch reshuffles"
        );
    }

    #[test]
    fn skipped_files_are_collected_once_with_reasons() {
        let dir = tempfile::tempdir().unwrap();
        let bad = imagenet_like(dir.path());
        let l = loader(
            Arc::new(ImageFolder::open(dir.path()).unwrap()),
            2,
            4,
            false,
        );
        for _ in 0..2 {
            assert_eq!(l.epoch(0, 0).map(|b| b.unwrap().n).sum::<usize>(), 14);
        }
        let s = l.skipped();
        assert_eq!(s.len(), 2, "each bad file once across epochs");
        assert!(
            s[0].path.ends_with(&bad[0]) && s[0].reason.contains("truncated"),
            "{s:?}"
        );
        assert!(
            s[1].path.ends_with(&bad[1]) && s[1].reason.contains("unrecognised"),
            "{s:?}"
        );
    }

    #[test]
    fn unshuffled_drop_last_and_in_memory() {
        let cfg =
            crate::world::WorldConfig::from_toml_str("[splits.val]\nimages_per_class = 3\n", "t")
                .unwrap();
        let ds = Arc::new(DecodedDataset::from_world(&cfg, crate::world::Split::Val));
        assert_eq!(ds.len(), 30);
        let config = LoaderConfig {
            batch_size: 8,
            workers: 2,
            prefetch: 3,
            shuffle: false,
            drop_last: true,
        };
        let eval = Loader::new(
            ds.clone(),
            Arc::new(presets::eval_transform(64, 56)),
            config,
        )
        .unwrap();
        let batches: Vec<LoaderBatch> = eval.epoch(0, 0).map(Result::unwrap).collect();
        assert_eq!(batches.len(), 3, "30 images, batches of 8, last dropped");
        assert_eq!(batches[1].indices, (8..16).collect::<Vec<_>>());
        assert_eq!((batches[0].h, batches[0].w), (56, 56));
        // Normalized with ImageNet statistics: values span roughly [-2.1, 2.6].
        let (lo, hi) = batches[0]
            .images
            .iter()
            .fold((f32::MAX, f32::MIN), |(a, b), &v| (a.min(v), b.max(v)));
        assert!(lo >= -2.2 && hi <= 2.7 && hi - lo > 2.0, "{lo}..{hi}");
        assert!(
            Loader::new(
                ds,
                Arc::new(presets::imagenet_train(8)),
                LoaderConfig {
                    batch_size: 0,
                    ..LoaderConfig::default()
                }
            )
            .is_err()
        );
    }
}
