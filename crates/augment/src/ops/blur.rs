//! `gaussian_blur` as torchvision computes it: a normalized Gaussian kernel from
//! `softmax(-(linspace(-lim, lim, k) / sigma)^2)` with `lim = (k - 1) / (2 sqrt 2)` (i.e.
//! `exp(-d^2 / (2 sigma^2))`), reflect padding (edge not repeated), f32 arithmetic, rounded
//! half-to-even. torch convolves with the outer-product 2-D kernel; we apply the same weights
//! separably in f32, which changes only the summation order (well below the final rounding).

use crate::Image;

/// The 1-D kernel, in f32 like torch's.
pub fn gaussian_kernel(ksize: usize, sigma: f64) -> Vec<f32> {
    let lim = (ksize as f64 - 1.0) / (2.0 * std::f64::consts::SQRT_2);
    let step = if ksize > 1 {
        2.0 * lim / (ksize as f64 - 1.0)
    } else {
        0.0
    };
    let sigma = sigma as f32;
    let logits: Vec<f32> = (0..ksize)
        .map(|i| {
            let x = (-lim + step * i as f64) as f32;
            -(x / sigma).powi(2)
        })
        .collect();
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exps: Vec<f32> = logits.iter().map(|l| (l - max).exp()).collect();
    let total: f32 = exps.iter().sum();
    exps.iter().map(|e| e / total).collect()
}

/// Reflect an index into `0..n` the way `torch.nn.functional.pad(mode="reflect")` does, folding
/// again when the kernel is wider than the image (torch would refuse such a pad).
#[inline]
fn reflect(i: isize, n: usize) -> usize {
    if n == 1 {
        return 0;
    }
    let period = 2 * (n as isize - 1);
    let m = i.rem_euclid(period);
    (if m >= n as isize { period - m } else { m }) as usize
}

/// `gaussian_blur(kernel_size=[kx, ky], sigma=[sx, sy])` on an RGB8 image.
pub fn gaussian_blur(img: &Image, kx: usize, ky: usize, sigma_x: f64, sigma_y: f64) -> Image {
    let (w, h) = (img.width() as usize, img.height() as usize);
    if w == 0 || h == 0 {
        return img.clone();
    }
    let (kern_x, kern_y) = (gaussian_kernel(kx, sigma_x), gaussian_kernel(ky, sigma_y));
    let (rx, ry) = ((kx / 2) as isize, (ky / 2) as isize);
    let src = img.as_raw();

    // Vertical pass into f32 rows padded horizontally, so the horizontal pass needs no branches.
    let padded_w = w + 2 * rx as usize;
    let col_of: Vec<usize> = (0..padded_w as isize).map(|x| reflect(x - rx, w)).collect();
    let mut tmp = vec![0f32; padded_w * 3];
    let mut out = vec![0u8; w * h * 3];
    let mut line = vec![0f32; w * 3];
    for y in 0..h {
        line.fill(0.0);
        for (k, &kw) in kern_y.iter().enumerate() {
            let sy = reflect(y as isize + k as isize - ry, h);
            let row = &src[sy * w * 3..(sy + 1) * w * 3];
            for (acc, &p) in line.iter_mut().zip(row) {
                *acc += kw * p as f32;
            }
        }
        for (x, &sx) in col_of.iter().enumerate() {
            tmp[3 * x..3 * x + 3].copy_from_slice(&line[3 * sx..3 * sx + 3]);
        }
        let dst = &mut out[y * w * 3..(y + 1) * w * 3];
        for x in 0..w {
            let mut acc = [0f32; 3];
            for (k, &kw) in kern_x.iter().enumerate() {
                let p = &tmp[3 * (x + k)..3 * (x + k) + 3];
                acc[0] += kw * p[0];
                acc[1] += kw * p[1];
                acc[2] += kw * p[2];
            }
            for c in 0..3 {
                dst[3 * x + c] = acc[c].round_ties_even().clamp(0.0, 255.0) as u8;
            }
        }
    }
    Image::from_raw(w as u32, h as u32, out).expect("buffer sized to the image")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_is_normalized_symmetric_gaussian() {
        let k = gaussian_kernel(5, 1.0);
        assert!((k.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!((k[0] - k[4]).abs() < 1e-7 && (k[1] - k[3]).abs() < 1e-7);
        // exp(-1/2) / exp(0) between neighbours at distance 1 for sigma 1.
        assert!((k[1] / k[2] - (-0.5f32).exp()).abs() < 1e-5);
    }

    #[test]
    fn reflect_matches_torch_padding() {
        assert_eq!(
            [-2, -1, 0, 3, 4, 5].map(|i| reflect(i, 4)),
            [2, 1, 0, 3, 2, 1]
        );
    }

    #[test]
    fn blur_keeps_constants_and_smooths_an_edge() {
        let flat = Image::from_pixel(9, 7, image::Rgb([77, 0, 255]));
        assert_eq!(
            gaussian_blur(&flat, 13, 13, 2.0, 2.0).as_raw(),
            flat.as_raw()
        );
        let edge = Image::from_fn(10, 1, |x, _| image::Rgb([if x < 5 { 0 } else { 200 }; 3]));
        let out = gaussian_blur(&edge, 3, 1, 1.0, 1.0);
        let row: Vec<u8> = out.pixels().map(|p| p.0[0]).collect();
        assert_eq!(row[0], 0);
        assert!(
            row[4] > 0 && row[4] < 100 && row[5] > 100 && row[5] < 200,
            "{row:?}"
        );
    }
}
