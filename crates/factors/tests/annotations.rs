//! The real ImageNet-X annotation files: counts, and the fast scanner against serde_json.

mod common;

use spillover_factors::annotations::{Partition, WhichFactor};

#[test]
fn fast_scanner_reads_every_real_annotation_like_serde() {
    let dir = common::imagenet_x();
    for (partition, which, lines) in [
        (Partition::Val, WhichFactor::Top, 48_868),
        (Partition::Val, WhichFactor::Multi, 48_868),
        (Partition::Train, WhichFactor::Top, 11_233),
        (Partition::Train, WhichFactor::Multi, 11_233),
    ] {
        let full = dir.factor_records(partition, which).unwrap();
        let lean = dir.factor_records_without_text(partition, which).unwrap();
        assert_eq!(full.len(), lines, "{partition} {which}");
        assert_eq!(lean.len(), lines);
        for (a, b) in full.iter().zip(&lean) {
            assert_eq!(
                (&a.file_name, a.class, a.factors),
                (&b.file_name, b.class, b.factors)
            );
            assert!(b.justification.is_empty() && b.one_word.is_empty());
        }
        assert!(full.iter().any(|r| !r.justification.is_empty()));
    }
    assert_eq!(dir.val_labels().unwrap().len(), 50_000);
    assert_eq!(dir.prototypes().unwrap().len(), 3_000);
    assert_eq!(dir.metaclasses().unwrap().len(), 1_000);
    assert_eq!(
        dir.real_labels()
            .unwrap()
            .iter()
            .filter(|l| l.is_empty())
            .count(),
        3_163
    );
}
