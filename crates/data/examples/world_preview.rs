//! Writes the world's contact sheet: one row per factor.
//!
//! `cargo run --release -p spillover-data --example world_preview -- sheet.png [cell_px] [columns]`

use spillover_data::world::{WorldConfig, preview::contact_sheet, write::encode_png};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args.next().unwrap_or_else(|| "world_sheet.png".into());
    let cell: u32 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(96);
    let columns: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(10);
    let sheet = contact_sheet(&WorldConfig::default(), cell, columns);
    std::fs::write(&out, encode_png(&sheet.rgb, sheet.width, sheet.height))?;
    println!("wrote {out} ({}x{})", sheet.width, sheet.height);
    Ok(())
}
