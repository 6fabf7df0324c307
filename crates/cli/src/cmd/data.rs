//! `spillover data`: check image folders, pack them into a memory-mapped uint8 file, and
//! measure the loader's throughput.

use anyhow::{Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use spillover_augment::presets;
use spillover_data::imagenet::read_class_list;
use spillover_data::{
    ClassSelection, Dataset, DecodedDataset, ImageFolder, Loader, LoaderConfig, PackedDataset,
    Skipped, Subset, write_pack,
};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

#[derive(Subcommand)]
pub enum DataCommand {
    /// Decode every image of a folder; list the unreadable ones with their paths and reasons.
    #[command(
        after_help = "Examples:\n  spillover data check --dir imagenet/train\n  \
        spillover data check --dir imagenet/val --labels annotations/filename_label.csv --classes annotations/imagenet_labels.txt"
    )]
    Check(FolderArgs),
    /// Decode once into a memory-mapped uint8 file (shorter side resized to --short-side).
    #[command(
        after_help = "Examples:\n  spillover data pack --dir imagenet/train --short-side 256 --out train.pack\n  \
        spillover data pack --dir imagenet/train --first-classes 100 --fraction 0.5 --out in100.pack"
    )]
    Pack(PackArgs),
    /// Images/s of the loader (decode + augmentation + normalization) over a folder or pack.
    #[command(
        after_help = "Examples:\n  spillover data bench --dir imagenet/train --workers 2 --batches 20\n  \
        spillover data bench --pack train.pack --workers 2 --batches 20"
    )]
    Bench(BenchArgs),
}

#[derive(Args)]
pub struct FolderArgs {
    /// Image folder: <dir>/<class>/<image>, or flat images with --labels.
    #[arg(long)]
    dir: PathBuf,
    /// `file_name,label` CSV for a flat folder (ImageNet-X's filename_label.csv).
    #[arg(long)]
    labels: Option<PathBuf>,
    /// Class list for a flat folder: one wnid per line (or imagenet_labels.txt's `wnid,label`).
    #[arg(long)]
    classes: Option<PathBuf>,
    /// Keep only the first N classes.
    #[arg(long)]
    first_classes: Option<usize>,
    /// Keep N classes drawn with --seed.
    #[arg(long, conflicts_with = "first_classes")]
    random_classes: Option<usize>,
    /// Keep this fraction of each class's images (drawn with --seed).
    #[arg(long, default_value_t = 1.0)]
    fraction: f64,
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

#[derive(Args)]
pub struct PackArgs {
    #[command(flatten)]
    folder: FolderArgs,
    /// Resize images whose shorter side exceeds this (0 keeps decoded sizes).
    #[arg(long, default_value_t = 256)]
    short_side: u32,
    /// Output pack file.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Source {
    /// Decode image files on every access.
    Files,
    /// Decode everything once into memory, then time only augmentation.
    Memory,
}

#[derive(Args)]
pub struct BenchArgs {
    /// Image folder (as for `check`).
    #[arg(long, required_unless_present = "pack")]
    dir: Option<PathBuf>,
    /// A pack written by `spillover data pack`.
    #[arg(long, conflicts_with = "dir")]
    pack: Option<PathBuf>,
    /// With --dir: decode per access, or decode once into memory first.
    #[arg(long, value_enum, default_value_t = Source::Files)]
    source: Source,
    /// Loader worker threads (0: all cores).
    #[arg(long, default_value_t = 0)]
    workers: usize,
    #[arg(long, default_value_t = 256)]
    batch: usize,
    /// Batches to time (after one warm-up batch).
    #[arg(long, default_value_t = 20)]
    batches: usize,
    /// Output side of RandomResizedCrop (the ImageNet training pipeline: crop + flip + normalize).
    #[arg(long, default_value_t = 224)]
    size: u32,
    /// Print one JSON line instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(command: DataCommand) -> Result<()> {
    match command {
        DataCommand::Check(args) => check(args),
        DataCommand::Pack(args) => pack(args),
        DataCommand::Bench(args) => bench(args),
    }
}

fn open_folder(args: &FolderArgs) -> Result<ImageFolder> {
    let folder = match &args.labels {
        Some(csv) => {
            let list = args
                .classes
                .as_ref()
                .context("--labels needs --classes (the class list of the label indices)")?;
            let classes = read_class_list(list)?;
            ImageFolder::open_val(&args.dir, Some(csv), classes)?
        }
        None => ImageFolder::open(&args.dir)?,
    };
    let classes = match (args.first_classes, args.random_classes) {
        (Some(n), _) => ClassSelection::First(n),
        (_, Some(n)) => ClassSelection::Random(n),
        _ => ClassSelection::All,
    };
    if matches!(classes, ClassSelection::All) && args.fraction == 1.0 {
        return Ok(folder);
    }
    Ok(folder.subset(&Subset {
        classes,
        fraction: args.fraction,
        seed: args.seed,
    })?)
}

fn bar(total: usize, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(total as u64);
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{{bar:40}} {{pos}}/{{len}} {what} {{per_sec}} eta {{eta}}"
        ))
        .expect("valid template"),
    );
    bar
}

fn report_skipped(skipped: &[Skipped], total: usize) {
    if skipped.is_empty() {
        println!("all {total} images decode");
        return;
    }
    println!(
        "{} of {total} images cannot be decoded and are skipped:",
        skipped.len()
    );
    for s in skipped {
        println!("  {}: {}", s.path.display(), s.reason);
    }
}

fn check(args: FolderArgs) -> Result<()> {
    let folder = open_folder(&args)?;
    println!(
        "{}: {} images in {} classes",
        args.dir.display(),
        folder.samples.len(),
        folder.classes.len()
    );
    let (_, skipped) = DecodedDataset::from_folder(&folder);
    report_skipped(&skipped, folder.samples.len());
    Ok(())
}

fn pack(args: PackArgs) -> Result<()> {
    let folder = open_folder(&args.folder)?;
    let progress = bar(folder.samples.len(), "images");
    let start = Instant::now();
    let (header, skipped) = write_pack(&folder, &args.out, args.short_side, &|done, _| {
        progress.set_position(done as u64)
    })
    .with_context(|| {
        format!(
            "packing {} into {}",
            args.folder.dir.display(),
            args.out.display()
        )
    })?;
    progress.finish_and_clear();
    let bytes = std::fs::metadata(&args.out).map(|m| m.len()).unwrap_or(0);
    println!(
        "packed {} images ({} classes) into {} ({:.1} MiB) in {:.1} s",
        header.count,
        header.classes.len(),
        args.out.display(),
        bytes as f64 / (1 << 20) as f64,
        start.elapsed().as_secs_f64()
    );
    report_skipped(&skipped, folder.samples.len());
    Ok(())
}

fn time_loader<D: Dataset + 'static>(dataset: Arc<D>, args: &BenchArgs) -> Result<(f64, usize)> {
    let config = LoaderConfig {
        batch_size: args.batch,
        workers: args.workers,
        ..LoaderConfig::default()
    };
    let loader = Loader::new(
        dataset,
        Arc::new(presets::imagenet_train(args.size)),
        config,
    )?;
    let mut epoch = 0;
    let mut images = 0;
    let mut start = None;
    let mut timed = 0;
    // Keep drawing epochs until enough batches are timed (small folders have few per epoch).
    while timed < args.batches {
        anyhow::ensure!(
            loader.batches_per_epoch() > 0,
            "fewer images than one batch of {}",
            args.batch
        );
        for batch in loader.epoch(0, epoch) {
            let batch = batch?;
            match start {
                None => start = Some(Instant::now()),
                Some(_) => {
                    images += batch.n;
                    timed += 1;
                }
            }
            if timed == args.batches {
                break;
            }
        }
        epoch += 1;
    }
    let secs = start.expect("one batch").elapsed().as_secs_f64();
    Ok((images as f64 / secs, loader.skipped().len()))
}

fn bench(args: BenchArgs) -> Result<()> {
    let workers = if args.workers == 0 {
        rayon::current_num_threads()
    } else {
        args.workers
    };
    let (label, (rate, skipped)) = match (&args.pack, &args.dir) {
        (Some(p), _) => (
            "pack",
            time_loader(Arc::new(PackedDataset::open(p)?), &args)?,
        ),
        (None, Some(dir)) => {
            let folder = ImageFolder::open(dir)?;
            match args.source {
                Source::Files => ("files", time_loader(Arc::new(folder), &args)?),
                Source::Memory => (
                    "memory",
                    time_loader(Arc::new(DecodedDataset::from_folder(&folder).0), &args)?,
                ),
            }
        }
        (None, None) => unreachable!("clap requires --dir or --pack"),
    };
    if args.json {
        println!(
            "{{\"source\":\"{label}\",\"workers\":{workers},\"batch\":{},\"size\":{},\"images_per_s\":{rate:.1},\"skipped\":{skipped}}}",
            args.batch, args.size
        );
    } else {
        println!(
            "{label}: {rate:.0} images/s with {workers} workers (batch {}, {}px crop; {:.0} images/s per worker)",
            args.batch,
            args.size,
            rate / workers as f64
        );
    }
    Ok(())
}
