//! Colour kernels with torchvision v2's *tensor* semantics on uint8 images, and `adjust_hue` also
//! with its PIL semantics (Pillow's 8-bit HSV), the default: see [`HueBackend`].
//!
//! torchvision converts to float32, computes, clamps to [0, 255] and casts back with `.to(uint8)`,
//! which truncates. Where the result depends on one channel value only (brightness, contrast,
//! solarize, autocontrast, ...) we tabulate torch's exact f32 expression for all 256 inputs; the
//! per-pixel ops (saturation, grayscale, hue) repeat torch's f32 arithmetic step by step. ATen's
//! `add_(other, alpha)` is a fused multiply-add; an f32 product of an 8-bit integer and an f32
//! constant is exact in f64, so `(a as f64 + b as f64 * alpha as f64) as f32` reproduces it.

use crate::Image;

/// Applies one 256-entry table per channel.
pub(crate) fn apply_luts(mut img: Image, luts: &[[u8; 256]; 3]) -> Image {
    for px in img.chunks_exact_mut(3) {
        px[0] = luts[0][px[0] as usize];
        px[1] = luts[1][px[1] as usize];
        px[2] = luts[2][px[2] as usize];
    }
    img
}

fn same_lut(lut: [u8; 256]) -> [[u8; 256]; 3] {
    [lut, lut, lut]
}

/// `clamp(x, 0, 255).to(uint8)`: clamp then truncate toward zero (NaN → 0, as torch on x86).
#[inline]
pub(crate) fn to_u8(x: f32) -> u8 {
    x.clamp(0.0, 255.0) as u8
}

/// Pixels processed together: the per-pixel kernels below are written over `[f32; LANES]`
/// arrays so LLVM turns them into SIMD code (see `crate::simd`).
const LANES: usize = 16;

/// Runs `$body` on groups of `LANES` RGB pixels bound to `$px`; the tail goes through a padded
/// scratch buffer. A macro, not a closure, so the body is compiled inside the AVX2 function.
macro_rules! for_each_lanes {
    ($data:expr, $px:ident => $body:block) => {{
        let data: &mut [u8] = $data;
        let mut chunks = data.chunks_exact_mut(3 * LANES);
        for chunk in &mut chunks {
            let $px: &mut [u8; 3 * LANES] = chunk.try_into().expect("exact chunk");
            $body
        }
        let rest = chunks.into_remainder();
        if !rest.is_empty() {
            let mut buf = [0u8; 3 * LANES];
            buf[..rest.len()].copy_from_slice(rest);
            {
                let $px: &mut [u8; 3 * LANES] = &mut buf;
                $body
            }
            rest.copy_from_slice(&buf[..rest.len()]);
        }
    }};
}

/// `floor` of `_rgb_to_grayscale_image` on uint8 (`0.2989 r + 0.587 g + 0.114 b`), from the
/// exact integer numerator `n`: `floor((n + 0.5) / 10^4)` in f32 is exact for every `n` here
/// (n + 0.5 is representable and lies at least 5e-5 from a multiple of 10^4, more than the
/// f32 error), and vectorizes. torch evaluates the sum in f32 and may land a hair below an
/// exactly integral sum (a few of the 2^24 colours), flooring one lower; that changes a grey
/// level by one at most, within the tolerance.
#[inline(always)]
fn gray_floor(r: u8, g: u8, b: u8) -> f32 {
    let n = 2989 * r as u32 + 5870 * g as u32 + 1140 * b as u32;
    ((n as f32 + 0.5) * 1e-4f32).floor()
}

crate::simd::dispatch! {
    fn sum_floor_gray(data: &[u8]) -> u64 {
        // u32 lanes, emptied into the u64 total every 2^20 pixels, long before they could
        // overflow (2^16 grey levels below 256 per lane).
        const BLOCK: usize = 3 * (1 << 20);
        let mut total = 0u64;
        for block in data.chunks(BLOCK) {
            let mut lanes = [0u32; LANES];
            let mut chunks = block.chunks_exact(3 * LANES);
            for chunk in &mut chunks {
                for k in 0..LANES {
                    let grey = gray_floor(chunk[3 * k], chunk[3 * k + 1], chunk[3 * k + 2]);
                    // SAFETY: a floored grey level lies in [0, 255].
                    lanes[k] += unsafe { grey.to_int_unchecked::<u32>() };
                }
            }
            let tail: u64 = chunks.remainder().chunks_exact(3).map(|px| gray_floor(px[0], px[1], px[2]) as u64).sum();
            total += lanes.iter().map(|&l| l as u64).sum::<u64>() + tail;
        }
        total
    }
}

crate::simd::dispatch! {
    /// torch `_blend(image, other, ratio)` on uint8: `fma(other, 1 - ratio, image * ratio)`,
    /// clamped and truncated. `other` is a constant (0 for brightness, the mean grey for
    /// contrast) or, when `None`, each pixel's floored grey (saturation).
    fn blend_lanes(data: &mut [u8], ratio: f32, one_minus: f32, other: Option<f32>) {
        match other {
            // Every byte on its own: a flat loop, which LLVM vectorizes best.
            Some(o) => {
                for v in data.iter_mut() {
                    let x = min(max(o.mul_add(one_minus, *v as f32 * ratio), 0.0), 255.0);
                    // SAFETY: x is in [0, 255] (NaN becomes 0 in `max`), so it fits an i32.
                    *v = unsafe { x.to_int_unchecked::<i32>() } as u8;
                }
            }
            None => {
                for px in data.as_chunks_mut::<3>().0 {
                    let g = gray_floor(px[0], px[1], px[2]);
                    for v in px.iter_mut() {
                        let x = min(max(g.mul_add(one_minus, *v as f32 * ratio), 0.0), 255.0);
                        // SAFETY: x is in [0, 255] (NaN becomes 0 in `max`), so it fits an i32.
                        *v = unsafe { x.to_int_unchecked::<i32>() } as u8;
                    }
                }
            }
        }
    }
}

crate::simd::dispatch! {
    fn grayscale_lanes(data: &mut [u8]) {
        for_each_lanes!(data, px => {
            let mut out = [0u8; 3 * LANES];
            for k in 0..LANES {
                let grey = gray_floor(px[3 * k], px[3 * k + 1], px[3 * k + 2]);
                // SAFETY: a floored grey level lies in [0, 255].
                let grey = unsafe { grey.to_int_unchecked::<i32>() } as u8;
                out[3 * k] = grey;
                out[3 * k + 1] = grey;
                out[3 * k + 2] = grey;
            }
            *px = out;
        });
    }
}

/// A blend with a constant: the same value for every byte, through a table where that is
/// faster. The table is the kernel's own output on the 256 byte values, so the bytes agree.
fn blend_constant(img: &mut Image, ratio: f32, one_minus: f32, other: f32) {
    if super::lut::is_fast() {
        let mut lut: [u8; 256] = std::array::from_fn(|v| v as u8);
        blend_lanes(&mut lut, ratio, one_minus, Some(other));
        super::lut::apply(img, &lut);
    } else {
        blend_lanes(img, ratio, one_minus, Some(other));
    }
}

/// `adjust_brightness(brightness_factor)`: `clamp(x * f)`.
pub fn adjust_brightness(mut img: Image, factor: f64) -> Image {
    // torch: clamp(x * f); the same as a blend with 0 (fma(0, a, x * f) == x * f).
    blend_constant(&mut img, factor as f32, 0.0, 0.0);
    img
}

/// `adjust_contrast(contrast_factor)`: blend with the mean of the floored grayscale image.
pub fn adjust_contrast(mut img: Image, factor: f64) -> Image {
    let n = (img.width() * img.height()) as u64;
    if n == 0 {
        return img;
    }
    let sum = sum_floor_gray(&img);
    let mean = (sum as f64 / n as f64) as f32;
    blend_constant(&mut img, factor as f32, (1.0 - factor) as f32, mean);
    img
}

/// `adjust_saturation(saturation_factor)`: blend each pixel with its floored grayscale value.
pub fn adjust_saturation(mut img: Image, factor: f64) -> Image {
    blend_lanes(&mut img, factor as f32, (1.0 - factor) as f32, None);
    img
}

/// `rgb_to_grayscale(num_output_channels=3)`: the luma, truncated, in all three channels.
pub fn rgb_to_grayscale(mut img: Image) -> Image {
    grayscale_lanes(&mut img);
    img
}

/// `solarize(threshold)`: invert every value `>= threshold`.
pub fn solarize(mut img: Image, threshold: f64) -> Image {
    // `v >= threshold` holds from some byte on, or for none (256).
    let from = (0..=255u16).find(|&v| v as f64 >= threshold).unwrap_or(256);
    invert_from(&mut img, from);
    img
}

crate::simd::dispatch! {
    fn invert_from(data: &mut [u8], from: u16) {
        for v in data.iter_mut() {
            *v = if *v as u16 >= from { 255 - *v } else { *v };
        }
    }
}

/// `posterize(bits)`: keep the `bits` most significant bits.
pub fn posterize(img: Image, bits: u8) -> Image {
    if bits >= 8 {
        return img;
    }
    let mask = (((1u16 << bits) - 1) << (8 - bits)) as u8;
    apply_luts(img, &same_lut(std::array::from_fn(|v| v as u8 & mask)))
}

/// `invert`: `255 - x`.
pub fn invert(img: Image) -> Image {
    apply_luts(img, &same_lut(std::array::from_fn(|v| 255 - v as u8)))
}

fn channel_min_max(img: &Image) -> ([u8; 3], [u8; 3]) {
    let (mut lo, mut hi) = ([255u8; 3], [0u8; 3]);
    for px in img.chunks_exact(3) {
        for c in 0..3 {
            lo[c] = lo[c].min(px[c]);
            hi[c] = hi[c].max(px[c]);
        }
    }
    (lo, hi)
}

/// `autocontrast`: stretch each channel to [0, 255] (`(x - min) / ((max - min) / 255)`).
pub fn autocontrast(img: Image) -> Image {
    if img.is_empty() {
        return img;
    }
    let (lo, hi) = channel_min_max(&img);
    let luts: [[u8; 256]; 3] = std::array::from_fn(|c| {
        let (min, inv_scale) = if lo[c] == hi[c] {
            (0.0f32, 1.0f32)
        } else {
            (lo[c] as f32, (hi[c] - lo[c]) as f32 * (1.0f32 / 255.0))
        };
        std::array::from_fn(|v| to_u8((v as f32 - min) / inv_scale))
    });
    apply_luts(img, &luts)
}

/// `equalize`: PIL's histogram equalization per channel (as torchvision reproduces it).
pub fn equalize(img: Image) -> Image {
    if img.is_empty() {
        return img;
    }
    let mut hist = [[0u64; 256]; 3];
    for px in img.chunks_exact(3) {
        for c in 0..3 {
            hist[c][px[c] as usize] += 1;
        }
    }
    let n = (img.width() * img.height()) as u64;
    let luts: [[u8; 256]; 3] = std::array::from_fn(|c| {
        let h = &hist[c];
        let last = (0..256).rev().find(|&i| h[i] > 0).unwrap_or(0);
        let step = (n - h[last]) / 255;
        if step == 0 {
            return std::array::from_fn(|v| v as u8);
        }
        let mut lut = [0u8; 256];
        let mut cum = 0u64;
        for k in 1..256 {
            cum += h[k - 1];
            lut[k] = ((cum + step / 2) / step).min(255) as u8;
        }
        lut
    });
    apply_luts(img, &luts)
}

/// `adjust_sharpness(sharpness_factor)`: blend the interior with a 3×3 smoothing
/// (`[[1,1,1],[1,5,1],[1,1,1]] / 13`, rounded); the one-pixel border is left as is.
pub fn adjust_sharpness(img: Image, factor: f64) -> Image {
    let (w, h) = (img.width() as usize, img.height() as usize);
    if w <= 2 || h <= 2 {
        return img;
    }
    let alpha = (1.0 - factor) as f32;
    let src = img.as_raw();
    let mut out = img.clone();
    let dst: &mut [u8] = &mut out;
    let stride = 3 * w;
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            for c in 0..3 {
                let at = |yy: usize, xx: usize| src[yy * stride + 3 * xx + c] as u32;
                let centre = at(y, x);
                let ring = at(y - 1, x - 1)
                    + at(y - 1, x)
                    + at(y - 1, x + 1)
                    + at(y, x - 1)
                    + at(y, x + 1)
                    + at(y + 1, x - 1)
                    + at(y + 1, x)
                    + at(y + 1, x + 1);
                // (ring + 5c) / 13 is never exactly k + 1/2, so floor((s + 6) / 13) is torch's round.
                let blurred = ((ring + 5 * centre + 6) / 13) as f32;
                let v = centre as f32;
                dst[y * stride + 3 * x + c] =
                    to_u8(((blurred - v) as f64 * alpha as f64 + v as f64) as f32);
            }
        }
    }
    out
}

/// Which of torchvision's two `adjust_hue` kernels to follow. They differ by up to ~13 levels:
/// PIL quantizes hue to 256 steps, the tensor kernel works in float.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum HueBackend {
    /// PIL images, what the paper's pipeline (ImageFolder + transforms on PIL) ran: Pillow's
    /// `convert("HSV")`, the hue channel shifted as uint8 (mod 256), `convert("RGB")`
    /// (`torchvision.transforms._functional_pil.adjust_hue`). The default.
    #[default]
    Pil,
    /// uint8 tensors: float32 HSV (`_functional_tensor`/v2 `adjust_hue_image`).
    Tensor,
}

impl HueBackend {
    /// The TOML names, default first.
    pub const NAMES: [&'static str; 2] = ["pil", "tensor"];

    /// `"pil"` or `"tensor"`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "pil" => Some(HueBackend::Pil),
            "tensor" => Some(HueBackend::Tensor),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            HueBackend::Pil => "pil",
            HueBackend::Tensor => "tensor",
        }
    }
}

/// `adjust_hue(hue_factor)` on the chosen back-end (`hue_factor` in [-0.5, 0.5]).
pub fn adjust_hue(img: Image, hue_factor: f64, backend: HueBackend) -> Image {
    match backend {
        HueBackend::Pil => adjust_hue_pil(img, hue_factor),
        HueBackend::Tensor => adjust_hue_tensor(img, hue_factor),
    }
}

/// `adjust_hue` on PIL images: `h, s, v = img.convert("HSV").split()`, `h += uint8(hue_factor *
/// 255)` with wrap-around, `merge("HSV", (h, s, v)).convert("RGB")`. The shift is
/// `np.array(hue_factor * 255).astype(np.uint8)`: truncation toward zero, negative values wrapped
/// modulo 256 (what the C cast does on x86-64, where the paper's models were trained).
pub fn adjust_hue_pil(mut img: Image, hue_factor: f64) -> Image {
    pil_hue_lanes(&mut img, (hue_factor * 255.0) as i32 as u8);
    img
}

crate::simd::dispatch! {
    /// [`pil_rgb_to_hsv`], the hue shift and [`pil_hsv_to_rgb`] per pixel, without branches so
    /// that sixteen pixels go through the vector units at once (the same operations, so the same
    /// bytes: a test compares every colour with the scalar functions).
    fn pil_hue_lanes(data: &mut [u8], shift: u8) {
        // Two simple loops over the lanes (RGB -> HSV, then HSV -> RGB) rather than one long
        // body: LLVM vectorizes them.
        // SAFETY (every `to_int_unchecked` below): the values are finite and in i32's range (h
        // and s in [0, 1], h6 in [0, 6], the products in [0, 255]); LLVM scalarises the
        // saturating `as`.
        let trunc = |x: f64| unsafe { x.to_int_unchecked::<i32>() };
        for_each_lanes!(data, px => {
            // Integers first: the largest and smallest byte, and which differences the hue takes.
            let (mut vv, mut lov, mut xv, mut yv, mut offv) =
                ([0u8; LANES], [0u8; LANES], [0u8; LANES], [0u8; LANES], [0.0f64; LANES]);
            for k in 0..LANES {
                let (r, g, b) = (px[3 * k], px[3 * k + 1], px[3 * k + 2]);
                let hi = r.max(g).max(b);
                // Pillow: bc - gc, 2.0 + rc - bc or 4.0 + gc - rc by the largest channel.
                // Without branches: exactly one of the three flags is 1.
                let rm = (hi == r) as u8;
                let gm = (hi == g) as u8 & (1 - rm);
                let bm = 1 - rm - gm;
                let (xb, yb) = (rm * b + gm * r + bm * g, rm * g + gm * b + bm * r);
                let offset = (2 * gm + 4 * bm) as f64;
                (vv[k], lov[k], xv[k], yv[k], offv[k]) = (hi, r.min(g).min(b), hi - xb, hi - yb, offset);
            }
            let (mut hv, mut sv) = ([0u8; LANES], [0u8; LANES]);
            for k in 0..LANES {
                let (hi, lo) = (vv[k], lov[k]);
                let eq = hi == lo;
                let cr = if eq { 1.0 } else { (hi - lo) as f32 };
                let s = (hi - lo) as f32 / if eq { 1.0 } else { hi as f32 };
                // The first case in f32, the others in f64: a difference of two f32 in [0, 1]
                // is exact in f64, so `(0.0 + x - y) as f32` is the f32 subtraction.
                let xd = xv[k] as f32 / cr;
                let yd = yv[k] as f32 / cr;
                let h = (offv[k] + xd as f64 - yd as f64) as f32;
                let x = h as f64 / 6.0 + 1.0;
                let h = (if x >= 1.0 { x - 1.0 } else { x }) as f32;
                hv[k] = if eq { 0 } else { trunc(h as f64 * 255.0) as u8 };
                sv[k] = if eq { 0 } else { trunc(s as f64 * 255.0) as u8 };
            }
            let mut out = [0u8; 3 * LANES];
            for k in 0..LANES {
                let (us, hi) = (sv[k], vv[k]);
                let h6 = hv[k].wrapping_add(shift) as f64 * 6.0 / 255.0;
                let i = trunc(h6);
                let f = (h6 - i as f64) as f32;
                let fs = (us as f64 / 255.0) as f32;
                let v = hi as f64;
                let p = trunc(v * (1.0 - fs as f64) + 0.5) as u8;
                let q = trunc(v * (1.0 - (fs * f) as f64) + 0.5) as u8;
                let t = trunc(v * (1.0 - fs as f64 * (1.0 - f as f64)) + 0.5) as u8;
                // Sector i % 6 picks (v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v) or
                // (v, p, q); a grey pixel (s = 0) is (v, v, v): sector 6 of the table.
                let i = if us == 0 { 6 } else if i >= 6 { i - 6 } else { i } as usize;
                let values = [hi, p, q, t];
                let pick = PIL_SECTORS[i];
                out[3 * k] = values[pick[0] as usize];
                out[3 * k + 1] = values[pick[1] as usize];
                out[3 * k + 2] = values[pick[2] as usize];
            }
            *px = out;
        });
    }
}

/// Which of (v, p, q, t) each output channel takes in each hue sector (`hsv2rgb`'s switch), and
/// (v, v, v) for grey.
const PIL_SECTORS: [[u8; 3]; 7] = [
    [0, 3, 1],
    [2, 0, 1],
    [1, 0, 3],
    [1, 2, 0],
    [3, 1, 0],
    [0, 1, 2],
    [0, 0, 0],
];

/// Pillow's `rgb2hsv_row` (libImaging/Convert.c): float and double arithmetic exactly where the C
/// code has them (`2.0 + rc - bc` and `h / 6.0 + 1.0` are evaluated in double, stored in float).
/// Two shortcuts keep every value: only the two of `rc, gc, bc` that the hue uses are divided,
/// and `fmod(x, 1.0)` is `x - 1` for `x >= 1` (x lies in [5/6, 11/6], where that is exact).
#[inline]
pub fn pil_rgb_to_hsv(r: u8, g: u8, b: u8) -> [u8; 3] {
    let maxc = r.max(g).max(b);
    let minc = r.min(g).min(b);
    if maxc == minc {
        return [0, 0, maxc];
    }
    let cr = (maxc - minc) as f32;
    let s = cr / maxc as f32;
    let h: f32 = if r == maxc {
        (maxc - b) as f32 / cr - (maxc - g) as f32 / cr
    } else if g == maxc {
        (2.0 + ((maxc - r) as f32 / cr) as f64 - ((maxc - b) as f32 / cr) as f64) as f32
    } else {
        (4.0 + ((maxc - g) as f32 / cr) as f64 - ((maxc - r) as f32 / cr) as f64) as f32
    };
    let x = h as f64 / 6.0 + 1.0;
    let h = (if x >= 1.0 { x - 1.0 } else { x }) as f32;
    // `(int)(x * 255.0)` with x in [0, 1): truncation, already within CLIP8's range.
    [(h as f64 * 255.0) as u8, (s as f64 * 255.0) as u8, maxc]
}

/// Pillow's `hsv2rgb` (libImaging/Convert.c), same float/double mix. C's `round` (half away from
/// zero) of the non-negative products is `(x + 0.5)` truncated: exact here (a test compares all
/// 2^24 inputs with Pillow).
#[inline]
pub fn pil_hsv_to_rgb(h: u8, s: u8, v: u8) -> [u8; 3] {
    if s == 0 {
        return [v, v, v];
    }
    let h6 = h as f32 as f64 * 6.0 / 255.0;
    let i = h6 as i32; // floor: h6 >= 0
    let f = (h6 - i as f32 as f64) as f32;
    let fs = (s as f32 as f64 / 255.0) as f32;
    let vf = v as f32 as f64;
    // Products in [0, 255]: CLIP8 never clips.
    let round8 = |x: f64| (x + 0.5) as u8;
    let p = round8(vf * (1.0 - fs as f64));
    let q = round8(vf * (1.0 - (fs * f) as f64));
    let t = round8(vf * (1.0 - fs as f64 * (1.0 - f as f64)));
    match i % 6 {
        0 => [v, t, p],
        1 => [q, v, p],
        2 => [p, v, t],
        3 => [p, q, v],
        4 => [t, p, v],
        _ => [v, p, q],
    }
}

/// `adjust_hue(hue_factor)` on uint8 tensors: RGB → HSV, rotate hue, HSV → RGB, in torch's f32
/// arithmetic (`_rgb_to_hsv`, `remainder_`, `_hsv_to_rgb`, then `* 255.999` and truncation),
/// written without branches so that sixteen pixels go through the vector units at once.
pub fn adjust_hue_tensor(mut img: Image, hue_factor: f64) -> Image {
    hue_lanes(&mut img, hue_factor as f32);
    img
}

#[inline(always)]
fn max(a: f32, b: f32) -> f32 {
    if a > b { a } else { b }
}

#[inline(always)]
fn min(a: f32, b: f32) -> f32 {
    if a < b { a } else { b }
}

crate::simd::dispatch! {
    /// torch's steps, with two shortcuts that keep every byte: (1) torch's output channels are
    /// `v`, `p` and `q` or `t`; `v * 255.999` truncates to the input's largest byte and `p`
    /// (= `(1 - s) v`) to its smallest, for every input (tests check all of them), so only
    /// `q` or `t` is computed per pixel. (2) Of torch's three divisions `rc, gc, bc`, the hue
    /// uses two, picked by which channel is the largest before dividing.
    fn hue_lanes(data: &mut [u8], hue_factor: f32) {
        for_each_lanes!(data, px => {
            let mut out = [0u8; 3 * LANES];
            for k in 0..LANES {
                let (rb, gb, bb) = (px[3 * k], px[3 * k + 1], px[3 * k + 2]);
                let (hb, lb) = (rb.max(gb).max(bb), rb.min(gb).min(bb));
                let (r, g, b) = (rb as f32, gb as f32, bb as f32);
                // Scaling by 1/255 is monotonic and one-to-one on bytes, so max, min and
                // equality are taken on the bytes.
                let (hi, lo) = (hb as f32, lb as f32);
                let eqc = hb == lb;
                let (maxc, minc) = (hi * HUE_UNIT, lo * HUE_UNIT);
                let range = maxc - minc;
                let s = range / if eqc { 1.0 } else { maxc };
                let div = if eqc { 1.0 } else { range };
                // torch: bc - gc, (rc + 2) - bc or (gc + 4) - rc, by the largest channel.
                let (x, y, offset) = if hb == rb { (b, g, 0.0) } else if hb == gb { (r, b, 2.0) } else { (g, r, 4.0) };
                let h = ((maxc - x * HUE_UNIT) / div + offset) - (maxc - y * HUE_UNIT) / div;
                // fmod(h / 6 + 1, 1) with the argument in [5/6, 11/6]: subtracting 1 is exact.
                let h = h * SIXTH + 1.0;
                let h = if h >= 1.0 { h - 1.0 } else { h };
                // torch.remainder(h + f, 1) for h + f in [-0.5, 1.5).
                let h = h + hue_factor;
                let h = if h >= 1.0 { h - 1.0 } else { h };
                let h = if h < 0.0 { h + 1.0 } else { h };
                let h6 = h * 6.0;
                let i = h6.floor();
                let f = h6 - i;
                let i = if i >= 6.0 { i - 6.0 } else { i };
                let sxf = s * f;
                // Odd sectors take q, even ones t; both lie in [0, 1], so the scaled value
                // truncates to a byte.
                let odd = i == 1.0 || i == 3.0 || i == 5.0;
                let mid = if odd {
                    min(max((1.0 - sxf) * maxc, 0.0), 1.0)
                } else {
                    min(max((sxf + (1.0 - s)) * maxc, 0.0), 1.0)
                } * HUE_SCALE;
                // SAFETY: `mid` is in [0, 255.999] (NaN is impossible: `div` and the maximum
                // are positive where they divide).
                let mb = unsafe { mid.to_int_unchecked::<i32>() } as u8;
                out[3 * k] = if i == 0.0 || i == 5.0 { hb } else if i == 1.0 || i == 4.0 { mb } else { lb };
                out[3 * k + 1] = if i == 1.0 || i == 2.0 { hb } else if i == 0.0 || i == 3.0 { mb } else { lb };
                out[3 * k + 2] = if i == 3.0 || i == 4.0 { hb } else if i == 2.0 || i == 5.0 { mb } else { lb };
            }
            *px = out;
        });
    }
}

/// torch's `/ 255` as the f32 multiplication the hue kernel uses.
const HUE_UNIT: f32 = (1.0f64 / 255.0) as f32;
const SIXTH: f32 = (1.0f64 / 6.0) as f32;
/// `_hsv_to_rgb` output scale before truncation to uint8.
const HUE_SCALE: f32 = 255.0 + 1.0 - 1e-3;

#[cfg(test)]
mod tests {
    use super::*;

    fn img(px: &[[u8; 3]]) -> Image {
        Image::from_raw(px.len() as u32, 1, px.concat()).unwrap()
    }

    #[test]
    fn simple_luts_follow_torch_formulas() {
        let i = img(&[[0, 100, 255], [10, 128, 200]]);
        assert_eq!(
            adjust_brightness(i.clone(), 1.3).as_raw(),
            &[0, 130, 255, 13, 166, 255]
        );
        assert_eq!(
            solarize(i.clone(), 128.0).as_raw(),
            &[0, 100, 0, 10, 127, 55]
        );
        assert_eq!(posterize(i.clone(), 2).as_raw(), &[0, 64, 192, 0, 128, 192]);
        assert_eq!(invert(i.clone()).as_raw(), &[255, 155, 0, 245, 127, 55]);
        // Autocontrast per channel: r in [0,10], g in [100,128], b in [200,255]. The max maps to
        // 254, not 255: torch divides by the f32 (max - min) * (1/255), which rounds up.
        assert_eq!(autocontrast(i).as_raw(), &[0, 0, 254, 254, 254, 0]);
    }

    #[test]
    fn grayscale_truncates_like_torch() {
        // 0.2989 + 0.587 + 0.114 = 0.9999, so white becomes 254 in torchvision's tensor path.
        let g = rgb_to_grayscale(img(&[[255, 255, 255], [255, 0, 0], [0, 0, 255]]));
        assert_eq!(g.as_raw(), &[254, 254, 254, 76, 76, 76, 29, 29, 29]);
    }

    #[test]
    fn hue_rotation_moves_primaries_and_keeps_greys() {
        let i = img(&[[255, 0, 0], [128, 128, 128], [0, 255, 0]]);
        let out = adjust_hue_tensor(i.clone(), 1.0 / 3.0);
        assert_eq!(
            &out.as_raw()[..3],
            &[0, 255, 0],
            "red + 120 degrees is green"
        );
        assert_eq!(&out.as_raw()[3..6], &[128, 128, 128]);
        assert_eq!(
            adjust_hue_tensor(i.clone(), 0.0).as_raw(),
            i.as_raw(),
            "zero shift is the identity"
        );
    }

    /// torch's `adjust_hue` on one pixel, every step as `_rgb_to_hsv` / `_hsv_to_rgb` take it.
    fn hue_reference(px: [u8; 3], hue_factor: f32) -> [u8; 3] {
        let [r, g, b] = px.map(|c| c as f32 * HUE_UNIT);
        let maxc = max(max(r, g), b);
        let minc = min(min(r, g), b);
        let eqc = maxc == minc;
        let range = maxc - minc;
        let s = range / if eqc { 1.0 } else { maxc };
        let div = if eqc { 1.0 } else { range };
        let (rc, gc, bc) = ((maxc - r) / div, (maxc - g) / div, (maxc - b) / div);
        let h = if maxc == r {
            bc - gc
        } else if maxc == g {
            (rc + 2.0) - bc
        } else {
            (gc + 4.0) - rc
        };
        let h = (h * SIXTH + 1.0).rem_euclid(1.0);
        let h = (h + hue_factor).rem_euclid(1.0);
        let v = maxc;
        let h6 = h * 6.0;
        let i = h6.floor();
        let f = h6 - i;
        let i = (i as i32).rem_euclid(6);
        let clamp01 = |x: f32| x.clamp(0.0, 1.0);
        let q = clamp01((1.0 - s * f) * v);
        let t = clamp01((s * f + (1.0 - s)) * v);
        let p = clamp01((1.0 - s) * v);
        let rgb = [
            [v, t, p],
            [q, v, p],
            [p, v, t],
            [p, q, v],
            [t, p, v],
            [v, p, q],
        ][i as usize];
        rgb.map(|c| to_u8(c * HUE_SCALE))
    }

    #[test]
    fn hue_value_and_min_channels_come_out_as_the_input_bytes() {
        // v = max * (1/255) and p = (1 - s) v, scaled by 255.999 and truncated, give back the
        // largest and smallest input byte for every (max, min) pair: what `hue_lanes` relies on.
        for hi in 0..=255u8 {
            let v = hi as f32 * HUE_UNIT;
            assert_eq!(to_u8(v * HUE_SCALE), hi);
            for lo in 0..=hi {
                let eqc = hi == lo;
                let s = (v - lo as f32 * HUE_UNIT) / if eqc { 1.0 } else { v };
                let p = ((1.0 - s) * v).clamp(0.0, 1.0);
                assert_eq!(to_u8(p * HUE_SCALE), lo, "max {hi} min {lo}");
            }
        }
    }

    #[test]
    fn hue_kernel_matches_torch_steps_on_every_colour() {
        let all: Vec<u8> = (0..1u32 << 24)
            .flat_map(|v| [(v >> 16) as u8, (v >> 8) as u8, v as u8])
            .collect();
        for f in [0.05f32, -0.5, 0.4999, -0.137] {
            let mut out = all.clone();
            hue_lanes(&mut out, f);
            for (i, (o, px)) in out.chunks_exact(3).zip(all.chunks_exact(3)).enumerate() {
                let want = hue_reference([px[0], px[1], px[2]], f);
                assert_eq!(o, want, "colour {i:06x}, factor {f}");
            }
        }
    }

    #[test]
    fn pil_hue_kernel_matches_pillow_steps_on_every_colour() {
        // `pil_rgb_to_hsv` / `pil_hsv_to_rgb` are checked against Pillow on all inputs
        // (tests/torchvision_exact.rs); the vector kernel must give the same bytes.
        let all: Vec<u8> = (0..1u32 << 24)
            .flat_map(|v| [(v >> 16) as u8, (v >> 8) as u8, v as u8])
            .collect();
        for shift in [0u8, 12, 129, 255] {
            let mut out = all.clone();
            pil_hue_lanes(&mut out, shift);
            for (i, (o, px)) in out.chunks_exact(3).zip(all.chunks_exact(3)).enumerate() {
                let [h, s, v] = pil_rgb_to_hsv(px[0], px[1], px[2]);
                let want = pil_hsv_to_rgb(h.wrapping_add(shift), s, v);
                assert_eq!(o, want, "colour {i:06x}, shift {shift}");
            }
        }
    }

    #[test]
    fn pil_hue_shift_truncates_and_wraps_like_numpy() {
        // np.array(f * 255).astype(np.uint8) on x86-64: -0.5 -> 129, -0.3 -> 180, 0.05 -> 12.
        let red = img(&[[255, 0, 0]]);
        for (f, shift) in [(-0.5, 129u8), (-0.3, 180), (0.05, 12), (0.4999, 127)] {
            let [h, s, v] = pil_rgb_to_hsv(255, 0, 0);
            assert_eq!(
                adjust_hue_pil(red.clone(), f).as_raw(),
                &pil_hsv_to_rgb(h.wrapping_add(shift), s, v),
                "{f}"
            );
        }
    }

    #[test]
    fn equalize_flat_channel_is_identity_and_spread_channel_stretches() {
        let i = img(&[[5, 0, 7], [5, 50, 7], [5, 100, 7], [5, 200, 7]]);
        let out = equalize(i);
        // Flat channels (r, b) have step 0 and stay; g has n - hist[last] = 3 < 255 so step 0 too.
        assert_eq!(out.as_raw(), &[5, 0, 7, 5, 50, 7, 5, 100, 7, 5, 200, 7]);
    }
}
