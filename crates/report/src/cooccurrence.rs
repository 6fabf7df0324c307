//! Factor co-occurrence in the annotations: Spearman correlation between the 16 binary factor
//! columns of the validation images (prototypes filtered), as the toolkit's
//! `spearman_corr_heatmaps` on the multi-factor annotations.

use std::collections::HashSet;

use spillover_factors::annotations::{AnnotationDir, Partition, WhichFactor};
use spillover_factors::{Factor, NUM_FACTORS};

use crate::error::ReportError;
use crate::stats::spearman;

/// The factor x factor Spearman matrix and its p-values.
#[derive(Debug, Clone, PartialEq)]
pub struct Cooccurrence {
    /// Where the annotations came from.
    pub source: String,
    pub images: usize,
    pub rho: Vec<Vec<f64>>,
    pub p: Vec<Vec<f64>>,
}

/// Reads the validation multi-factor annotations of `dir` and correlates the factors.
pub fn cooccurrence(dir: &AnnotationDir) -> Result<Cooccurrence, ReportError> {
    let fail = |e: spillover_factors::annotations::AnnotationError| {
        ReportError::input(
            dir.root(),
            None,
            format!("cannot read the annotations ({e})"),
            "run `spillover annotations fetch`, or pass --annotations DIR",
        )
    };
    let records = dir
        .factor_records_without_text(Partition::Val, WhichFactor::Multi)
        .map_err(fail)?;
    let prototypes: HashSet<String> = dir.prototypes().unwrap_or_default().into_iter().collect();
    let kept: Vec<_> = records
        .iter()
        .filter(|r| !prototypes.contains(&r.file_name))
        .collect();
    let columns: Vec<Vec<f64>> = Factor::ALL
        .iter()
        .map(|&f| {
            kept.iter()
                .map(|r| f64::from(u8::from(r.factors.contains(f))))
                .collect()
        })
        .collect();
    let mut rho = vec![vec![1.0; NUM_FACTORS]; NUM_FACTORS];
    let mut p = vec![vec![0.0; NUM_FACTORS]; NUM_FACTORS];
    for a in 0..NUM_FACTORS {
        for b in 0..a {
            let (r, pv) = spearman(&columns[a], &columns[b]);
            (rho[a][b], rho[b][a], p[a][b], p[b][a]) = (r, r, pv, pv);
        }
    }
    Ok(Cooccurrence {
        source: dir.root().display().to_string(),
        images: kept.len(),
        rho,
        p,
    })
}
