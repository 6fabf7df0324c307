//! Shared helpers of the integration tests.
#![allow(dead_code)]

use spillover_factors::annotations::{self, AnnotationDir};
use std::path::PathBuf;

/// The real ImageNet-X annotations, fetched into the cache on first use (pip download of the
/// imagenet-x wheel, checksummed). `scripts/test.sh` fetches them before the tests run.
pub fn imagenet_x() -> AnnotationDir {
    let report = annotations::fetch(None, None).unwrap_or_else(|e| {
        panic!("the ImageNet-X annotations are needed for this test and could not be fetched: {e}")
    });
    AnnotationDir::open(report.dir).unwrap()
}

/// `../shared/reference` beside the repository, or `None` (with the reason printed) when absent.
pub fn reference() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: {} is absent (read-only reference data, not part of the repository)",
            dir.display()
        );
        None
    }
}

/// Reads a CSV (optionally gzipped) into a header and rows of strings.
pub fn read_csv(path: &std::path::Path) -> (Vec<String>, Vec<Vec<String>>) {
    use std::io::Read;
    let raw = std::fs::read(path).unwrap();
    let mut text = String::new();
    if raw.starts_with(&[0x1f, 0x8b]) {
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_string(&mut text)
            .unwrap();
    } else {
        text = String::from_utf8(raw).unwrap();
    }
    let mut lines = text.lines();
    let header = lines.next().unwrap().split(',').map(String::from).collect();
    let rows = lines
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    (header, rows)
}
