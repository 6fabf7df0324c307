//! `spillover train`: train one experiment cell (model × augmentation × seed) and leave in the
//! run directory its resolved config, TensorBoard events, checkpoints, evaluation predictions
//! (`predictions.csv`, imagenet_x format) and the per-factor table (`factors.csv`).

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use spillover_train::{BackendChoice, DataSection, LoaderData, RunOptions, TrainConfig};

const EXAMPLES: &str = "Examples:
  spillover train configs/train/world_resnet18.toml --out runs/r18
  spillover train configs/train/world_resnet18.toml --out runs/r18 --set train.epochs=2
  spillover train --resume --out runs/r18      # continue from the last checkpoint
  spillover train configs/train/paper_resnet50.toml --out runs/paper \\
      --set data.path=/data/imagenet
  spillover train configs/train/world_vit_tiny.toml --print-config
  spillover train my_data.toml --out runs/mine --annotations my_annotations/

Backends: wgpu (default: every GPU, data-parallel), flex (CPU), wgpu-cpu (software Vulkan,
for tests). Without a GPU adapter, wgpu falls back to flex with a warning.
Watch a run: tensorboard --logdir runs/";

#[derive(Args)]
#[command(after_help = EXAMPLES)]
pub struct TrainArgs {
    /// Training config (TOML). With --resume it may be omitted: RUN_DIR/config.toml is used.
    #[arg(value_name = "CONFIG.toml", required_unless_present = "resume")]
    config: Option<PathBuf>,
    /// Run directory: config.toml, events, checkpoints/, predictions.csv, factors.csv.
    #[arg(long, value_name = "RUN_DIR", required_unless_present = "print_config")]
    out: Option<PathBuf>,
    /// Override a config value, e.g. --set train.epochs=2 (TOML value syntax; repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    sets: Vec<String>,
    /// ImageNet-X-format annotations of the validation images to score the run against (sets
    /// data.annotations). Default: the world's own, or the fetched ImageNet-X files for image
    /// folders; data without annotations trains all the same, without a per-factor table.
    #[arg(long, value_name = "DIR")]
    annotations: Option<PathBuf>,
    /// Compute backend: wgpu, flex or wgpu-cpu.
    #[arg(long, default_value = "wgpu", value_parser = parse_backend)]
    backend: BackendChoice,
    /// Use at most N devices (default: every GPU found).
    #[arg(long, value_name = "N")]
    devices: Option<usize>,
    /// Continue the run in RUN_DIR from its latest checkpoint.
    #[arg(long)]
    resume: bool,
    /// Stop after N epochs of this invocation (continue later with --resume).
    #[arg(long, value_name = "N")]
    stop_after: Option<usize>,
    /// Print the resolved config (every default spelled out) and exit.
    #[arg(long)]
    print_config: bool,
    /// No progress bars (log lines only).
    #[arg(long)]
    quiet: bool,
}

fn parse_backend(s: &str) -> Result<BackendChoice, String> {
    s.parse()
}

pub fn run(args: TrainArgs) -> Result<()> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
    let config_path = match (&args.config, &args.out) {
        (Some(path), _) => path.clone(),
        (None, Some(out)) => {
            let saved = out.join("config.toml");
            if !saved.is_file() {
                bail!(
                    "{}: no run to resume here (config.toml is missing)",
                    out.display()
                );
            }
            saved
        }
        (None, None) => bail!("give a CONFIG.toml or --resume --out RUN_DIR"),
    };
    let mut config = TrainConfig::load(&config_path, &args.sets)?;
    if let Some(dir) = &args.annotations {
        let dir = spillover_train::config::absolute_lexical(dir);
        config.data.insert(
            "annotations".into(),
            toml::Value::String(dir.display().to_string()),
        );
    }
    if args.print_config {
        print!("{}", config.to_toml());
        return Ok(());
    }
    let out = args.out.clone().expect("clap requires --out");
    // SAFETY: no other thread exists yet; data loading and training start below.
    unsafe { spillover_train::device::prepare_process_env(args.backend) };
    let progress = !args.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let section = DataSection::from_table(&config.data)
        .map_err(|message| anyhow::anyhow!("{}: {message}", config_path.display()))?;
    let data = LoaderData::open_with(&section, &config.augment, crate::registry(), progress)
        .context("opening the training data")?;
    let options = RunOptions {
        backend: args.backend,
        max_devices: args.devices,
        resume: args.resume,
        stop_after: args.stop_after,
        progress,
    };
    let outcome = spillover_train::run(&config, &data, &out, &options)
        .with_context(|| format!("training into {}", out.display()))?;
    if let Some(last) = outcome.history.last() {
        let eval = match (last.eval_top1, last.eval_top5) {
            (Some(top1), Some(top5)) => {
                format!(
                    "eval top-1 {:.2}%, top-5 {:.2}%",
                    100.0 * top1,
                    100.0 * top5
                )
            }
            _ => "not evaluated (train.eval_every)".to_string(),
        };
        eprintln!(
            "{} after epoch {}/{} on {}: {eval}",
            if outcome.finished { "done" } else { "stopped" },
            last.epoch,
            config.train.epochs,
            outcome.backend,
        );
    }
    match (&outcome.predictions, &outcome.factors) {
        (Some(p), Some(rows)) => {
            eprintln!(
                "predictions: {}\nper-factor table: {}",
                p.display(),
                out.join("factors.csv").display()
            );
            println!(
                "{:<18} {:>7} {:>9} {:>11}",
                "factor", "images", "accuracy", "error_ratio"
            );
            for r in rows {
                println!(
                    "{:<18} {:>7} {:>8.2}% {:>11.3}",
                    r.factor,
                    r.images,
                    100.0 * r.accuracy,
                    r.error_ratio
                );
            }
        }
        // The trainer's warning above says why (no annotations, or custom data).
        (Some(p), None) => eprintln!(
            "predictions: {}\nno per-factor table (factors.csv not written: see the warning above)",
            p.display()
        ),
        _ => eprintln!(
            "resume with: spillover train --resume --out {}",
            out.display()
        ),
    }
    Ok(())
}
