//! `spillover predictions generate`: example prediction files for demos, oracles and benchmarks.

use super::annotations::AnnotationsArg;
use anyhow::Context;
use clap::{Args, Subcommand};
use spillover_factors::annotations::Partition;
use spillover_factors::example::{ExampleSpec, write_example_files};
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum PredictionsCommand {
    /// Write N generated models' prediction files (imagenet_x format) for an annotation set.
    #[command(
        after_help = "Examples:\n  spillover predictions generate --models 6 --out /tmp/preds\n  spillover predictions generate --models 200 --seed 1 --out /tmp/bench --gzip"
    )]
    Generate(GenerateArgs),
}

#[derive(Args)]
pub struct GenerateArgs {
    /// Output directory (created).
    #[arg(long)]
    pub out: PathBuf,
    /// Number of models.
    #[arg(long, default_value_t = 3)]
    pub models: usize,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Write `.csv.gz` instead of `.csv`.
    #[arg(long)]
    pub gzip: bool,
    /// Make model 0 predict one class only (exercises groups without a correct prediction).
    #[arg(long)]
    pub edge_cases: bool,
    /// Keep rows in `filename_label.csv` order (what the official toolkit's loader demands).
    #[arg(long)]
    pub toolkit_order: bool,
    #[arg(long, default_value = "val")]
    pub partition: Partition,
    #[command(flatten)]
    pub annotations: AnnotationsArg,
}

/// Generates the files and returns their paths.
pub fn generate(args: &GenerateArgs) -> anyhow::Result<Vec<PathBuf>> {
    let dir = args.annotations.open()?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let spec = ExampleSpec {
        count: args.models,
        seed: args.seed,
        edge_cases: args.edge_cases,
        shuffle: !args.toolkit_order,
    };
    Ok(write_example_files(
        &dir,
        args.partition,
        &args.out,
        &spec,
        args.gzip,
    )?)
}

pub fn run(command: PredictionsCommand) -> anyhow::Result<()> {
    match command {
        PredictionsCommand::Generate(args) => {
            let paths = generate(&args)?;
            println!(
                "wrote {} prediction files to {}",
                paths.len(),
                args.out.display()
            );
        }
    }
    Ok(())
}
