//! `erase` and `RandomErasing` (box sampling of torchvision v2's `RandomErasing.make_params`).

use super::geometry::round_half_even;
use crate::Image;
use crate::rng::{self, SampleRng};

/// What to write into the erased box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EraseValue {
    /// One colour (torchvision's `value=0` default, or `value=[r, g, b]`), truncated to uint8.
    Color([f64; 3]),
    /// `value="random"`: uniform uint8 noise. torchvision draws N(0, 1) noise, which only makes
    /// sense for normalized float images; on uint8 we draw uniform bytes instead.
    Random,
}

/// `erase(i, j, h, w, v)`: overwrite the box at row `i`, column `j`.
pub fn erase(
    mut img: Image,
    i: u32,
    j: u32,
    h: u32,
    w: u32,
    v: EraseValue,
    rng: &mut SampleRng,
) -> Image {
    let (iw, ih) = img.dimensions();
    for y in i.min(ih)..(i + h).min(ih) {
        for x in j.min(iw)..(j + w).min(iw) {
            let px = &mut img.get_pixel_mut(x, y).0;
            match v {
                EraseValue::Color(c) => *px = c.map(|c| c.clamp(0.0, 255.0) as u8),
                EraseValue::Random => *px = [0; 3].map(|_| rng::below(rng, 256) as u8),
            }
        }
    }
    img
}

/// `RandomErasing.make_params`: up to 10 tries for a box of area fraction in `scale` and
/// log-uniform aspect in `ratio` (height = sqrt(area·ratio)) strictly inside the image; `None`
/// when every try fails (the image is then left unchanged).
pub fn random_erasing_box(
    h: u32,
    w: u32,
    scale: (f64, f64),
    ratio: (f64, f64),
    rng: &mut SampleRng,
) -> Option<(u32, u32, u32, u32)> {
    let area = h as f64 * w as f64;
    let (lo, hi) = ((ratio.0 as f32).ln() as f64, (ratio.1 as f32).ln() as f64);
    for _ in 0..10 {
        let erase_area = area * rng::uniform(rng, scale.0, scale.1);
        let aspect = rng::uniform(rng, lo, hi).exp();
        let eh = round_half_even((erase_area * aspect).sqrt());
        let ew = round_half_even((erase_area / aspect).sqrt());
        if !(eh < h as i64 && ew < w as i64) {
            continue;
        }
        let i = rng::below(rng, (h as i64 - eh + 1) as usize) as u32;
        let j = rng::below(rng, (w as i64 - ew + 1) as usize) as u32;
        return Some((i, j, eh.max(0) as u32, ew.max(0) as u32));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erases_exactly_the_box() {
        let img = Image::from_pixel(6, 5, image::Rgb([50, 60, 70]));
        let out = erase(
            img,
            1,
            2,
            2,
            3,
            EraseValue::Color([1.9, 300.0, 0.0]),
            &mut rng::seeded(0),
        );
        let changed: Vec<(u32, u32)> = out
            .enumerate_pixels()
            .filter(|p| p.2.0 != [50, 60, 70])
            .map(|p| (p.0, p.1))
            .collect();
        assert_eq!(changed.len(), 6);
        assert!(
            changed
                .iter()
                .all(|&(x, y)| (2..5).contains(&x) && (1..3).contains(&y))
        );
        assert_eq!(out.get_pixel(2, 1).0, [1, 255, 0]);
    }

    #[test]
    fn boxes_fit_inside() {
        let mut r = rng::seeded(2);
        for _ in 0..500 {
            if let Some((i, j, h, w)) = random_erasing_box(40, 30, (0.02, 0.33), (0.3, 3.3), &mut r)
            {
                assert!(i + h <= 40 && j + w <= 30 && h < 40 && w < 30);
            }
        }
    }
}
