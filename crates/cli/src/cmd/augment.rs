//! `spillover augment`: list the registered ops, apply one to an image, preview a pipeline.

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use spillover_augment::{Image, image, rng, toml};
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum AugmentCommand {
    /// Every registered op with its parameters and defaults.
    #[command(after_help = "Example:\n  spillover augment list")]
    List,
    /// Apply one op (or preset) given as an inline TOML table to an image.
    #[command(after_help = "Examples:\n  \
        spillover augment apply --op '{ name = \"adjust_hue\", hue_factor = 0.05 }' in.png out.png\n  \
        spillover augment apply --op '{ name = \"paper_color_jitter\", strength = 1.0 }' --seed 3 in.jpg out.png")]
    Apply(ApplyArgs),
    /// A grid of random draws of a pipeline, to see what a strength does.
    #[command(after_help = "Example:\n  \
        spillover augment preview --config configs/augment/paper_color_jitter_0.5.toml photo.jpg --n 16 --out grid.png")]
    Preview(PreviewArgs),
}

#[derive(Args)]
pub struct ApplyArgs {
    /// The op as an inline TOML table, e.g. '{ name = "adjust_hue", hue_factor = 0.05 }'.
    #[arg(long)]
    op: String,
    /// Seed of the op's random draws (functional ops with fixed parameters ignore it).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Input image (JPEG or PNG, recognised by content; decoded as the training loader does).
    input: PathBuf,
    /// Output image (the format follows the extension; PNG is lossless).
    output: PathBuf,
}

#[derive(Args)]
pub struct PreviewArgs {
    /// Pipeline TOML with `[[augment]]` tables.
    #[arg(long)]
    config: PathBuf,
    /// Input image (JPEG or PNG, recognised by content; decoded as the training loader does).
    image: PathBuf,
    /// Number of random draws in the grid.
    #[arg(long, default_value_t = 16)]
    n: u32,
    /// Seed; draw i uses the stream of sample i of epoch 0.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output PNG.
    #[arg(long, default_value = "grid.png")]
    out: PathBuf,
}

pub fn run(command: AugmentCommand) -> Result<()> {
    match command {
        AugmentCommand::List => list(),
        AugmentCommand::Apply(args) => apply(args),
        AugmentCommand::Preview(args) => preview(args),
    }
}

fn list() -> Result<()> {
    for doc in crate::registry().docs() {
        println!("{}  —  {}", doc.name, doc.summary);
        for p in &doc.params {
            let help = if p.help.is_empty() {
                String::new()
            } else {
                format!("  ({})", p.help)
            };
            println!("    {} = {}{}", p.key, p.default, help);
        }
    }
    println!(
        "\nAny op also takes `p` (apply with that probability). Hue (adjust_hue, color_jitter,"
    );
    println!(
        "paper_color_jitter) runs on PIL's 8-bit HSV by default, as the paper's PIL pipeline did;"
    );
    println!("backend = \"tensor\" selects torchvision's uint8-tensor kernel (float HSV).");
    println!("Normalization is the tensor stage:");
    println!(
        "normalize {{ mean = [0.485, 0.456, 0.406], std = [0.229, 0.224, 0.225] }}; batch ops: mix_up, cut_mix {{ alpha }}."
    );
    Ok(())
}

/// Decodes with the training loader's decoder (`spillover_data::decode`): the format from the
/// bytes, PIL's conversions to RGB, truncated files refused.
fn read_image(path: &Path) -> Result<Image> {
    Ok(spillover_data::decode::load_rgb(path)?)
}

fn write_image(path: &Path, img: &Image) -> Result<()> {
    let format = image::ImageFormat::from_path(path).with_context(|| {
        format!(
            "{}: unknown image extension; use .png or .jpg",
            path.display()
        )
    })?;
    let mut bytes = std::io::Cursor::new(Vec::new());
    img.write_to(&mut bytes, format)
        .with_context(|| format!("cannot encode {}", path.display()))?;
    spillover_factors::atomic::write_bytes_atomic(path, bytes.get_ref())
        .with_context(|| format!("cannot write {}", path.display()))
}

fn apply(args: ApplyArgs) -> Result<()> {
    let doc: toml::Table = toml::from_str(&format!("op = {}", args.op))
        .with_context(|| format!("--op must be an inline TOML table like '{{ name = \"adjust_hue\", hue_factor = 0.05 }}', got {}", args.op))?;
    let Some(table) = doc.get("op").and_then(|v| v.as_table()) else {
        bail!("--op must be an inline TOML table")
    };
    let op = crate::registry().build(table).context("--op")?;
    let img = read_image(&args.input)?;
    let out = op.apply(img, &mut rng::seeded(args.seed));
    write_image(&args.output, &out)?;
    println!(
        "wrote {} ({}x{})",
        args.output.display(),
        out.width(),
        out.height()
    );
    Ok(())
}

fn preview(args: PreviewArgs) -> Result<()> {
    if args.n == 0 {
        bail!("--n must be at least 1");
    }
    let src = std::fs::read_to_string(&args.config)
        .with_context(|| format!("cannot read {}", args.config.display()))?;
    let pipeline = crate::registry()
        .pipeline_from_toml_str(&src)
        .with_context(|| format!("in {}", args.config.display()))?;
    let img = read_image(&args.image)?;
    let draws: Vec<Image> = (0..args.n as u64)
        .map(|i| pipeline.apply_sample(img.clone(), args.seed, 0, i))
        .collect();
    let (tw, th) = draws
        .iter()
        .fold((1, 1), |(w, h), d| (w.max(d.width()), h.max(d.height())));
    let cols = (args.n as f64).sqrt().ceil() as u32;
    let rows = args.n.div_ceil(cols);
    let gap = 4;
    let mut grid = Image::from_pixel(
        cols * (tw + gap) + gap,
        rows * (th + gap) + gap,
        image::Rgb([255, 255, 255]),
    );
    for (i, d) in draws.iter().enumerate() {
        let (c, r) = (i as u32 % cols, i as u32 / cols);
        image::imageops::replace(
            &mut grid,
            d,
            (gap + c * (tw + gap)) as i64,
            (gap + r * (th + gap)) as i64,
        );
    }
    write_image(&args.out, &grid)?;
    println!(
        "wrote {} ({} draws of {}, {cols}x{rows} grid)",
        args.out.display(),
        args.n,
        args.config.display()
    );
    Ok(())
}
