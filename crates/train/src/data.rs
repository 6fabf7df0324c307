//! What the training loop consumes: batches of normalised CHW float images with labels and file
//! names, from a source that can replay any epoch in the same order.
//!
//! The loop never sees files or augmentations: `spillover-data` (synthetic world, ImageNet
//! folders) implements [`TrainData`] with its prefetching loader and the augmentation pipeline;
//! [`PreparedData`] serves tests and small experiments.
//!
//! Names: a [`TensorBatch`] is what a step turns into a tensor (normalised values, labels and the
//! file names predictions are keyed by); `spillover_data::LoaderBatch` is what the data crate's
//! loader yields before that (dataset indices and skipped files). [`PreparedData`] and its
//! [`PreparedSplit`]s hold images already normalised to f32, unlike
//! `spillover_data::DecodedDataset` (decoded RGB images that still go through augmentation), and
//! a [`PreparedSplit`] is the images of one split, not `spillover_data::world::Split` (which
//! split: train or val).

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_pcg::Pcg64;

use crate::TrainError;

/// A batch of images ready to become a tensor: `[n, c, h, w]` row-major, already normalised.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorBatch {
    /// `n * c * h * w` values.
    pub images: Vec<f32>,
    /// Class index per image.
    pub labels: Vec<u32>,
    /// File name per image (the key of the prediction file).
    pub file_names: Vec<String>,
    /// `[n, c, h, w]`.
    pub shape: [usize; 4],
}

impl TensorBatch {
    /// Images in the batch.
    pub fn len(&self) -> usize {
        self.shape[0]
    }

    /// True for a batch without images.
    pub fn is_empty(&self) -> bool {
        self.shape[0] == 0
    }

    /// Images `start..end` as their own batch (a data-parallel shard).
    pub fn slice(&self, start: usize, end: usize) -> TensorBatch {
        let [_, c, h, w] = self.shape;
        let per = c * h * w;
        TensorBatch {
            images: self.images[start * per..end * per].to_vec(),
            labels: self.labels[start..end].to_vec(),
            file_names: self.file_names[start..end].to_vec(),
            shape: [end - start, c, h, w],
        }
    }
}

/// A stream of batches; errors name the file or record at fault.
pub type TensorBatches<'a> = Box<dyn Iterator<Item = Result<TensorBatch, TrainError>> + Send + 'a>;

/// A dataset with a training split (shuffled and augmented per epoch) and an evaluation split
/// (fixed order, no augmentation).
pub trait TrainData: Send + Sync {
    /// Number of classes; labels are `0..num_classes`.
    fn num_classes(&self) -> usize;
    /// `[channels, height, width]` of every image.
    fn image_shape(&self) -> [usize; 3];
    /// Images in the training split.
    fn train_len(&self) -> usize;
    /// Images in the evaluation split.
    fn eval_len(&self) -> usize;
    /// Per-channel mean and std used to normalise, to show images as they were (RGB).
    fn normalization(&self) -> Option<([f32; 3], [f32; 3])> {
        None
    }
    /// Class index as the prediction file and the annotations know it (an ImageNet subset maps
    /// its `0..k` back to ImageNet-1k indices).
    fn prediction_class(&self, class: usize) -> u32 {
        class as u32
    }
    /// ImageNet-X annotation directory to score the evaluation predictions against, or why there
    /// is none (said to the user: the run then ends without a factor table).
    ///
    /// The `String` is no error but the data of the outcome: a run without annotations succeeds,
    /// and the reason is printed in place of the factor table.
    fn annotations(&self) -> Result<std::path::PathBuf, String> {
        Err("the data has no ImageNet-X annotations".into())
    }
    /// Full training batches of `batch_size` for one epoch (the incomplete tail is dropped).
    /// Order and augmentation are a function of `seed` alone, so a resumed epoch replays exactly.
    fn train_batches(&self, seed: u64, batch_size: usize) -> Result<TensorBatches<'_>, TrainError>;
    /// The evaluation split in a fixed order, the last batch possibly smaller.
    fn eval_batches(&self, batch_size: usize) -> Result<TensorBatches<'_>, TrainError>;
}

/// The images of one split, already normalised, held in memory.
#[derive(Debug, Clone, Default)]
pub struct PreparedSplit {
    /// `len * c * h * w` values.
    pub images: Vec<f32>,
    /// One label per image.
    pub labels: Vec<u32>,
    /// One file name per image.
    pub file_names: Vec<String>,
}

impl PreparedSplit {
    fn gather(&self, indices: &[usize], [c, h, w]: [usize; 3]) -> TensorBatch {
        let per = c * h * w;
        let mut images = Vec::with_capacity(indices.len() * per);
        for &i in indices {
            images.extend_from_slice(&self.images[i * per..(i + 1) * per]);
        }
        TensorBatch {
            images,
            labels: indices.iter().map(|&i| self.labels[i]).collect(),
            file_names: indices
                .iter()
                .map(|&i| self.file_names[i].clone())
                .collect(),
            shape: [indices.len(), c, h, w],
        }
    }
}

/// Both splits prepared in memory ([`PreparedSplit`]), shuffled with PCG-64 seeded per epoch; no
/// augmentation.
#[derive(Debug, Clone)]
pub struct PreparedData {
    /// Training split.
    pub train: PreparedSplit,
    /// Evaluation split.
    pub eval: PreparedSplit,
    /// `[c, h, w]`.
    pub shape: [usize; 3],
    /// Number of classes.
    pub classes: usize,
}

impl TrainData for PreparedData {
    fn num_classes(&self) -> usize {
        self.classes
    }
    fn image_shape(&self) -> [usize; 3] {
        self.shape
    }
    fn train_len(&self) -> usize {
        self.train.labels.len()
    }
    fn eval_len(&self) -> usize {
        self.eval.labels.len()
    }
    fn train_batches(&self, seed: u64, batch_size: usize) -> Result<TensorBatches<'_>, TrainError> {
        let mut order: Vec<usize> = (0..self.train_len()).collect();
        order.shuffle(&mut Pcg64::seed_from_u64(seed));
        let shape = self.shape;
        let batches: Vec<Vec<usize>> = order
            .chunks_exact(batch_size)
            .map(<[usize]>::to_vec)
            .collect();
        Ok(Box::new(
            batches
                .into_iter()
                .map(move |idx| Ok(self.train.gather(&idx, shape))),
        ))
    }
    fn eval_batches(&self, batch_size: usize) -> Result<TensorBatches<'_>, TrainError> {
        let order: Vec<usize> = (0..self.eval_len()).collect();
        let shape = self.shape;
        let batches: Vec<Vec<usize>> = order.chunks(batch_size).map(<[usize]>::to_vec).collect();
        Ok(Box::new(
            batches
                .into_iter()
                .map(move |idx| Ok(self.eval.gather(&idx, shape))),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> PreparedData {
        let split = |n: usize| PreparedSplit {
            images: (0..n * 2).map(|v| v as f32).collect(),
            labels: (0..n as u32).collect(),
            file_names: (0..n).map(|i| format!("img{i}.png")).collect(),
        };
        PreparedData {
            train: split(10),
            eval: split(5),
            shape: [2, 1, 1],
            classes: 10,
        }
    }

    #[test]
    fn epochs_replay_by_seed_and_drop_the_tail() {
        let d = data();
        let labels = |seed| -> Vec<Vec<u32>> {
            d.train_batches(seed, 3)
                .unwrap()
                .map(|b| b.unwrap().labels)
                .collect()
        };
        assert_eq!(labels(1), labels(1));
        assert_ne!(labels(1), labels(2));
        assert_eq!(labels(1).len(), 3);
        let b = d.train_batches(1, 3).unwrap().next().unwrap().unwrap();
        // Images travel with their labels.
        for (i, &l) in b.labels.iter().enumerate() {
            assert_eq!(b.images[i * 2], (l * 2) as f32);
            assert_eq!(b.file_names[i], format!("img{l}.png"));
        }
    }

    #[test]
    fn eval_keeps_order_and_the_tail() {
        let d = data();
        let sizes: Vec<usize> = d
            .eval_batches(2)
            .unwrap()
            .map(|b| b.unwrap().len())
            .collect();
        assert_eq!(sizes, [2, 2, 1]);
        let b = d.eval_batches(5).unwrap().next().unwrap().unwrap();
        assert_eq!(b.labels, [0, 1, 2, 3, 4]);
        let s = b.slice(1, 3);
        assert_eq!(
            (s.labels.clone(), s.images.clone(), s.shape),
            (vec![1, 2], vec![2.0, 3.0, 4.0, 5.0], [2, 2, 1, 1])
        );
    }
}
