//! Renders the world's train split into memory and streams a few epochs of augmented,
//! normalized batches through the loader, as the trainer does; prints throughput.
//!
//! `cargo run --release -p spillover-data --example world_loader -- [epochs] [workers]`

use spillover_augment::presets;
use spillover_data::world::{Split, WorldConfig};
use spillover_data::{Dataset, DecodedDataset, Loader, LoaderConfig};
use std::sync::Arc;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let epochs: u64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(2);
    let workers: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(0);
    let cfg = WorldConfig::default();
    let start = Instant::now();
    let train = Arc::new(DecodedDataset::from_world(&cfg, Split::Train));
    println!(
        "rendered {} train images in {:.2} s",
        train.len(),
        start.elapsed().as_secs_f64()
    );
    // The small-image version of the ImageNet recipe: random resized crop back to full size + flip.
    let pipeline = Arc::new(presets::imagenet_train(cfg.image_size));
    let loader = Loader::new(
        train,
        pipeline,
        LoaderConfig {
            batch_size: 128,
            workers,
            ..LoaderConfig::default()
        },
    )?;
    for epoch in 0..epochs {
        let start = Instant::now();
        let (mut images, mut batches) = (0, 0);
        for batch in loader.epoch(cfg.seed, epoch) {
            let batch = batch?;
            images += batch.n;
            batches += 1;
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "epoch {epoch}: {batches} batches, {images} images in {secs:.2} s ({:.0} images/s)",
            images as f64 / secs
        );
    }
    Ok(())
}
