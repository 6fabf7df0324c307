//! How a user adds an augmentation to spillover: define it in one file (`vignette.rs`),
//! register it with one line, then name it in a sweep config exactly like a built-in op.
//!
//! Run: `cargo run --release -p custom-augment` (add `-- out_dir` to write one preview PNG
//! per sweep cell).

use custom_augment::vignette;

use serde::Deserialize;
use spillover_augment::{Image, Normalize, PipelineSpec, Registry, augment_batch, image, toml};

/// A sweep as a training config would hold it: one cell per augmentation strength, each
/// with its own `[[cell.augment]]` pipeline.
const SWEEP: &str = r#"
[[cell]]
name = "vignette0.0"
[[cell.augment]]
name = "random_resized_crop"
size = 32
scale = [0.5, 1.0]
[[cell.augment]]
name = "vignette"
strength = 0.0

[[cell]]
name = "vignette80.0"
[[cell.augment]]
name = "random_resized_crop"
size = 32
scale = [0.5, 1.0]
[[cell.augment]]
name = "vignette"
strength = 0.8
p = 0.9
"#;

#[derive(Debug, Deserialize)]
struct Sweep {
    cell: Vec<Cell>,
}

#[derive(Debug, Deserialize)]
struct Cell {
    name: String,
    augment: PipelineSpec,
}

/// The registry every cell is built against: all built-ins plus our op.
fn registry() -> Registry {
    let mut registry = Registry::default();
    registry
        .register("vignette", vignette::Vignette::from_params)
        .expect("the name is free");
    registry
}

/// A small stand-in dataset: bright images with a little structure.
fn dataset(n: usize) -> Vec<Image> {
    (0..n as u32)
        .map(|i| {
            Image::from_fn(48, 40, |x, y| {
                image::Rgb([200, 180 + (x % 8) as u8, 150 + ((y + i) % 16) as u8])
            })
        })
        .collect()
}

/// Mean normalized value of each cell's first batch: the vignette darkens, so it drops.
fn run_sweep(src: &str, seed: u64) -> Result<Vec<(String, f32)>, Box<dyn std::error::Error>> {
    let sweep: Sweep = toml::from_str(src)?;
    let registry = registry();
    let norm = Normalize::default();
    let mut out = Vec::new();
    for cell in &sweep.cell {
        let pipeline = cell.augment.build(&registry)?;
        let images = dataset(16);
        let indices: Vec<u64> = (0..images.len() as u64).collect();
        let (batch, shape) = augment_batch(&pipeline, images, &indices, seed, 0, &norm)?;
        assert_eq!(shape, [16, 3, 32, 32]);
        out.push((
            cell.name.clone(),
            batch.iter().sum::<f32>() / batch.len() as f32,
        ));
    }
    Ok(out)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for (name, mean) in run_sweep(SWEEP, 0)? {
        println!("{name:>14}: mean normalized value {mean:.4}");
    }
    if let Some(dir) = std::env::args().nth(1) {
        let sweep: Sweep = toml::from_str(SWEEP)?;
        std::fs::create_dir_all(&dir)?;
        for cell in &sweep.cell {
            let img = cell
                .augment
                .build(&registry())?
                .apply_sample(dataset(1).remove(0), 0, 0, 0);
            let path = std::path::Path::new(&dir).join(format!("{}.png", cell.name));
            img.save(&path)?;
            println!("wrote {}", path.display());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_custom_op_works_from_a_sweep_config() {
        let means = run_sweep(SWEEP, 3).unwrap();
        assert_eq!(means.len(), 2);
        assert!(
            means[1].1 < means[0].1 - 0.05,
            "the vignette darkens: {means:?}"
        );
        // Same seed, same bytes.
        assert_eq!(run_sweep(SWEEP, 3).unwrap(), means);
    }

    #[test]
    fn typos_in_the_custom_op_are_reported_like_built_ins() {
        let err = registry()
            .pipeline_from_toml_str("name = \"vignete\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("did you mean `vignette`"), "{err}");
        let err = registry()
            .pipeline_from_toml_str("name = \"vignette\"\nstrength = 2.0")
            .unwrap_err()
            .to_string();
        assert!(err.contains("`strength`"), "{err}");
    }
}
