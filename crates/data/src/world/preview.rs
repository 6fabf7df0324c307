//! A contact sheet of the world: one row per factor (plus a first row of prototypical
//! images), each image showing only that factor, with the row's name written on the left.

use super::config::WorldConfig;
use super::font::{ADVANCE, draw_text};
use super::render::{mix, render};
use super::scene::{Ties, sample};
use rand::SeedableRng;
use rand_pcg::Pcg64;
use rayon::prelude::*;
use spillover_factors::{Factor, FactorSet};

/// An RGB contact sheet.
pub struct Sheet {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
}

const PAD: usize = 2;
const LABEL_CHARS: usize = 16;

/// Renders `columns` images per row at `cell` pixels; row 0 is prototypical, row i+1 shows
/// [`Factor::ALL`]`[i]`. Column j draws class `j % classes`.
pub fn contact_sheet(cfg: &WorldConfig, cell: u32, columns: usize) -> Sheet {
    let templates = cfg.templates();
    let ties = Ties {
        color: cfg.ties.color as f32,
        background: cfg.ties.background as f32,
    };
    let rows: Vec<(String, FactorSet)> =
        std::iter::once(("prototypical".to_string(), FactorSet::EMPTY))
            .chain(
                Factor::ALL
                    .iter()
                    .map(|f| (f.name().to_string(), [*f].into_iter().collect())),
            )
            .collect();
    let scale = if cell >= 64 { 2 } else { 1 };
    let label_w = LABEL_CHARS * ADVANCE * scale + PAD;
    let c = cell as usize;
    let width = label_w + columns * (c + PAD);
    let height = rows.len() * (c + PAD);
    let cells: Vec<Vec<u8>> = (0..rows.len() * columns)
        .into_par_iter()
        .map(|k| {
            let (r, j) = (k / columns, k % columns);
            let mut rng = Pcg64::seed_from_u64(mix(cfg.seed ^ mix(k as u64 + 1)));
            let spec = sample(&mut rng, &templates, j % templates.len(), rows[r].1, ties);
            render(&spec, &templates, cell).rgb
        })
        .collect();
    let mut rgb = vec![255u8; width * height * 3];
    for (r, (name, _)) in rows.iter().enumerate() {
        let y0 = r * (c + PAD);
        draw_text(
            &mut rgb,
            width,
            PAD,
            y0 + c / 2 - 3 * scale,
            scale,
            name,
            [0, 0, 0],
        );
        for j in 0..columns {
            let x0 = label_w + j * (c + PAD);
            let src = &cells[r * columns + j];
            for y in 0..c {
                let dst = ((y0 + y) * width + x0) * 3;
                rgb[dst..dst + c * 3].copy_from_slice(&src[y * c * 3..(y + 1) * c * 3]);
            }
        }
    }
    Sheet {
        width: width as u32,
        height: height as u32,
        rgb,
    }
}
