//! `spillover world`: generate the synthetic factor world, preview it, print its default config.

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use spillover_data::world::{
    DEFAULT_WORLD_TOML, WorldConfig, generate, preview::contact_sheet, write::encode_png,
};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Subcommand)]
pub enum WorldCommand {
    /// Render train and val splits with ground-truth ImageNet-X factor annotations.
    #[command(
        after_help = "Writes DIR/train/<wnid>/*.png, DIR/val/<wnid>/*.png, DIR/annotations/ (the ImageNet-X\n\
        file formats), DIR/world.toml (the resolved config) and DIR/manifest.json (counts).\n\n\
        Examples:\n  spillover world generate --out runs/world\n  \
        spillover world generate --config my_world.toml --seed 3 --out runs/world3"
    )]
    Generate(GenerateArgs),
    /// A PNG contact sheet: one row per factor, so you can see what each factor looks like.
    #[command(
        after_help = "Example:\n  spillover world preview --out sheet.png --cell 96 --columns 10"
    )]
    Preview(PreviewArgs),
    /// Print the embedded default configuration (a starting point for --config).
    #[command(after_help = "Example:\n  spillover world config > my_world.toml")]
    Config,
}

#[derive(Args)]
pub struct ConfigArgs {
    /// World TOML; only the keys that differ from the default are needed.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Overrides the config's seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Overrides the config's image size (pixels).
    #[arg(long)]
    size: Option<u32>,
}

#[derive(Args)]
pub struct GenerateArgs {
    #[command(flatten)]
    config: ConfigArgs,
    /// Output directory.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args)]
pub struct PreviewArgs {
    #[command(flatten)]
    config: ConfigArgs,
    /// Pixels per image in the sheet (independent of the training image size).
    #[arg(long, default_value_t = 96)]
    cell: u32,
    /// Images per row; column j shows class j modulo the number of classes.
    #[arg(long, default_value_t = 10)]
    columns: usize,
    /// Output PNG.
    #[arg(long, default_value = "world_sheet.png")]
    out: PathBuf,
}

fn load_config(args: &ConfigArgs) -> Result<WorldConfig> {
    let mut cfg = match &args.config {
        Some(path) => WorldConfig::load(path)?,
        None => WorldConfig::default(),
    };
    if let Some(seed) = args.seed {
        cfg.seed = seed;
    }
    if let Some(size) = args.size {
        cfg.image_size = size;
    }
    cfg.validate()
        .map_err(|m| anyhow::anyhow!("{m} (from the command-line overrides)"))?;
    Ok(cfg)
}

pub fn run(command: WorldCommand) -> Result<()> {
    match command {
        WorldCommand::Generate(args) => run_generate(args),
        WorldCommand::Preview(args) => run_preview(args),
        WorldCommand::Config => {
            print!("{DEFAULT_WORLD_TOML}");
            Ok(())
        }
    }
}

fn run_generate(args: GenerateArgs) -> Result<()> {
    let cfg = load_config(&args.config)?;
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} images {per_sec} eta {eta}")
            .expect("valid template"),
    );
    let start = Instant::now();
    let summary = generate(&cfg, &args.out, &|done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })
    .with_context(|| format!("generating the world into {}", args.out.display()))?;
    bar.finish_and_clear();
    let secs = start.elapsed().as_secs_f64();
    let val = &summary.manifest.splits["val"];
    let fewest = val
        .top_factor
        .iter()
        .min_by_key(|(_, n)| **n)
        .map(|(f, n)| format!("{f} {n}"))
        .unwrap_or_default();
    println!(
        "wrote {} images ({} classes, {}x{} px, seed {}) to {} in {secs:.1} s ({:.0} images/s)",
        summary.images,
        summary.manifest.classes.len(),
        cfg.image_size,
        cfg.image_size,
        cfg.seed,
        args.out.display(),
        summary.images as f64 / secs
    );
    println!(
        "val: {} images, fewest per top factor: {fewest}; annotations in {}",
        val.images,
        args.out.join("annotations").display()
    );
    Ok(())
}

fn run_preview(args: PreviewArgs) -> Result<()> {
    let cfg = load_config(&args.config)?;
    anyhow::ensure!(
        (16..=512).contains(&args.cell),
        "--cell {} must be within 16..=512",
        args.cell
    );
    anyhow::ensure!(
        (1..=64).contains(&args.columns),
        "--columns {} must be within 1..=64",
        args.columns
    );
    let sheet = contact_sheet(&cfg, args.cell, args.columns);
    write_png(
        &args.out,
        &encode_png(&sheet.rgb, sheet.width, sheet.height),
    )?;
    println!(
        "wrote {} ({}x{}): row 1 prototypical, then one row per factor",
        args.out.display(),
        sheet.width,
        sheet.height
    );
    Ok(())
}

fn write_png(path: &Path, bytes: &[u8]) -> Result<()> {
    spillover_factors::atomic::write_bytes_atomic(path, bytes)
        .with_context(|| format!("writing {}", path.display()))
}
