//! Antialiased bilinear resampling, as torchvision's default `resize` runs it on uint8 images
//! on an AVX2 CPU (ATen's `_upsample_bilinear2d_aa` uint8 kernel, a port of Pillow's
//! `ImagingResample`): separable, horizontal pass first (rounded to uint8), then vertical;
//! triangle-filter weights widened by the scale when downsampling, normalized, and quantized
//! to int16 fixed point with the largest precision that keeps every weight below 2^15.

use crate::Image;
use std::cell::RefCell;

#[cfg(target_arch = "x86_64")]
mod avx2;

/// The input rows of a horizontal pass: rows `row_lo..row_lo + rows`, pixel columns
/// `left..left + width` of an interleaved RGB buffer with `stride` bytes per row.
struct Rows<'a> {
    raw: &'a [u8],
    stride: usize,
    row_lo: usize,
    rows: usize,
    left: usize,
    width: usize,
}

/// Weights of one output coordinate: the first input index and the fixed-point taps.
struct Taps {
    start: Vec<usize>,
    len: Vec<usize>,
    weights: Vec<i32>,
    ksize: usize,
    precision: u32,
}

crate::simd::dispatch! {
    /// Pillow's / ATen's antialiased triangle taps, quantized to int16 fixed point.
    fn compute_taps(in_size: usize, in_offset: usize, out_size: usize) -> Taps {
        let scale = in_size as f64 / out_size as f64;
        let support = if scale >= 1.0 { scale } else { 1.0 };
        let inv = if scale >= 1.0 { 1.0 / scale } else { 1.0 };
        let ksize = support.ceil() as usize * 2 + 1;
        let mut start = Vec::with_capacity(out_size);
        let mut len = Vec::with_capacity(out_size);
        let mut float_w = vec![0f64; out_size * ksize];
        let mut max_w = 0f64;
        for o in 0..out_size {
            let center = scale * (o as f64 + 0.5);
            let xmin = ((center - support + 0.5) as i64).max(0) as usize;
            let xsize = ((center + support + 0.5) as i64).min(in_size as i64) as usize - xmin;
            let ws = &mut float_w[o * ksize..o * ksize + xsize];
            let mut total = 0.0;
            for (j, w) in ws.iter_mut().enumerate() {
                let x = ((j + xmin) as f64 - center + 0.5) * inv;
                *w = (1.0 - x.abs()).max(0.0);
                total += *w;
            }
            for w in ws.iter_mut() {
                if total != 0.0 {
                    *w /= total;
                }
                max_w = max_w.max(*w);
            }
            start.push(xmin + in_offset);
            len.push(xsize);
        }
        let mut precision = 0u32;
        while precision < 22 {
            let next = (0.5 + max_w * (1u64 << (precision + 1)) as f64) as i64;
            if next >= 1 << 15 {
                break;
            }
            precision += 1;
        }
        let unit = (1u64 << precision) as f64;
        let weights = float_w
            .iter()
            .map(|&w| {
                if w < 0.0 {
                    (-0.5 + w * unit) as i32
                } else {
                    (0.5 + w * unit) as i32
                }
            })
            .collect();
        Taps {
            start,
            len,
            weights,
            ksize,
            precision,
        }
    }
}

#[inline]
fn finish(acc: i32, precision: u32) -> u8 {
    (acc >> precision).clamp(0, 255) as u8
}

/// Resizes the region (`top`, `left`, `height`, `width`) of `src` to `out_h`×`out_w`: torch's
/// `resized_crop` (crop, then antialiased bilinear resize) without materializing the crop.
/// The region must lie inside the image.
pub fn resize_region(
    src: &Image,
    top: u32,
    left: u32,
    height: u32,
    width: u32,
    out_h: u32,
    out_w: u32,
) -> Image {
    let (top, left, height, width) = (top as usize, left as usize, height as usize, width as usize);
    let (out_h, out_w) = (out_h as usize, out_w as usize);
    let stride = 3 * src.width() as usize;
    let raw = src.as_raw();
    if out_h == 0 || out_w == 0 || height == 0 || width == 0 {
        return Image::new(out_w as u32, out_h as u32);
    }

    // Horizontal pass over the rows the vertical pass will read.
    let vertical = (height != out_h).then(|| compute_taps(height, top, out_h));
    let (row_lo, row_hi) = match &vertical {
        Some(t) => (
            t.start[0],
            (0..out_h)
                .map(|o| t.start[o] + t.len[o])
                .max()
                .unwrap_or(top),
        ),
        None => (top, top + height),
    };
    let rows = row_hi - row_lo;
    let input = Rows {
        raw,
        stride,
        row_lo,
        rows,
        left,
        width,
    };
    let Some(t) = vertical else {
        let mut out = vec![0u8; rows * out_w * 3];
        horizontal_or_copy(&input, out_w, &mut out);
        return Image::from_raw(out_w as u32, out_h as u32, out)
            .expect("buffer sized to the image");
    };
    let len = rows * out_w * 3;
    let both_passes = |mid: &mut [u8]| {
        horizontal_or_copy(&input, out_w, mid);
        // Every output byte is written by the vertical pass: no need to zero the buffer first.
        let n = out_h * out_w * 3;
        let mut out = Vec::with_capacity(n);
        vertical_pass(
            mid,
            row_lo,
            &t,
            out_w * 3,
            &mut out.spare_capacity_mut()[..n],
        );
        // SAFETY: `vertical_pass` initialized all `n` bytes.
        unsafe { out.set_len(n) };
        Image::from_raw(out_w as u32, out_h as u32, out).expect("buffer sized to the image")
    };
    if len > MAX_SCRATCH {
        return both_passes(&mut vec![0u8; len]);
    }
    // The intermediate rows of training-sized images live in a per-thread buffer, reused
    // from image to image (every byte is written before it is read).
    thread_local!(static MID: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) });
    MID.with_borrow_mut(|scratch| {
        if scratch.len() < len {
            scratch.resize(len, 0);
        }
        both_passes(&mut scratch[..len])
    })
}

/// The largest intermediate buffer kept per thread (bytes).
const MAX_SCRATCH: usize = 4 << 20;

/// `input` resampled to `out_w` pixels per row (or copied when the width stays) into `mid`.
fn horizontal_or_copy(input: &Rows, out_w: usize, mid: &mut [u8]) {
    if input.width != out_w {
        let taps = compute_taps(input.width, input.left, out_w);
        return horizontal_pass(input, &taps, out_w, mid);
    }
    for (r, dst) in mid.chunks_exact_mut(out_w * 3).enumerate() {
        let start = (input.row_lo + r) * input.stride + 3 * input.left;
        dst.copy_from_slice(&input.raw[start..start + 3 * input.width]);
    }
}

/// Rows resampled together by the portable horizontal pass.
const BLOCK: usize = 8;

/// The horizontal pass: AVX2 kernel where available, else the portable one (same integers).
fn horizontal_pass(input: &Rows, t: &Taps, out_w: usize, mid: &mut [u8]) {
    #[cfg(target_arch = "x86_64")]
    if crate::simd::has_avx2() {
        // SAFETY: the CPU supports AVX2, checked just above.
        return unsafe { avx2::horizontal_pass(input, t, out_w, mid) };
    }
    horizontal_portable(input, t, out_w, mid)
}

/// The portable horizontal pass, in blocks of `BLOCK` rows: the block is first transposed so
/// that one input column of all its rows (`BLOCK * 3` bytes) is contiguous; each output column
/// is then a weighted sum of whole input columns, which vectorizes like the vertical pass.
fn horizontal_portable(input: &Rows, t: &Taps, out_w: usize, mid: &mut [u8]) {
    let &Rows {
        raw,
        stride,
        row_lo,
        rows,
        left,
        width,
    } = input;
    const LANES: usize = BLOCK * 3;
    let half = 1i32 << (t.precision - 1);
    let mut columns = vec![0u8; width * LANES];
    for first in (0..rows).step_by(BLOCK) {
        let n = BLOCK.min(rows - first);
        for r in 0..n {
            let row = &raw[(row_lo + first + r) * stride + 3 * left..][..3 * width];
            for (x, px) in row.chunks_exact(3).enumerate() {
                columns[x * LANES + 3 * r..x * LANES + 3 * r + 3].copy_from_slice(px);
            }
        }
        for o in 0..out_w {
            let mut acc = [half; LANES];
            let ws = &t.weights[o * t.ksize..o * t.ksize + t.len[o]];
            for (k, &w) in ws.iter().enumerate() {
                let col: &[u8; LANES] = columns[(t.start[o] - left + k) * LANES..][..LANES]
                    .try_into()
                    .expect("one column");
                for j in 0..LANES {
                    acc[j] += w * col[j] as i32;
                }
            }
            for r in 0..n {
                let dst = &mut mid[(first + r) * out_w * 3 + 3 * o..][..3];
                for c in 0..3 {
                    dst[c] = finish(acc[3 * r + c], t.precision);
                }
            }
        }
    }
}

crate::simd::dispatch! {
    fn vertical_pass(mid: &[u8], row_lo: usize, t: &Taps, line: usize, out: &mut [std::mem::MaybeUninit<u8>]) {
        let half = 1i32 << (t.precision - 1);
        let mut acc = vec![0i32; line];
        for (o, dst) in out.chunks_exact_mut(line).enumerate() {
            acc.fill(half);
            let ws = &t.weights[o * t.ksize..o * t.ksize + t.len[o]];
            for (k, &w) in ws.iter().enumerate() {
                let r = t.start[o] + k - row_lo;
                for (a, &p) in acc.iter_mut().zip(&mid[r * line..(r + 1) * line]) {
                    *a += w * p as i32;
                }
            }
            for (d, &a) in dst.iter_mut().zip(&acc) {
                d.write(finish(a, t.precision));
            }
        }
    }
}

/// `resize(size=[h, w], antialias=True)` with bilinear interpolation.
pub fn resize(img: &Image, out_h: u32, out_w: u32) -> Image {
    if (img.height(), img.width()) == (out_h, out_w) {
        return img.clone();
    }
    resize_region(img, 0, 0, img.height(), img.width(), out_h, out_w)
}

/// torchvision's output size for `resize(size=edge)`: the shorter side becomes `edge`, the
/// longer one `int(edge * long / short)`; `max_size` caps the longer side.
pub fn resized_shape(h: u32, w: u32, edge: u32, max_size: Option<u32>) -> (u32, u32) {
    let (short, long) = if w <= h { (w, h) } else { (h, w) };
    let (mut new_short, mut new_long) = (
        edge,
        (edge as u64 * long as u64 / short.max(1) as u64) as u32,
    );
    if let Some(m) = max_size.filter(|&m| new_long > m) {
        new_short = (m as u64 * new_short as u64 / new_long as u64) as u32;
        new_long = m;
    }
    if w <= h {
        (new_long, new_short)
    } else {
        (new_short, new_long)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_image_stays_constant_at_any_scale() {
        let img = Image::from_pixel(37, 23, image::Rgb([200, 13, 99]));
        for (h, w) in [(5, 7), (23, 80), (64, 11), (1, 1)] {
            let out = resize(&img, h, w);
            assert_eq!(out.dimensions(), (w, h));
            assert!(out.pixels().all(|p| p.0 == [200, 13, 99]), "{h}x{w}");
        }
    }

    #[test]
    fn large_resizes_use_their_own_buffer() {
        // 1100 rows x 1300 x 3 intermediate bytes exceed MAX_SCRATCH; a ramp stays a ramp.
        const { assert!(1100 * 1300 * 3 > MAX_SCRATCH) };
        let img = Image::from_fn(1400, 1100, |x, y| {
            image::Rgb([(x / 6) as u8, (y / 5) as u8, 77])
        });
        let out = resize(&img, 1000, 1300);
        assert!(out.pixels().all(|p| p.0[2] == 77));
        for y in 0..1000 {
            for x in 1..1300 {
                assert!(out.get_pixel(x, y).0[0] >= out.get_pixel(x - 1, y).0[0]);
            }
        }
        assert!((1..1000).all(|y| out.get_pixel(5, y).0[1] >= out.get_pixel(5, y - 1).0[1]));
        assert_eq!(
            (out.get_pixel(0, 0).0[0], out.get_pixel(1299, 999).0[0]),
            (0, 233)
        );
    }

    #[test]
    fn halving_averages_pixel_pairs() {
        // Downsampling 4 -> 2 with the widened triangle: taps (1/8, 3/8, 3/8, 1/8) clipped at edges.
        let img = Image::from_raw(
            4,
            1,
            [0u8, 0, 0, 80, 80, 80, 160, 160, 160, 240, 240, 240].to_vec(),
        )
        .unwrap();
        let out = resize(&img, 1, 2);
        // Left output: weights over x=0,1,2 = (3,3,1)/7 -> (0*3 + 80*3 + 160)/7 = 57.1.
        assert_eq!(out.as_raw()[0], 57);
        assert_eq!(out.as_raw()[3], 183);
    }

    #[test]
    fn shorter_edge_rule_matches_torchvision() {
        assert_eq!(resized_shape(375, 500, 256, None), (256, 341));
        assert_eq!(resized_shape(500, 375, 256, None), (341, 256));
        assert_eq!(resized_shape(100, 1000, 50, Some(200)), (20, 200));
    }
}
