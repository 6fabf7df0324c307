//! From augmented RGB8 images to the normalized f32 CHW batch training consumes.
//!
//! torchvision computes `(x.to(float32) * (1/255) - mean) / std` per element; with only 256
//! possible inputs per channel we precompute that exact f32 expression into a lookup table, so
//! the result is bit-identical and the inner loop is one load per element.

use crate::error::{AugmentError, Result};
use crate::params::Params;
use crate::rng;
use crate::{Augmentation, Image};
use rayon::prelude::*;

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
        let mut lut = Box::new([[0f32; 256]; 3]);
        for c in 0..3 {
            for v in 0..256 {
                lut[c][v] = (v as f32 * (1.0f32 / 255.0) - mean[c]) / std[c];
            }
        }
        Ok(Normalize { mean, std, lut })
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
        let plane = (image.width() * image.height()) as usize;
        assert_eq!(out.len(), 3 * plane, "output slice must hold 3*h*w floats");
        let (r, rest) = out.split_at_mut(plane);
        let (g, b) = rest.split_at_mut(plane);
        let [lr, lg, lb] = &*self.lut;
        for (i, px) in image.as_raw().chunks_exact(3).enumerate() {
            r[i] = lr[px[0] as usize];
            g[i] = lg[px[1] as usize];
            b[i] = lb[px[2] as usize];
        }
    }

    /// `image` as a normalized CHW vector.
    pub fn to_chw(&self, image: &Image) -> Vec<f32> {
        // Filled plane by plane without zeroing first (a 224x224 image is 600 kB of f32).
        let mut out = Vec::with_capacity(3 * (image.width() * image.height()) as usize);
        for (c, lut) in self.lut.iter().enumerate() {
            out.extend(image.as_raw().chunks_exact(3).map(|px| lut[px[c] as usize]));
        }
        out
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
