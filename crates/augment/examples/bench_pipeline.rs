//! Throughput of the training pipeline on a directory of JPEGs, for `scripts/bench_augment.py`
//! (which runs torchvision on the same files): decode only, and decode → RandomResizedCrop 224 →
//! flip → paper_color_jitter(1.0) → normalize → f32 CHW; one thread (per CPU-second) and all cores (rayon, per wall-second).
//! Prints one JSON object of images per second.
//!
//! `cargo run --release -p spillover-augment --example bench_pipeline -- DIR [SECONDS] [--stages]`;
//! `-- DIR N --count` (or `--count-decode`) runs exactly N images, for `valgrind --tool=callgrind`.

use rayon::prelude::*;
use spillover_augment::{Augmentation, Image, Normalize, Pipeline, image, rng};
use std::time::{Duration, Instant};

const TRAIN: &str = include_str!("../../../configs/augment/bench_train_color1.0.toml");

fn decode(bytes: &[u8]) -> Image {
    image::load_from_memory_with_format(bytes, image::ImageFormat::Jpeg)
        .expect("a JPEG")
        .into_rgb8()
}

/// CPU time of the calling thread (Linux), so one-thread rates hold up when other processes
/// share the machine; `None` elsewhere (wall time is used then).
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(stat.split_whitespace().next()?.parse::<f64>().ok()? * 1e-9)
}

/// Images per second of `work(i)` over rounds of `n` images until `budget` has passed:
/// per CPU-second of this thread when sequential, per wall-second when parallel.
fn rate(n: usize, budget: Duration, parallel: bool, work: &(dyn Fn(usize) -> usize + Sync)) -> f64 {
    let start = Instant::now();
    let cpu_start = thread_cpu_seconds();
    let mut done = 0usize;
    let mut sink = 0usize;
    while start.elapsed() < budget {
        sink += if parallel {
            (0..n)
                .into_par_iter()
                .map(|i| work(done + i))
                .sum::<usize>()
        } else {
            (0..n).map(|i| work(done + i)).sum()
        };
        done += n;
    }
    std::hint::black_box(sink);
    match (parallel, cpu_start, thread_cpu_seconds()) {
        (false, Some(a), Some(b)) if b > a => done as f64 / (b - a),
        _ => done as f64 / start.elapsed().as_secs_f64(),
    }
}

/// Microseconds of CPU per call of each pipeline stage on one decoded image (`--stages`).
fn stages(bytes: &[u8], secs: f64) {
    use spillover_augment::ops::{color, geometry, random::RandomResizedCrop};
    let photo = decode(bytes);
    let crop = geometry::resized_crop(&photo, 40, 50, 300, 400, 224, 224);
    let rrc = RandomResizedCrop::new(224);
    let jitter = spillover_augment::presets::paper_color_jitter(1.0).expect("valid strength");
    let norm = Normalize::default();
    let budget = Duration::from_secs_f64(secs / 4.0);
    let time = |name: &str, f: &(dyn Fn(usize) -> usize + Sync)| {
        println!("{name:>28}: {:8.1} us", 1e6 / rate(1, budget, false, f))
    };
    time("decode", &|_| decode(bytes).len());
    time("random_resized_crop", &|i| {
        rrc.apply(photo.clone(), &mut rng::sample_rng(0, 0, i as u64))
            .len()
    });
    time("paper_color_jitter(1.0)", &|i| {
        jitter
            .apply(crop.clone(), &mut rng::sample_rng(0, 0, i as u64))
            .len()
    });
    time("adjust_brightness", &|_| {
        color::adjust_brightness(crop.clone(), 1.2).len()
    });
    time("adjust_contrast", &|_| {
        color::adjust_contrast(crop.clone(), 1.2).len()
    });
    time("adjust_saturation", &|_| {
        color::adjust_saturation(crop.clone(), 1.2).len()
    });
    time("adjust_hue (tensor)", &|_| {
        color::adjust_hue_tensor(crop.clone(), 0.05).len()
    });
    time("adjust_hue (pil)", &|_| {
        color::adjust_hue_pil(crop.clone(), 0.05).len()
    });
    time("rgb_to_grayscale", &|_| {
        color::rgb_to_grayscale(crop.clone()).len()
    });
    time("horizontal_flip", &|_| {
        geometry::horizontal_flip(crop.clone()).len()
    });
    time("normalize", &|_| norm.to_chw(&crop).len());
}

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .expect("usage: bench_pipeline DIR [SECONDS] [--stages]");
    let secs: f64 = args
        .next()
        .map(|s| s.parse().expect("SECONDS is a number"))
        .unwrap_or(3.0);
    let mut files: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .expect("readable directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jpg"))
        .map(|p| std::fs::read(p).expect("readable file"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .jpg files in {dir}");
    let mode = args.next();
    let pipeline = Pipeline::from_toml_str(TRAIN).expect("valid pipeline");
    let norm = Normalize::default();
    match mode.as_deref() {
        Some("--stages") => return stages(&files[0], secs),
        // A fixed amount of work (SECONDS read as a count of images) for instruction counting
        // under `valgrind --tool=callgrind`; `--count-decode` decodes only.
        Some(m @ ("--count" | "--count-decode")) => {
            let sink: usize = (0..secs as usize)
                .map(|i| {
                    let img = decode(&files[i % files.len()]);
                    if m == "--count-decode" {
                        return img.len();
                    }
                    let img = pipeline.apply(img, &mut rng::sample_rng(0, 0, i as u64));
                    norm.to_chw(&img).len()
                })
                .sum();
            return println!("{sink}");
        }
        _ => {}
    }
    let budget = Duration::from_secs_f64(secs);
    let n = files.len();
    let decode_only = |i: usize| decode(&files[i % n]).len();
    let full = |i: usize| {
        let img = pipeline.apply(decode(&files[i % n]), &mut rng::sample_rng(0, 0, i as u64));
        norm.to_chw(&img).len()
    };
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    let (d1, p1) = one.install(|| {
        (
            rate(n, budget, false, &decode_only),
            rate(n, budget, false, &full),
        )
    });
    let (dn, pn) = (
        rate(n, budget, true, &decode_only),
        rate(n, budget, true, &full),
    );
    println!(
        "{{\"threads\": {}, \"decode_1\": {d1:.1}, \"pipeline_1\": {p1:.1}, \"decode_all\": {dn:.1}, \"pipeline_all\": {pn:.1}}}",
        rayon::current_num_threads()
    );
}
