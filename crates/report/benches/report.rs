//! The report on the paper's 664 colour-jitter runs plus the 393-row model zoo (1,057 runs):
//! reading the four tables, the analyses, and the whole report written to disk (figures as SVG
//! and PNG, every file fsynced). `cargo bench -p spillover-report --bench report`; numbers in
//! BENCHMARKS.md. Skips when `../shared/reference` is absent; uses the toolkit's model-type map
//! when `spillover annotations fetch` has cached it (paradigm grouping), else runs without it.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};
use spillover_report::{Input, ModelTypes, Report, ReportOptions, read_input, write_report};

fn tables() -> Option<Vec<PathBuf>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/reference/imagenetx/results/val/top_factor");
    let paths: Vec<PathBuf> = ["colorjitter", "imagenet_testbed", "modelvshuman", "base"]
        .iter()
        .map(|g| root.join(g).join("class/accuracies_per_factor.csv.gz"))
        .collect();
    if let Some(missing) = paths.iter().find(|p| !p.exists()) {
        eprintln!("skipped: reference table {} is absent", missing.display());
        return None;
    }
    Some(paths)
}

fn read_all(paths: &[PathBuf]) -> Vec<Input> {
    paths.iter().flat_map(|p| read_input(p).unwrap()).collect()
}

fn report(c: &mut Criterion) {
    let Some(paths) = tables() else {
        return;
    };
    let dir = spillover_factors::annotations::default_dir();
    let model_types = ModelTypes::from_cache(&dir).unwrap();
    if model_types.is_none() {
        eprintln!(
            "note: no model_types.py in {} (run `spillover annotations fetch`): the zoo is benchmarked without paradigm grouping",
            dir.display()
        );
    }
    let options = ReportOptions {
        model_types,
        ..ReportOptions::default()
    };
    let mut group = c.benchmark_group("report_colorjitter_664_plus_zoo_393");
    group.sample_size(10);
    group.bench_function("read", |b| b.iter(|| read_all(black_box(&paths))));
    let inputs = read_all(&paths);
    group.bench_function("analyze", |b| {
        b.iter(|| Report::build(black_box(inputs.clone()), None, &options).unwrap())
    });
    let built = Report::build(inputs, None, &options).unwrap();
    let out = tempfile::tempdir().unwrap();
    group.bench_function("draw_and_write", |b| {
        b.iter(|| write_report(black_box(&built), out.path()).unwrap())
    });
    group.bench_function("total", |b| {
        b.iter(|| {
            let r = Report::build(read_all(black_box(&paths)), None, &options).unwrap();
            write_report(&r, out.path()).unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, report);
criterion_main!(benches);
