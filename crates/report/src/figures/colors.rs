//! Colour scales: ColorBrewer's diverging RdBu (blue = lower error ratio = more robust, red =
//! higher; not red-green, and every heatmap cell also prints its signed value, so grayscale
//! prints stay readable) and Okabe–Ito's colour-blind-safe categorical palette.

use plotters::style::RGBColor;

/// RdBu, 11 classes, from blue (-1) to red (+1).
const RDBU: [(u8, u8, u8); 11] = [
    (0x05, 0x30, 0x61),
    (0x21, 0x66, 0xac),
    (0x43, 0x93, 0xc3),
    (0x92, 0xc5, 0xde),
    (0xd1, 0xe5, 0xf0),
    (0xf7, 0xf7, 0xf7),
    (0xfd, 0xdb, 0xc7),
    (0xf4, 0xa5, 0x82),
    (0xd6, 0x60, 0x4d),
    (0xb2, 0x18, 0x2b),
    (0x67, 0x00, 0x1f),
];

/// The colour of `t` in [-1, 1] (clamped; NaN is light grey).
pub fn diverging(t: f64) -> RGBColor {
    if t.is_nan() {
        return RGBColor(0xdd, 0xdd, 0xdd);
    }
    let x = (t.clamp(-1.0, 1.0) + 1.0) / 2.0 * 10.0;
    let i = (x.floor() as usize).min(9);
    let f = x - i as f64;
    let (a, b) = (RDBU[i], RDBU[i + 1]);
    let mix = |p: u8, q: u8| (p as f64 + (q as f64 - p as f64) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Black or white, whichever reads better on `c`.
pub fn text_on(c: RGBColor) -> RGBColor {
    let luma = 0.299 * c.0 as f64 + 0.587 * c.1 as f64 + 0.114 * c.2 as f64;
    if luma < 128.0 {
        RGBColor(255, 255, 255)
    } else {
        RGBColor(0, 0, 0)
    }
}

/// Okabe–Ito: distinguishable with the common colour-vision deficiencies.
pub const CATEGORICAL: [RGBColor; 8] = [
    RGBColor(0x00, 0x72, 0xb2),
    RGBColor(0xe6, 0x9f, 0x00),
    RGBColor(0x00, 0x9e, 0x73),
    RGBColor(0xcc, 0x79, 0xa7),
    RGBColor(0xd5, 0x5e, 0x00),
    RGBColor(0x56, 0xb4, 0xe9),
    RGBColor(0x00, 0x00, 0x00),
    RGBColor(0xf0, 0xe4, 0x42),
];
