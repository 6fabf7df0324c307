//! The synthetic factor world: procedurally rendered objects whose 16 ImageNet-X factors are
//! known because they were put there, written in the exact ImageNet-X on-disk formats.
//!
//! ```no_run
//! use spillover_data::world::{generate, WorldConfig};
//! let cfg = WorldConfig::default();
//! let summary = generate(&cfg, std::path::Path::new("runs/world"), &|_done, _total| {})?;
//! println!("{} images", summary.images);
//! # Ok::<(), spillover_data::DataError>(())
//! ```
//!
//! Determinism: image `i` of a split draws everything from an RNG seeded by
//! `(seed, split, i)`, and the plan of which image carries which factors is made up front in one
//! thread, so the bytes do not depend on the number of threads.

pub mod classes;
pub mod config;
mod font;
pub mod geometry;
pub mod preview;
pub mod render;
pub mod scene;
pub mod write;

pub use config::{DEFAULT_WORLD_TOML, Split, WorldConfig};
pub use render::{Rendered, render};
pub use scene::SceneSpec;
pub use write::{GenerateSummary, Manifest, generate};

use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;
use spillover_factors::{Factor, FactorSet, NUM_FACTORS};

/// Version of the renderer: the same config renders the same bytes within one version. Bump it
/// with every change that alters what a config renders (`tests::renderer_version_guards_the_pixels`
/// fails until you do), so that rendered worlds cached under the old version are not reused.
/// 2: `pose` seen end-on (foreshortened), not only turned. 3: foreshortened further.
pub const RENDERER_VERSION: u32 = 3;

/// Synthetic WordNet-style id of class `i`: zero-padded so that sorted ids keep class order.
pub fn wnid(class: usize) -> String {
    format!("w{class:08}")
}

/// One image of a split, decided before any pixel is drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedImage {
    /// File name (no directory), e.g. `world_val_00000001.png`.
    pub file_name: String,
    pub class: usize,
    /// The top factor, or `None` for a prototypical (unannotated) image.
    pub top: Option<Factor>,
    /// Seed of this image's RNG.
    pub seed: u64,
}

fn rng_for(seed: u64, split: Split, stream: u64) -> Pcg64 {
    let tag = match split {
        Split::Train => 1u64,
        Split::Val => 2,
    };
    Pcg64::seed_from_u64(render::mix(render::mix(seed) ^ (tag << 60) ^ stream))
}

/// Counts per factor proportional to `weights`, summing to `n` (largest remainder; ties go
/// to factors in an order rotated by `rotate`, so small remainders spread across classes).
fn apportion(n: usize, weights: &[f64; NUM_FACTORS], rotate: usize) -> [usize; NUM_FACTORS] {
    let total: f64 = weights.iter().sum();
    let exact: Vec<f64> = weights.iter().map(|w| n as f64 * w / total).collect();
    let mut counts = [0usize; NUM_FACTORS];
    for (c, e) in counts.iter_mut().zip(&exact) {
        *c = e.floor() as usize;
    }
    let mut order: Vec<usize> = (0..NUM_FACTORS)
        .map(|k| (k + rotate) % NUM_FACTORS)
        .collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())));
    let missing = n - counts.iter().sum::<usize>();
    for &k in order.iter().filter(|&&k| weights[k] > 0.0).take(missing) {
        counts[k] += 1;
    }
    counts
}

/// Plans every image of a split: class, top factor (balanced by the weights), file name, seed.
pub fn plan(cfg: &WorldConfig, split: Split) -> Vec<PlannedImage> {
    let sc = cfg.split(split);
    let mut rng = rng_for(cfg.seed, split, u64::MAX);
    let mut items: Vec<(usize, Option<Factor>)> = Vec::new();
    for class in 0..cfg.classes.len() {
        let n = sc.images_per_class;
        let annotated = (n as f64 * sc.annotated).round() as usize;
        let counts = apportion(annotated, &cfg.top_weights(split, class), class * 7);
        let mut tops: Vec<Option<Factor>> = Vec::with_capacity(n);
        for f in Factor::ALL {
            tops.extend(std::iter::repeat_n(Some(f), counts[f.index()]));
        }
        tops.resize(n, None);
        tops.shuffle(&mut rng);
        items.extend(tops.into_iter().map(|t| (class, t)));
    }
    if split == Split::Val {
        // ImageNet's validation files are in no class order; neither are the world's.
        items.shuffle(&mut rng);
    }
    let mut per_class = vec![0usize; cfg.classes.len()];
    items
        .into_iter()
        .enumerate()
        .map(|(i, (class, top))| {
            per_class[class] += 1;
            let file_name = match split {
                Split::Val => format!("world_val_{:08}.png", i + 1),
                Split::Train => format!("{}_{:05}.png", wnid(class), per_class[class]),
            };
            PlannedImage {
                file_name,
                class,
                top,
                seed: rng.random(),
            }
        })
        .collect()
}

/// The factors of a planned image and its scene, sampled from the image's own RNG.
pub fn sample_image(cfg: &WorldConfig, split: Split, image: &PlannedImage) -> SceneSpec {
    let mut rng = Pcg64::seed_from_u64(image.seed);
    let factors = match image.top {
        Some(top) => scene::with_extras(&mut rng, top, &cfg.extra_rates(split, image.class)),
        None => FactorSet::EMPTY,
    };
    let ties = scene::Ties {
        color: cfg.ties.color as f32,
        background: cfg.ties.background as f32,
    };
    scene::sample(&mut rng, &cfg.templates(), image.class, factors, ties)
}

/// Renders one planned image at the config's size.
pub fn render_image(
    cfg: &WorldConfig,
    split: Split,
    image: &PlannedImage,
) -> (SceneSpec, Rendered) {
    let spec = sample_image(cfg, split, image);
    let out = render(&spec, &cfg.templates(), cfg.image_size);
    (spec, out)
}

#[cfg(test)]
mod tests;
