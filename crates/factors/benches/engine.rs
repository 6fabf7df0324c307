//! Per-file costs of the factor engine: parsing a 50k-row prediction file and scoring it.
//! `cargo bench -p spillover-factors --bench engine` (needs `spillover annotations fetch`).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use spillover_factors::annotations::{AnnotationDir, Partition, default_dir};
use spillover_factors::eval::{EvalOptions, EvalSet};
use spillover_factors::example::{ExampleSpec, write_example_files};
use spillover_factors::predictions::{parse_predictions, read_predictions_file};
use std::hint::black_box;

fn engine(c: &mut Criterion) {
    let dir = AnnotationDir::open(default_dir()).expect("run `spillover annotations fetch` first");
    let tmp = tempfile::tempdir().unwrap();
    let spec = ExampleSpec {
        count: 1,
        seed: 0,
        edge_cases: false,
        shuffle: true,
    };
    let path = write_example_files(&dir, Partition::Val, tmp.path(), &spec, false)
        .unwrap()
        .remove(0);
    let bytes = std::fs::read(&path).unwrap();
    let set = EvalSet::load(&dir, EvalOptions::default()).unwrap();
    let mut group = c.benchmark_group("per_file");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("parse", |b| {
        b.iter(|| parse_predictions(&path, black_box(&bytes), &set.parse_context(true)).unwrap())
    });
    group.bench_function("parse_without_probabilities", |b| {
        b.iter(|| parse_predictions(&path, black_box(&bytes), &set.parse_context(false)).unwrap())
    });
    let preds = read_predictions_file(&path, &set.parse_context(true)).unwrap();
    group.bench_function("score", |b| {
        b.iter(|| set.score("m", black_box(&preds.class), &preds.prob, false))
    });
    group.bench_function("score_without_calibration", |b| {
        b.iter(|| set.score("m", black_box(&preds.class), &[], false))
    });
    group.finish();
    c.bench_function("load_annotations", |b| {
        b.iter(|| EvalSet::load(&dir, EvalOptions::default()).unwrap())
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = engine
}
criterion_main!(benches);
