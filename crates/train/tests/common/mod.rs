//! Shared helpers of the integration tests: small in-memory datasets, weight snapshots, and
//! reading tensors back for comparisons.
#![allow(dead_code)]

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::Tensor;
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;
use spillover_train::{BackendChoice, PreparedData, PreparedSplit, RunOptions, TrainConfig};

/// `n` images of `classes` learnable patterns: class k lights a bright square in cell k of a
/// 2×2 grid (channel k % 3), with jittered position and Gaussian-ish noise.
pub fn patterns(n: usize, classes: usize, size: usize, seed: u64) -> PreparedSplit {
    let mut rng = Pcg64::seed_from_u64(seed);
    let mut split = PreparedSplit::default();
    let half = size / 2;
    for i in 0..n {
        let label = (i % classes) as u32;
        let mut img = vec![0f32; 3 * size * size];
        for v in img.iter_mut() {
            *v = (rng.random::<f32>() - 0.5) * 0.6;
        }
        let (cy, cx) = ((label as usize / 2 % 2) * half, (label as usize % 2) * half);
        let (jy, jx) = (rng.random_range(0..half / 2), rng.random_range(0..half / 2));
        let ch = label as usize % 3;
        for y in cy + jy..(cy + jy + half / 2).min(size) {
            for x in cx + jx..(cx + jx + half / 2).min(size) {
                img[ch * size * size + y * size + x] += 1.5;
            }
        }
        split.images.extend(img);
        split.labels.push(label);
        split.file_names.push(format!("img_{seed}_{i:05}.png"));
    }
    split
}

/// Pure noise images with random labels: learnable only by memorising.
pub fn noise(n: usize, classes: usize, size: usize, seed: u64) -> PreparedSplit {
    let mut rng = Pcg64::seed_from_u64(seed);
    PreparedSplit {
        images: (0..n * 3 * size * size)
            .map(|_| rng.random::<f32>() * 2.0 - 1.0)
            .collect(),
        labels: (0..n)
            .map(|_| rng.random_range(0..classes as u32))
            .collect(),
        file_names: (0..n).map(|i| format!("noise_{i}.png")).collect(),
    }
}

pub fn dataset(
    train: PreparedSplit,
    eval: PreparedSplit,
    classes: usize,
    size: usize,
) -> PreparedData {
    PreparedData {
        train,
        eval,
        shape: [3, size, size],
        classes,
    }
}

/// Every float tensor of a module (parameters and running statistics), in visiting order.
pub fn weights<M: Module>(module: &M) -> Vec<Vec<f32>> {
    struct Collect(Vec<Vec<f32>>);
    impl ModuleVisitor for Collect {
        fn visit_float<const D: usize>(&mut self, p: &Param<Tensor<D>>) {
            self.0
                .push(p.val().into_data().try_to_vec::<f32>().unwrap());
        }
    }
    let mut c = Collect(vec![]);
    module.visit(&mut c);
    c.0
}

/// Largest absolute difference between two weight snapshots.
pub fn max_diff(a: &[Vec<f32>], b: &[Vec<f32>]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .flat_map(|(x, y)| x.iter().zip(y).map(|(u, v)| (u - v).abs()))
        .fold(0.0, f32::max)
}

/// A ResNet-18 of width 4 with SGD: seconds per epoch on a few hundred 8-16 px images.
pub const TINY_RESNET: &str = r#"
[model]
arch = "resnet18"
small_input = true
width = 4
[optim]
kind = "sgd"
lr = 0.05
momentum = 0.9
weight_decay = 5e-4
[train]
epochs = 3
batch_size = 32
eval_batch_size = 64
image_grid = 4
"#;

/// Parses a test config with `--set`-style overrides.
pub fn config(text: &str, sets: &[&str]) -> TrainConfig {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    TrainConfig::parse(text, "test.toml", &sets).unwrap()
}

/// Training on the CPU backend.
pub fn flex() -> RunOptions {
    RunOptions {
        backend: BackendChoice::Flex,
        ..RunOptions::default()
    }
}

/// A tensor's values as f64, in logical order.
pub fn read_f64<const D: usize>(t: Tensor<D>) -> Vec<f64> {
    t.into_data()
        .convert::<f64>()
        .try_into_vec::<f64>()
        .unwrap()
}

/// Max abs difference relative to the reference's magnitude (at least 1).
pub fn rel_err(got: &[f64], want: &[f64]) -> f64 {
    assert_eq!(got.len(), want.len());
    let scale = want.iter().fold(1f64, |m, v| m.max(v.abs()));
    let diff = got.iter().zip(want).map(|(g, w)| (g - w).abs());
    diff.fold(0.0, f64::max) / scale
}

/// `v` as a tensor of `shape` on `device`, stored as `dtype`.
pub fn tensor_from_f64<const D: usize>(
    v: &[f64],
    shape: [usize; D],
    device: &burn::tensor::Device,
    dtype: burn::tensor::DType,
) -> Tensor<D> {
    Tensor::from_data(
        burn::tensor::TensorData::new(v.to_vec(), shape),
        (device, dtype),
    )
}
