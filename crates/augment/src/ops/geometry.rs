//! Crops and flips, and the parameter sampling of `RandomResizedCrop`.

use super::resize::resize_region;

#[cfg(target_arch = "x86_64")]
mod avx2;
use crate::Image;
use crate::rng::{self, SampleRng};

/// Python's `round` (half to even), which torchvision uses for crop anchors and box sizes.
pub(crate) fn round_half_even(x: f64) -> i64 {
    let r = x.round();
    if (x - x.trunc()).abs() == 0.5 && r as i64 % 2 != 0 {
        (r - x.signum()) as i64
    } else {
        r as i64
    }
}

/// `crop(top, left, height, width)`: pixels outside the image are black (torchvision pads).
pub fn crop(img: &Image, top: i64, left: i64, height: u32, width: u32) -> Image {
    let (w, h) = (img.width() as i64, img.height() as i64);
    if top >= 0 && left >= 0 && top + height as i64 <= h && left + width as i64 <= w {
        return image::imageops::crop_imm(img, left as u32, top as u32, width, height).to_image();
    }
    let mut out = Image::new(width, height);
    for y in 0..height as i64 {
        let sy = top + y;
        if !(0..h).contains(&sy) {
            continue;
        }
        for x in 0..width as i64 {
            let sx = left + x;
            if (0..w).contains(&sx) {
                out.put_pixel(x as u32, y as u32, *img.get_pixel(sx as u32, sy as u32));
            }
        }
    }
    out
}

/// `center_crop(output_size)`: anchor `round((H - h) / 2)`, zero padding when the crop is larger.
pub fn center_crop(img: &Image, height: u32, width: u32) -> Image {
    let (ih, iw) = (img.height() as i64, img.width() as i64);
    let (ch, cw) = (height as i64, width as i64);
    // torchvision pads first (left/top get the floor half), then crops at the rounded anchor.
    let (pad_top, pad_left) = (
        if ch > ih { (ch - ih) / 2 } else { 0 },
        if cw > iw { (cw - iw) / 2 } else { 0 },
    );
    let (ph, pw) = (if ch > ih { ch } else { ih }, if cw > iw { cw } else { iw });
    let top = round_half_even((ph - ch) as f64 / 2.0) - pad_top;
    let left = round_half_even((pw - cw) as f64 / 2.0) - pad_left;
    crop(img, top, left, height, width)
}

/// `resized_crop(top, left, height, width, size)`: crop, then antialiased bilinear resize.
pub fn resized_crop(
    img: &Image,
    top: i64,
    left: i64,
    height: u32,
    width: u32,
    out_h: u32,
    out_w: u32,
) -> Image {
    let inside = top >= 0
        && left >= 0
        && top + height as i64 <= img.height() as i64
        && left + width as i64 <= img.width() as i64;
    if inside {
        if (height, width) == (out_h, out_w) {
            return crop(img, top, left, height, width);
        }
        resize_region(img, top as u32, left as u32, height, width, out_h, out_w)
    } else {
        super::resize::resize(&crop(img, top, left, height, width), out_h, out_w)
    }
}

/// `horizontal_flip`: mirror left-right.
pub fn horizontal_flip(mut img: Image) -> Image {
    let width = img.width() as usize;
    if width == 0 {
        return img;
    }
    #[cfg(target_arch = "x86_64")]
    if crate::simd::has_avx2() {
        // SAFETY: the CPU supports AVX2, checked just above.
        unsafe { avx2::mirror_rows(&mut img, width) };
        return img;
    }
    for row in img.chunks_exact_mut(3 * width) {
        row.as_chunks_mut::<3>().0.reverse();
    }
    img
}

/// `vertical_flip`: mirror top-bottom.
pub fn vertical_flip(mut img: Image) -> Image {
    image::imageops::flip_vertical_in_place(&mut img);
    img
}

/// A crop box: top, left, height, width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CropBox {
    pub top: u32,
    pub left: u32,
    pub height: u32,
    pub width: u32,
}

/// `RandomResizedCrop.make_params`: up to 10 draws of area fraction in `scale` and log-uniform
/// aspect ratio in `ratio`, then the central fallback crop clamped to `ratio`.
pub fn random_resized_crop_box(
    h: u32,
    w: u32,
    scale: (f64, f64),
    ratio: (f64, f64),
    rng: &mut SampleRng,
) -> CropBox {
    let area = (h as f64) * (w as f64);
    let (log_lo, log_hi) = ((ratio.0 as f32).ln() as f64, (ratio.1 as f32).ln() as f64);
    for _ in 0..10 {
        let target_area = area * rng::uniform(rng, scale.0, scale.1);
        let aspect = rng::uniform(rng, log_lo, log_hi).exp();
        let cw = round_half_even((target_area * aspect).sqrt());
        let ch = round_half_even((target_area / aspect).sqrt());
        if 0 < cw && cw <= w as i64 && 0 < ch && ch <= h as i64 {
            let top = rng::below(rng, (h as i64 - ch + 1) as usize) as u32;
            let left = rng::below(rng, (w as i64 - cw + 1) as usize) as u32;
            return CropBox {
                top,
                left,
                height: ch as u32,
                width: cw as u32,
            };
        }
    }
    let in_ratio = w as f64 / h as f64;
    let (min_r, max_r) = (ratio.0.min(ratio.1), ratio.0.max(ratio.1));
    let (cw, ch) = if in_ratio < min_r {
        (w as i64, round_half_even(w as f64 / min_r))
    } else if in_ratio > max_r {
        (round_half_even(h as f64 * max_r), h as i64)
    } else {
        (w as i64, h as i64)
    };
    let (cw, ch) = (
        cw.clamp(1, w.max(1) as i64) as u32,
        ch.clamp(1, h.max(1) as i64) as u32,
    );
    CropBox {
        top: (h - ch) / 2,
        left: (w - cw) / 2,
        height: ch,
        width: cw,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(w: u32, h: u32) -> Image {
        Image::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, (x + y) as u8]))
    }

    #[test]
    fn python_rounding() {
        assert_eq!(
            [0.5, 1.5, 2.5, -0.5, 2.4, 2.6].map(round_half_even),
            [0, 2, 2, 0, 2, 3]
        );
    }

    #[test]
    fn center_crop_anchors_and_pads_like_torchvision() {
        let img = ramp(5, 4);
        let c = center_crop(&img, 2, 2);
        // top = round(1.0) = 1, left = round(1.5) = 2.
        assert_eq!(c.get_pixel(0, 0).0, [2, 1, 3]);
        let p = center_crop(&img, 6, 5);
        assert_eq!(p.dimensions(), (5, 6));
        assert_eq!(p.get_pixel(0, 0).0, [0, 0, 0], "padded row");
        assert_eq!(
            p.get_pixel(0, 1).0,
            [0, 0, 0],
            "first image row is original row 0"
        );
        assert_eq!(p.get_pixel(3, 2).0, [3, 1, 4]);
    }

    #[test]
    fn crop_outside_is_black() {
        let c = crop(&ramp(3, 3), -1, 1, 2, 3);
        assert_eq!(c.get_pixel(0, 0).0, [0, 0, 0]);
        assert_eq!(c.get_pixel(0, 1).0, [1, 0, 1]);
        assert_eq!(c.get_pixel(2, 1).0, [0, 0, 0]);
    }

    #[test]
    fn rrc_boxes_fit_and_fallback_is_central() {
        let mut rng = rng::seeded(3);
        for _ in 0..1000 {
            let b = random_resized_crop_box(375, 500, (0.08, 1.0), (0.75, 4.0 / 3.0), &mut rng);
            assert!(
                b.top + b.height <= 375 && b.left + b.width <= 500 && b.height > 0 && b.width > 0
            );
        }
        // A 1x100 strip can never fit the ratio range: central fallback with width = h * 4/3.
        let b = random_resized_crop_box(3, 300, (0.9, 1.0), (0.75, 4.0 / 3.0), &mut rng);
        assert_eq!(
            b,
            CropBox {
                top: 0,
                left: 148,
                height: 3,
                width: 4
            }
        );
    }
}
