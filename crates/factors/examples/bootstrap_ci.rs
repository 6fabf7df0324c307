//! Per-factor 95 % bootstrap confidence intervals for a synthetic model, timed.
//!
//! `cargo run --release -p spillover-factors --example bootstrap_ci -- [IMAGES] [RESAMPLES]`
//!
//! Image `i` carries factor `i % 16`, also `(i / 16) % 16` when `i % 3 == 0`, and is correct
//! when `(i * 7919) % 100 < 75`; `scripts/bench_stats.py` builds the same data for NumPy.

use std::time::Instant;

use spillover_factors::stats::{BootstrapConfig, factor_bootstrap_ci};
use spillover_factors::{Factor, FactorSet};

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>());
    let images = args
        .next()
        .unwrap_or(Ok(50_000))
        .expect("IMAGES must be a number");
    let resamples = args
        .next()
        .unwrap_or(Ok(1_000))
        .expect("RESAMPLES must be a number");
    let (correct, sets): (Vec<bool>, Vec<FactorSet>) = (0..images)
        .map(|i| {
            let mut set = FactorSet::EMPTY;
            set.insert(Factor::ALL[i % 16]);
            if i % 3 == 0 {
                set.insert(Factor::ALL[(i / 16) % 16]);
            }
            ((i * 7919) % 100 < 75, set)
        })
        .unzip();
    let config = BootstrapConfig {
        resamples,
        level: 0.95,
        seed: 0,
    };
    let start = Instant::now();
    let ci = factor_bootstrap_ci(&correct, &sets, &config).expect("valid synthetic input");
    let seconds = start.elapsed().as_secs_f64();
    println!("factor            accuracy  [95 % CI]            error ratio  [95 % CI]");
    for f in Factor::ALL {
        let (a, e) = (ci.accuracy[f.index()], ci.error_ratio[f.index()]);
        println!(
            "{:16}  {:.4}    [{:.4}, {:.4}]   {:.4}       [{:.4}, {:.4}]",
            f.name(),
            a.estimate,
            a.low,
            a.high,
            e.estimate,
            e.low,
            e.high
        );
    }
    println!(
        "bootstrap_seconds {seconds:.4} images {images} resamples {resamples} threads {}",
        rayon::current_num_threads()
    );
}
