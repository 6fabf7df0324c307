//! From augmented RGB8 images to the normalized f32 CHW batch training consumes.
//!
//! torchvision computes `(x.to(float32) * (1/255) - mean) / std` per element; with only 256
//! possible inputs per channel we precompute that exact f32 expression into a lookup table, so
//! the result is bit-identical and the inner loop is one load per element. Where the CPU has
//! FMA, a vector kernel replaces the division by a multiplication with the reciprocal and one
//! correction step, used only when it reproduces the table on all 256 inputs of every channel
//! (checked when the `Normalize` is built; it does for ImageNet's constants).

use crate::error::{AugmentError, Result};
use crate::params::Params;
use crate::{Augmentation, Image};
use crate::{rng, simd};
use rayon::prelude::*;
use std::mem::MaybeUninit;

/// ImageNet channel means (RGB), as torchvision's references use them.
pub const IMAGENET_MEAN: [f32; 3] = [0.485, 0.456, 0.406];
/// ImageNet channel standard deviations (RGB).
pub const IMAGENET_STD: [f32; 3] = [0.229, 0.224, 0.225];

/// `Normalize(mean, std)` applied to a uint8 image scaled to [0, 1] (`ToDtype(float32, scale=True)`).
#[derive(Debug, Clone)]
pub struct Normalize {
    mean: [f32; 3],
    std: [f32; 3],
    lut: Box<[[f32; 256]; 3]>,
    /// `1 / std`, when [`divide_by_reciprocal`] gives the table's bits for every input.
    reciprocal: Option<[f32; 3]>,
}

/// `x / s` as `q = x y` corrected by the residual `x - q s` (Markstein's step, two FMAs),
/// with `y = 1 / s` rounded: the correctly rounded quotient for nearly every `x`.
#[inline(always)]
fn divide_by_reciprocal(x: f32, s: f32, y: f32) -> f32 {
    let q = x * y;
    (-q).mul_add(s, x).mul_add(y, q)
}

/// The table's expression: torchvision's scaling then normalization.
#[inline(always)]
fn normalized(v: u8, mean: f32, std: f32) -> f32 {
    (v as f32 * (1.0f32 / 255.0) - mean) / std
}

impl Default for Normalize {
    fn default() -> Self {
        Normalize::new(IMAGENET_MEAN, IMAGENET_STD).expect("ImageNet std is positive")
    }
}

impl Normalize {
    /// Fails when a std is not positive (the division would produce inf/NaN).
    pub fn new(mean: [f32; 3], std: [f32; 3]) -> Result<Self> {
        if let Some(s) = std
            .iter()
            .find(|s| s.is_nan() || **s <= 0.0 || !s.is_finite())
        {
            return Err(AugmentError::BadParam {
                op: "normalize".into(),
                key: "std".into(),
                message: format!("every std must be positive and finite, got {s}"),
            });
        }
        let lut: Box<[[f32; 256]; 3]> = Box::new(std::array::from_fn(|c| {
            std::array::from_fn(|v| normalized(v as u8, mean[c], std[c]))
        }));
        let y = std.map(|s| 1.0 / s);
        let exact = (0..3).all(|c| {
            (0..=255u8).all(|v| {
                let x = v as f32 * (1.0f32 / 255.0) - mean[c];
                divide_by_reciprocal(x, std[c], y[c]).to_bits() == lut[c][v as usize].to_bits()
            })
        });
        Ok(Normalize {
            mean,
            std,
            lut,
            reciprocal: exact.then_some(y),
        })
    }

    /// From `{ name = "normalize", mean = [...], std = [...] }` (both default to ImageNet).
    pub fn from_table(table: &toml::Table) -> Result<Self> {
        let mut t = table.clone();
        t.remove("name");
        let mut p = Params::new("normalize", t);
        let triple = |p: &mut Params, key: &'static str, default: [f32; 3]| -> Result<[f32; 3]> {
            match p.f64_list(key)? {
                None => Ok(default),
                Some(v) if v.len() == 3 => Ok([v[0] as f32, v[1] as f32, v[2] as f32]),
                Some(v) if v.len() == 1 => Ok([v[0] as f32; 3]),
                Some(v) => Err(p.bad(key, format!("expected 1 or 3 numbers, got {}", v.len()))),
            }
        };
        let mean = triple(&mut p, "mean", IMAGENET_MEAN)?;
        let std = triple(&mut p, "std", IMAGENET_STD)?;
        p.finish()?;
        Normalize::new(mean, std)
    }

    pub fn mean(&self) -> [f32; 3] {
        self.mean
    }

    pub fn std(&self) -> [f32; 3] {
        self.std
    }

    /// Writes `image` as normalized CHW into `out` (length 3·h·w).
    pub fn write_chw(&self, image: &Image, out: &mut [f32]) {
        // SAFETY: `MaybeUninit<f32>` has the layout of `f32`, and `fill` writes only
        // initialized values.
        let out = unsafe { &mut *(out as *mut [f32] as *mut [MaybeUninit<f32>]) };
        self.fill(image, out);
    }

    /// `image` as a normalized CHW vector.
    pub fn to_chw(&self, image: &Image) -> Vec<f32> {
        // Filled without zeroing first (a 224x224 image is 600 kB of f32).
        let n = 3 * (image.width() * image.height()) as usize;
        let mut out = Vec::with_capacity(n);
        self.fill(image, &mut out.spare_capacity_mut()[..n]);
        // SAFETY: `fill` initialized all `n` values.
        unsafe { out.set_len(n) };
        out
    }

    /// Writes every value of `out` (length 3·h·w).
    fn fill(&self, image: &Image, out: &mut [MaybeUninit<f32>]) {
        let plane = (image.width() * image.height()) as usize;
        assert_eq!(out.len(), 3 * plane, "output slice must hold 3*h*w floats");
        let (r, rest) = out.split_at_mut(plane);
        let (g, b) = rest.split_at_mut(plane);
        let raw = image.as_raw();
        // Without hardware FMA, `mul_add` is a slow library call: the table is faster.
        if let Some(y) = self
            .reciprocal
            .filter(|_| simd::level() >= simd::Level::Avx2)
        {
            return planes_by_reciprocal(raw, [r, g, b], self.mean, self.std, y);
        }
        let [lr, lg, lb] = &*self.lut;
        for (i, px) in raw.chunks_exact(3).enumerate() {
            r[i].write(lr[px[0] as usize]);
            g[i].write(lg[px[1] as usize]);
            b[i].write(lb[px[2] as usize]);
        }
    }
}

/// Pixels per step of [`planes_by_reciprocal`].
const PLANE_LANES: usize = 16;

crate::simd::dispatch! {
    /// The normalized planes of `raw` through [`divide_by_reciprocal`], `PLANE_LANES` pixels
    /// at a time (the tail through the table's expression).
    fn planes_by_reciprocal(raw: &[u8], planes: [&mut [MaybeUninit<f32>]; 3], mean: [f32; 3], std: [f32; 3], y: [f32; 3]) {
        let [r, g, b] = planes;
        let mut pixels = raw.chunks_exact(3 * PLANE_LANES);
        let steps = (&mut pixels)
            .zip(r.chunks_exact_mut(PLANE_LANES))
            .zip(g.chunks_exact_mut(PLANE_LANES))
            .zip(b.chunks_exact_mut(PLANE_LANES));
        for (((px, r), g), b) in steps {
            let px: &[u8; 3 * PLANE_LANES] = px.try_into().expect("one step");
            let mut values = [[0f32; PLANE_LANES]; 3];
            for k in 0..PLANE_LANES {
                for c in 0..3 {
                    let x = px[3 * k + c] as f32 * (1.0f32 / 255.0) - mean[c];
                    values[c][k] = divide_by_reciprocal(x, std[c], y[c]);
                }
            }
            for (plane, values) in [r, g, b].into_iter().zip(values) {
                for (d, v) in plane.iter_mut().zip(values) {
                    d.write(v);
                }
            }
        }
        let done = raw.len() / 3 - pixels.remainder().len() / 3;
        for (i, px) in pixels.remainder().chunks_exact(3).enumerate() {
            r[done + i].write(normalized(px[0], mean[0], std[0]));
            g[done + i].write(normalized(px[1], mean[1], std[1]));
            b[done + i].write(normalized(px[2], mean[2], std[2]));
        }
    }
}

/// Normalizes same-sized images into one `[n, 3, h, w]` f32 buffer, in parallel over samples.
pub fn batch_to_chw(images: &[Image], norm: &Normalize) -> Result<Vec<f32>> {
    let Some(first) = images.first() else {
        return Ok(Vec::new());
    };
    let (w, h) = first.dimensions();
    if let Some((i, img)) = images
        .iter()
        .enumerate()
        .find(|(_, im)| im.dimensions() != (w, h))
    {
        return Err(AugmentError::BadBatch(format!(
            "sample {i} is {}x{} but sample 0 is {w}x{h}; end the pipeline with a fixed-size crop or resize",
            img.width(),
            img.height()
        )));
    }
    let per = 3 * (w * h) as usize;
    let mut out = vec![0f32; per * images.len()];
    out.par_chunks_mut(per)
        .zip(images.par_iter())
        .for_each(|(chunk, img)| norm.write_chw(img, chunk));
    Ok(out)
}

/// Augments and normalizes a batch: sample `i` is `images[i]` with dataset index `indices[i]`.
/// Returns the `[n, 3, h, w]` data and that shape. Parallel over samples; the result is the
/// same for any thread count.
pub fn augment_batch(
    pipeline: &dyn Augmentation,
    images: Vec<Image>,
    indices: &[u64],
    seed: u64,
    epoch: u64,
    norm: &Normalize,
) -> Result<(Vec<f32>, [usize; 4])> {
    if images.len() != indices.len() {
        return Err(AugmentError::BadBatch(format!(
            "{} images but {} indices",
            images.len(),
            indices.len()
        )));
    }
    let augmented: Vec<Image> = images
        .into_par_iter()
        .zip(indices.par_iter())
        .map(|(img, &index)| pipeline.apply(img, &mut rng::sample_rng(seed, epoch, index)))
        .collect();
    let data = batch_to_chw(&augmented, norm)?;
    let (w, h) = augmented.first().map(|i| i.dimensions()).unwrap_or((0, 0));
    Ok((data, [augmented.len(), 3, h as usize, w as usize]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_like_torchvision_and_lays_out_chw() {
        let img = Image::from_raw(2, 1, vec![0, 128, 255, 10, 20, 30]).unwrap();
        let n = Normalize::default();
        let chw = n.to_chw(&img);
        let expect = |v: u8, c: usize| (v as f32 / 255.0 - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
        assert_eq!(chw.len(), 6);
        assert!((chw[0] - expect(0, 0)).abs() < 1e-6 && (chw[1] - expect(10, 0)).abs() < 1e-6);
        assert!((chw[2] - expect(128, 1)).abs() < 1e-6 && (chw[3] - expect(20, 1)).abs() < 1e-6);
        assert!((chw[4] - expect(255, 2)).abs() < 1e-6 && (chw[5] - expect(30, 2)).abs() < 1e-6);
        assert!(
            (chw[0] + 2.117_904_2).abs() < 1e-5,
            "0 maps to -mean/std: {}",
            chw[0]
        );
    }

    #[test]
    fn every_byte_normalizes_to_the_table_value() {
        // 256 pixels holding every byte in every channel (shifted per channel), plus a tail
        // shorter than one vector step.
        let img = Image::from_fn(259, 1, |x, _| {
            image::Rgb([
                x as u8,
                (x as u8).wrapping_add(85),
                (x as u8).wrapping_add(170),
            ])
        });
        for n in [
            Normalize::default(),
            Normalize::new([0.1, 0.7, -0.3], [0.5, 2.0, 0.01]).unwrap(),
        ] {
            assert!(
                n.reciprocal.is_some(),
                "the vector kernel reproduces the table"
            );
            let chw = n.to_chw(&img);
            for (c, plane) in chw.chunks_exact(259).enumerate() {
                for (x, v) in plane.iter().enumerate() {
                    let byte = img.as_raw()[3 * x + c];
                    assert_eq!(
                        v.to_bits(),
                        n.lut[c][byte as usize].to_bits(),
                        "channel {c} byte {byte}"
                    );
                }
            }
            let mut written = vec![0f32; chw.len()];
            n.write_chw(&img, &mut written);
            assert_eq!(written, chw);
        }
    }

    #[test]
    fn batch_rejects_mixed_sizes_and_bad_std() {
        let a = Image::new(4, 4);
        let b = Image::new(4, 5);
        let err = batch_to_chw(&[a.clone(), b], &Normalize::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("sample 1"), "{err}");
        assert_eq!(
            batch_to_chw(&[a.clone(), a], &Normalize::default())
                .unwrap()
                .len(),
            2 * 3 * 16
        );
        assert!(
            Normalize::new([0.0; 3], [1.0, 0.0, 1.0])
                .unwrap_err()
                .to_string()
                .contains("`std`")
        );
        let t: toml::Table = toml::from_str("mean = [0.5, 0.5]").unwrap();
        assert!(
            Normalize::from_table(&t)
                .unwrap_err()
                .to_string()
                .contains("`mean`")
        );
    }
}
