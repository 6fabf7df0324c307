//! A colour-only "model" for a generated world: predicts the class whose usual hue is nearest
//! to the dominant hue of the image centre, and writes an imagenet_x prediction file. Scoring it
//! with the factor engine shows the world's colour tie: such a model fails on `color` images.
//!
//! ```text
//! spillover world generate --out /tmp/world
//! cargo run --release -p spillover-data --example hue_baseline -- /tmp/world /tmp/hue.csv
//! spillover evaluate --annotations /tmp/world/annotations --error-ratios /tmp/hue.csv
//! ```

use spillover_data::ImageFolder;
use spillover_data::decode::load_rgb;
use spillover_data::world::{WorldConfig, classes::template};
use std::io::Write;
use std::path::PathBuf;

/// Dominant hue (30° bins) of the saturated pixels in the central half of the image.
fn dominant_hue(img: &image::RgbImage) -> Option<f32> {
    let (w, h) = img.dimensions();
    let mut bins = [0u32; 12];
    for y in h / 4..3 * h / 4 {
        for x in w / 4..3 * w / 4 {
            let p = img.get_pixel(x, y).0.map(|v| v as f32);
            let (mx, mn) = (p[0].max(p[1]).max(p[2]), p[0].min(p[1]).min(p[2]));
            if mx < 40.0 || (mx - mn) / mx < 0.35 {
                continue;
            }
            let hue = if mx == p[0] {
                60.0 * ((p[1] - p[2]) / (mx - mn))
            } else if mx == p[1] {
                60.0 * ((p[2] - p[0]) / (mx - mn) + 2.0)
            } else {
                60.0 * ((p[0] - p[1]) / (mx - mn) + 4.0)
            };
            bins[(hue.rem_euclid(360.0) / 30.0) as usize % 12] += 1;
        }
    }
    let (k, n) = bins.iter().enumerate().max_by_key(|(_, n)| **n)?;
    (*n > 0).then_some(k as f32 * 30.0 + 15.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let world = PathBuf::from(args.next().ok_or("usage: hue_baseline WORLD_DIR OUT.csv")?);
    let out = PathBuf::from(args.next().ok_or("usage: hue_baseline WORLD_DIR OUT.csv")?);
    let cfg = WorldConfig::load(&world.join("world.toml"))?;
    let hues: Vec<f32> = cfg
        .classes
        .iter()
        .map(|c| template(c).expect("validated").hue)
        .collect();
    let val = ImageFolder::open(&world.join("val"))?;
    let mut w = std::io::BufWriter::new(std::fs::File::create(&out)?);
    writeln!(w, "file_name,predicted_class,predicted_probability")?;
    for s in &val.samples {
        let hue = dominant_hue(&load_rgb(&s.path)?).unwrap_or(0.0);
        let dist = |c: usize| {
            let d = (hues[c] - hue).rem_euclid(360.0);
            d.min(360.0 - d)
        };
        let best = (0..hues.len())
            .min_by(|&a, &b| dist(a).total_cmp(&dist(b)))
            .expect("classes");
        writeln!(w, "{},{},1.0", s.file_name, best)?;
    }
    println!(
        "wrote {} predictions to {}",
        val.samples.len(),
        out.display()
    );
    Ok(())
}
