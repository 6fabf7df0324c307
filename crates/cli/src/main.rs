//! `spillover`: measure how a data augmentation spills over onto robustness to each of the
//! 16 ImageNet-X factors of variation.

use clap::{Parser, Subcommand};

mod cmd;
mod output;

#[derive(Parser)]
#[command(name = "spillover", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    // Each subcommand lives in its own module under `cmd/`; add one line here per command.
    /// Per-factor accuracies, error ratios, calibration and CIs of prediction files (ImageNet-X).
    Evaluate(cmd::evaluate::EvaluateArgs),
    /// Fetch (pip download + checksum) and locate the ImageNet-X annotations.
    #[command(subcommand)]
    Annotations(cmd::annotations::AnnotationsCommand),
    /// Generate example prediction files (demos, oracle tests, benchmarks).
    #[command(subcommand)]
    Predictions(cmd::predictions::PredictionsCommand),
    /// Strength trends of every factor over many training runs (the paper's trend test).
    Analyze(cmd::analyze::AnalyzeArgs),
    /// Augmentations: list the registered ops, apply one to an image, preview a pipeline.
    #[command(subcommand)]
    Augment(cmd::augment::AugmentCommand),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Analyze(args) => cmd::analyze::run(args),
        Command::Augment(command) => cmd::augment::run(command),
        Command::Evaluate(args) => cmd::evaluate::run(args),
        Command::Annotations(command) => cmd::annotations::run(command),
        Command::Predictions(command) => cmd::predictions::run(command),
    }
}
