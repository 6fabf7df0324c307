//! A fake sweep directory in the format `spillover sweep` writes (sweep.json, cells/<name>/ with
//! factors.csv, history.csv and done.json), with a known spill-over: colour jitter lowers the
//! `color` error ratio by 0.3 x strength and raises `pose` by 0.2 x strength.

use std::fmt::Write as _;
use std::path::Path;

use spillover_factors::Factor;

/// Deterministic noise in [-0.5, 0.5).
pub fn noise(state: &mut u64) -> f64 {
    *state = state
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    ((*state >> 11) as f64 / (1u64 << 53) as f64) - 0.5
}

/// The error ratio a cell is built with (before noise).
pub fn target_er(f: Factor, strength: f64) -> f64 {
    match f {
        Factor::Color => 1.5 - 0.3 * strength,
        Factor::Pose => 0.8 + 0.2 * strength,
        _ => 1.0 + 0.02 * f.index() as f64,
    }
}

pub const STRENGTHS: [f64; 4] = [0.25, 0.5, 0.75, 1.0];
pub const SEEDS: [i64; 3] = [0, 1, 2];

/// Writes the sweep under `dir`; the cell `color1-seed2` is left unfinished (no done.json).
pub fn write_sweep(dir: &Path) {
    let mut cells = Vec::new();
    let mut state = 7u64;
    let mut plan: Vec<(String, String, Option<f64>, i64)> = SEEDS
        .iter()
        .map(|&s| (format!("flip-seed{s}"), "flip".to_string(), None, s))
        .collect();
    for &st in &STRENGTHS {
        for &s in &SEEDS {
            plan.push((format!("color{st}-seed{s}"), "color".into(), Some(st), s));
        }
    }
    for (i, (name, group, strength, seed)) in plan.iter().enumerate() {
        let cell = dir.join("cells").join(name);
        std::fs::create_dir_all(&cell).unwrap();
        let top1 = 0.70 - 0.02 * strength.unwrap_or(0.0) + 0.01 * noise(&mut state);
        let mut csv = String::from("factor,images,accuracy,error_ratio\n");
        for f in Factor::ALL {
            let er = target_er(f, strength.unwrap_or(0.0)) + 0.02 * noise(&mut state);
            let acc = 1.0 - er * (1.0 - top1);
            let _ = writeln!(csv, "{f},100,{acc},{}", (1.0 - acc) / (1.0 - top1));
        }
        let _ = writeln!(csv, "all,5000,{top1},1");
        std::fs::write(cell.join("factors.csv"), csv).unwrap();
        let mut history = String::from(
            "epoch,lr,train_loss,train_top1,eval_loss,eval_top1,eval_top5,images_per_sec\n",
        );
        for e in 1..=3 {
            let _ = writeln!(
                history,
                "{e},0.1,{},{},{},{},0.9,400",
                2.0 / e as f64,
                0.3 * e as f64,
                2.2 / e as f64,
                0.22 * e as f64
            );
        }
        std::fs::write(cell.join("history.csv"), history).unwrap();
        std::fs::write(
            cell.join("predictions.csv"),
            "file_name,predicted_class,predicted_probability\n",
        )
        .unwrap();
        if name != "color1-seed2" {
            std::fs::write(cell.join("done.json"), format!("{{\"name\":\"{name}\",\"id\":\"{i:012x}\",\"eval_top1\":{top1},\"seconds\":1.0}}")).unwrap();
        }
        cells.push(format!(
            "{{\"index\":{i},\"name\":\"{name}\",\"id\":\"{i:012x}\",\"group\":\"{group}\",\"strength\":{},\"seed\":{seed},\"model\":\"resnet18_small\",\"values\":{{\"seed\":{seed}{}}},\"differences\":[\"augment\",\"train.seed\"]}}",
            strength.map_or("null".to_string(), |s| s.to_string()),
            strength.map_or(String::new(), |s| format!(",\"augment.paper_color_jitter.strength\":{s}"))
        ));
    }
    let json = format!(
        "{{\"version\":1,\"experiment\":\"configs/sweep/demo.toml\",\"name\":\"demo\",\"baseline\":\"flip\",\"cells\":[{}]}}",
        cells.join(",")
    );
    std::fs::write(dir.join("sweep.json"), json).unwrap();
}
