//! `spillover`: measure how a data augmentation spills over onto robustness to each of the
//! 16 ImageNet-X factors of variation.
//!
//! The command line is also a library, so that a user's own augmentations reach every command
//! (`augment`, `train`, `sweep`, whose cell processes are the same binary) without editing
//! spillover's crates:
//!
//! ```no_run
//! # use spillover_augment::{Augmentation, Params, Result};
//! # fn vignette(_: &mut Params) -> Result<Box<dyn Augmentation>> { unimplemented!() }
//! fn main() -> std::process::ExitCode {
//!     spillover_cli::App::default()
//!         .augmentation("vignette", vignette)
//!         .main()
//! }
//! ```

use std::sync::OnceLock;

use clap::{Parser, Subcommand};
use spillover_augment::{Augmentation, Params, Registry};

mod cmd;
mod output;

static REGISTRY: OnceLock<Registry> = OnceLock::new();

/// The augmentations every command builds pipelines from: the built-ins plus what the
/// [`App`] registered.
pub(crate) fn registry() -> &'static Registry {
    REGISTRY.get_or_init(Registry::default)
}

/// The `spillover` program, with the augmentations it knows.
#[derive(Debug, Clone, Default)]
pub struct App {
    registry: Registry,
}

impl App {
    /// Adds a user augmentation under `name`; `ctor` reads its parameters (see
    /// `docs/extending.md`). Panics on a name that is taken, as a programming error.
    pub fn augmentation<F>(mut self, name: &str, ctor: F) -> Self
    where
        F: Fn(&mut Params) -> spillover_augment::Result<Box<dyn Augmentation>>
            + Send
            + Sync
            + 'static,
    {
        if let Err(e) = self.registry.register(name, ctor) {
            panic!("registering augmentation {name:?}: {e}");
        }
        self
    }

    /// Parses the command line and runs it: what `fn main` of a spillover binary returns.
    pub fn main(self) -> std::process::ExitCode {
        let _ = REGISTRY.set(self.registry);
        main_with_registry()
    }
}

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

/// Parses a `spillover` command line (`args` starts with the program name) without running it:
/// the documentation tests (`tests/readme.rs`) check with it that every command the README and
/// `docs/` show is one the binary accepts.
pub fn parse_command_line<I, T>(args: I) -> Result<(), clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    Cli::try_parse_from(args).map(|_| ())
}

/// Prints the error with its chain of causes (and no backtrace, whatever RUST_BACKTRACE says:
/// users need the message, not our stack) and exits with status 1.
fn main_with_registry() -> std::process::ExitCode {
    match run(Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            let mut shown = err.to_string();
            eprintln!("error: {shown}");
            for cause in err.chain().skip(1) {
                // A message that already says its cause is not followed by it again.
                let cause = cause.to_string();
                if !shown.contains(&cause) {
                    eprintln!("  caused by: {cause}");
                    shown.push_str(&cause);
                }
            }
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    if matches!(cli.command, Command::Train(_) | Command::Sweep(_)) {
        // The allocator settings are the program's choice, made for the whole process; the
        // training library leaves them alone (issue 14 §4).
        spillover_train::alloc::keep_buffers_in_heap();
    }
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
