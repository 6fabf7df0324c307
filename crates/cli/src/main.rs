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
    /// The synthetic factor world: generate it, preview it, print its default config.
    #[command(subcommand)]
    World(cmd::world::WorldCommand),
    /// Image folders (ImageNet): check, pack into a memory-mapped file, benchmark the loader.
    #[command(subcommand)]
    Data(cmd::data::DataCommand),
    /// Train one cell (model x augmentation x seed) on Burn: checkpoints, TensorBoard, predictions, factors.
    Train(cmd::train::TrainArgs),
    /// Run every cell of an experiment file (TOML) here or on Slurm, exactly once, resumable.
    Sweep(cmd::sweep::SweepArgs),
    /// Where each cell of a sweep directory stands (done, running, failed, ...).
    Status(cmd::sweep::StatusArgs),
    /// The spill-over report: one HTML page (plots, tables), report.md and CSVs for sweeps and model zoos.
    Report(cmd::report::ReportArgs),
}

/// Prints the error with its chain of causes (and no backtrace, whatever RUST_BACKTRACE says:
/// users need the message, not our stack) and exits with status 1.
fn main() -> std::process::ExitCode {
    match run(Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Analyze(args) => cmd::analyze::run(args),
        Command::Augment(command) => cmd::augment::run(command),
        Command::World(command) => cmd::world::run(command),
        Command::Data(command) => cmd::data::run(command),
        Command::Train(args) => cmd::train::run(args),
        Command::Report(args) => cmd::report::run(args),
        Command::Sweep(args) => cmd::sweep::run(args),
        Command::Status(args) => cmd::sweep::status(args),
        Command::Evaluate(args) => cmd::evaluate::run(args),
        Command::Annotations(command) => cmd::annotations::run(command),
        Command::Predictions(command) => cmd::predictions::run(command),
    }
}
