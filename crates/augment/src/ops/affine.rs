//! `affine` and `rotate` as torchvision's tensor path computes them: the inverse affine matrix
//! of `_get_inverse_affine_matrix`, a sampling grid in f32 (`_affine_grid`), and `grid_sample`
//! (`align_corners=False`, zero padding) with nearest or bilinear interpolation; a `fill`
//! colour is blended through an interpolated validity mask, exactly like `_apply_grid_transform`.

use crate::Image;

/// Interpolation for geometric warps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interpolation {
    Nearest,
    Bilinear,
}

impl Interpolation {
    pub(crate) fn parse(s: &str) -> Self {
        if s == "bilinear" {
            Interpolation::Bilinear
        } else {
            Interpolation::Nearest
        }
    }
}

/// torchvision's `_get_inverse_affine_matrix` (output → input pixel map, centre-relative).
pub fn inverse_affine_matrix(
    center: [f64; 2],
    angle: f64,
    translate: [f64; 2],
    scale: f64,
    shear: [f64; 2],
) -> [f64; 6] {
    let rot = angle.to_radians();
    let (sx, sy) = (shear[0].to_radians(), shear[1].to_radians());
    let [cx, cy] = center;
    let [tx, ty] = translate;
    let a = (rot - sy).cos() / sy.cos();
    let b = -(a * sx.tan() + rot.sin());
    let c = (rot - sy).sin() / sy.cos();
    let d = rot.cos() - c * sx.tan();
    let mut m = [d / scale, -b / scale, 0.0, -c / scale, a / scale, 0.0];
    m[2] += cx - m[0] * (cx + tx) - m[1] * (cy + ty);
    m[5] += cy - m[3] * (cx + tx) - m[4] * (cy + ty);
    m
}

/// Samples `img` through the centre-relative inverse `matrix` into an `out_w`×`out_h` image.
pub fn warp(
    img: &Image,
    matrix: [f64; 6],
    out_w: u32,
    out_h: u32,
    interp: Interpolation,
    fill: Option<[f32; 3]>,
) -> Image {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let src = img.as_raw();
    let (wf, hf) = (w as f32, h as f32);
    // rescaled_theta = theta^T / [0.5 w, 0.5 h], in f32 as torch builds it.
    let t: [f32; 6] =
        std::array::from_fn(|i| matrix[i] as f32 / if i < 3 { 0.5 * wf } else { 0.5 * hf });
    let mut out = Image::new(out_w, out_h);
    let dst: &mut [u8] = &mut out;
    let x0 = (1.0 - out_w as f32) * 0.5;
    let y0 = (1.0 - out_h as f32) * 0.5;
    let fetch = |x: i64, y: i64, c: usize| -> f32 {
        if x < 0 || y < 0 || x >= w as i64 || y >= h as i64 {
            0.0
        } else {
            src[(y as usize * w + x as usize) * 3 + c] as f32
        }
    };
    for oy in 0..out_h as usize {
        let by = y0 + oy as f32;
        for ox in 0..out_w as usize {
            let bx = x0 + ox as f32;
            let gx = bx * t[0] + by * t[1] + t[2];
            let gy = bx * t[3] + by * t[4] + t[5];
            let ix = ((gx + 1.0) * wf - 1.0) / 2.0;
            let iy = ((gy + 1.0) * hf - 1.0) / 2.0;
            let px = &mut dst[(oy * out_w as usize + ox) * 3..][..3];
            match interp {
                Interpolation::Nearest => {
                    let (nx, ny) = (ix.round_ties_even() as i64, iy.round_ties_even() as i64);
                    let inside = nx >= 0 && ny >= 0 && nx < w as i64 && ny < h as i64;
                    for c in 0..3 {
                        let v = if inside {
                            fetch(nx, ny, c)
                        } else {
                            fill.map_or(0.0, |f| f[c])
                        };
                        px[c] = v.round_ties_even().clamp(0.0, 255.0) as u8;
                    }
                }
                Interpolation::Bilinear => {
                    let (fx, fy) = (ix.floor(), iy.floor());
                    let (xw, yw) = (ix - fx, iy - fy);
                    let (x, y) = (fx as i64, fy as i64);
                    let corners = [
                        (x, y, (1.0 - xw) * (1.0 - yw)),
                        (x + 1, y, xw * (1.0 - yw)),
                        (x, y + 1, (1.0 - xw) * yw),
                        (x + 1, y + 1, xw * yw),
                    ];
                    let inside =
                        |cx: i64, cy: i64| cx >= 0 && cy >= 0 && cx < w as i64 && cy < h as i64;
                    let mask: f32 = corners
                        .iter()
                        .filter(|c| inside(c.0, c.1))
                        .map(|c| c.2)
                        .sum();
                    for c in 0..3 {
                        let mut v: f32 = corners.iter().map(|k| fetch(k.0, k.1, c) * k.2).sum();
                        if let Some(f) = fill {
                            v = (v - f[c]) * mask + f[c];
                        }
                        px[c] = v.round_ties_even().clamp(0.0, 255.0) as u8;
                    }
                }
            }
        }
    }
    out
}

/// `affine(angle, translate, scale, shear, interpolation, fill, center)`.
#[allow(clippy::too_many_arguments)]
pub fn affine(
    img: &Image,
    angle: f64,
    translate: [f64; 2],
    scale: f64,
    shear: [f64; 2],
    interp: Interpolation,
    fill: Option<[f32; 3]>,
    center: Option<[f64; 2]>,
) -> Image {
    let (w, h) = (img.width() as f64, img.height() as f64);
    let c = center.map_or([0.0, 0.0], |[cx, cy]| [cx - 0.5 * w, cy - 0.5 * h]);
    let m = inverse_affine_matrix(c, angle, translate, scale, shear);
    warp(img, m, img.width(), img.height(), interp, fill)
}

/// `rotate(angle, interpolation, expand, center, fill)`: counter-clockwise degrees.
pub fn rotate(
    img: &Image,
    angle: f64,
    interp: Interpolation,
    expand: bool,
    center: Option<[f64; 2]>,
    fill: Option<[f32; 3]>,
) -> Image {
    let angle = angle.rem_euclid(360.0);
    if center.is_none() {
        if angle == 0.0 {
            return img.clone();
        }
        if angle == 180.0 {
            return image::imageops::rotate180(img);
        }
        if expand || img.width() == img.height() {
            // torch.rot90 with k=1 turns counter-clockwise.
            if angle == 90.0 {
                return image::imageops::rotate270(img);
            }
            if angle == 270.0 {
                return image::imageops::rotate90(img);
            }
        }
    }
    let (w, h) = (img.width() as f64, img.height() as f64);
    let c = center.map_or([0.0, 0.0], |[cx, cy]| [cx - 0.5 * w, cy - 0.5 * h]);
    let m = inverse_affine_matrix(c, -angle, [0.0, 0.0], 1.0, [0.0, 0.0]);
    let (ow, oh) = if expand {
        expanded_size(&m, w, h)
    } else {
        (img.width(), img.height())
    };
    warp(img, m, ow, oh, interp, fill)
}

/// `_compute_affine_output_size` (tensor version, f32, with its 1e-4 truncation).
fn expanded_size(m: &[f64; 6], w: f64, h: f64) -> (u32, u32) {
    let (hw, hh) = (0.5 * w as f32, 0.5 * h as f32);
    let t: [f32; 6] = m.map(|v| v as f32);
    let pts = [(-hw, -hh), (-hw, hh), (hw, hh), (hw, -hh)];
    let xs = pts.map(|(x, y)| x * t[0] + y * t[1] + t[2] + hw);
    let ys = pts.map(|(x, y)| x * t[3] + y * t[4] + t[5] + hh);
    let span = |v: [f32; 4]| {
        let (lo, hi) = (
            v.iter().copied().fold(f32::MAX, f32::min),
            v.iter().copied().fold(f32::MIN, f32::max),
        );
        let cut = |x: f32| (x * 1e4).trunc() * 1e-4;
        (cut(hi).ceil() - cut(lo).floor()).max(1.0) as u32
    };
    (span(xs), span(ys))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(w: u32, h: u32) -> Image {
        Image::from_fn(w, h, |x, y| image::Rgb([x as u8 * 10, y as u8 * 10, 5]))
    }

    #[test]
    fn integer_translation_shifts_pixels_and_fills_black() {
        let img = ramp(6, 4);
        let out = affine(
            &img,
            0.0,
            [2.0, 1.0],
            1.0,
            [0.0, 0.0],
            Interpolation::Nearest,
            None,
            None,
        );
        assert_eq!(out.get_pixel(2, 1).0, img.get_pixel(0, 0).0);
        assert_eq!(out.get_pixel(5, 3).0, img.get_pixel(3, 2).0);
        assert_eq!(out.get_pixel(1, 0).0, [0, 0, 0]);
        let b = affine(
            &img,
            0.0,
            [2.0, 1.0],
            1.0,
            [0.0, 0.0],
            Interpolation::Bilinear,
            None,
            None,
        );
        assert_eq!(
            b.as_raw(),
            out.as_raw(),
            "integer shifts need no interpolation"
        );
    }

    #[test]
    fn right_angles_and_expand_sizes() {
        let img = ramp(4, 3);
        let r = rotate(&img, 90.0, Interpolation::Nearest, true, None, None);
        assert_eq!(r.dimensions(), (3, 4));
        // Counter-clockwise: the top-right corner moves to the top-left.
        assert_eq!(r.get_pixel(0, 0).0, img.get_pixel(3, 0).0);
        let e = rotate(
            &ramp(10, 10),
            45.0,
            Interpolation::Bilinear,
            true,
            None,
            None,
        );
        assert_eq!(e.dimensions(), (16, 16), "torchvision gives 16x16");
    }

    #[test]
    fn fill_colours_the_outside() {
        let img = ramp(5, 5);
        let out = affine(
            &img,
            0.0,
            [3.0, 0.0],
            1.0,
            [0.0, 0.0],
            Interpolation::Bilinear,
            Some([9.0, 8.0, 7.0]),
            None,
        );
        assert_eq!(out.get_pixel(0, 2).0, [9, 8, 7]);
        assert_eq!(out.get_pixel(4, 2).0, img.get_pixel(1, 2).0);
    }
}
