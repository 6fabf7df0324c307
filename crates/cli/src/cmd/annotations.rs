//! `spillover annotations`: fetch and locate the ImageNet-X annotations.

use anyhow::Context;
use clap::{Args, Subcommand};
use spillover_factors::annotations::{self, AnnotationDir};
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum AnnotationsCommand {
    /// Download the imagenet-x==0.0.7 wheel with pip, verify every file's SHA-256 and cache the
    /// annotations and the toolkit's model-type map (model_types.py, which `spillover report`
    /// groups a model zoo by); idempotent: a valid cache is left as it is.
    #[command(
        after_help = "Examples:\n  spillover annotations fetch\n  SPILLOVER_CACHE=/data/cache spillover annotations fetch\n  spillover annotations fetch --wheel ./imagenet_x-0.0.7-py3-none-any.whl   # offline"
    )]
    Fetch(FetchArgs),
    /// Print the directory commands read annotations from by default.
    Path,
}

#[derive(Args)]
pub struct FetchArgs {
    /// Where to put the annotations (default: $SPILLOVER_CACHE/imagenet-x-0.0.7/annotations,
    /// $SPILLOVER_CACHE defaulting to the XDG cache dir).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Use this downloaded wheel instead of running pip.
    #[arg(long)]
    wheel: Option<PathBuf>,
}

/// The `--annotations DIR` option shared by every command that scores predictions.
#[derive(Args, Clone, Debug)]
pub struct AnnotationsArg {
    /// Annotation directory in the imagenet_x format (default: the cache filled by
    /// `spillover annotations fetch`; a synthetic world's `annotations/` works too).
    #[arg(long, value_name = "DIR", global = true)]
    pub annotations: Option<PathBuf>,
}

impl AnnotationsArg {
    pub fn open(&self) -> anyhow::Result<AnnotationDir> {
        let dir = self
            .annotations
            .clone()
            .unwrap_or_else(annotations::default_dir);
        Ok(AnnotationDir::open(dir)?)
    }
}

pub fn run(command: AnnotationsCommand) -> anyhow::Result<()> {
    match command {
        AnnotationsCommand::Fetch(args) => {
            let report = annotations::fetch(args.dir.as_deref(), args.wheel.as_deref())
                .context("fetching the ImageNet-X annotations")?;
            if report.written.is_empty() {
                println!(
                    "ImageNet-X annotations and model types already present and verified in {}",
                    report.dir.display()
                );
            } else {
                println!(
                    "fetched {} of {} files (annotations and model_types.py, SHA-256 verified) into {}",
                    report.written.len(),
                    annotations::FETCHED_FILES,
                    report.dir.display()
                );
            }
        }
        AnnotationsCommand::Path => println!("{}", annotations::default_dir().display()),
    }
    Ok(())
}
