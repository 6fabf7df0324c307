//! Seeded, host-side parameter initialisation as torchvision and timm do it.
//!
//! Burn's initializers draw from the backend's random generator, which differs between flex and
//! wgpu and cannot be seeded per model. Drawing on the host from one PCG stream instead makes a
//! model a pure function of its config and seed on every backend: the same seed gives the same
//! weights on flex and on a GPU, which the cross-backend and reproducibility tests rely on.

use burn::module::Param;
use burn::nn::conv::Conv2d;
use burn::nn::{BatchNorm, LayerNorm, Linear};
use burn::tensor::{Device, Tensor, TensorData};
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;

/// A seeded stream of initial values.
pub struct InitRng(Pcg64);

impl InitRng {
    /// A stream that depends only on `seed`.
    pub fn new(seed: u64) -> Self {
        Self(Pcg64::seed_from_u64(seed))
    }

    /// `n` values from N(0, std²) (Box–Muller on two uniforms).
    pub fn normal(&mut self, n: usize, std: f64) -> Vec<f32> {
        (0..n)
            .map(|_| (self.standard_normal() * std) as f32)
            .collect()
    }

    /// `n` values from N(0, std²) truncated to ±2 std, by rejection (timm's `trunc_normal_`
    /// intent: no outliers beyond two standard deviations).
    pub fn trunc_normal(&mut self, n: usize, std: f64) -> Vec<f32> {
        (0..n)
            .map(|_| {
                loop {
                    let z = self.standard_normal();
                    if z.abs() <= 2.0 {
                        break (z * std) as f32;
                    }
                }
            })
            .collect()
    }

    /// `n` values from U(-bound, bound).
    pub fn uniform(&mut self, n: usize, bound: f64) -> Vec<f32> {
        (0..n)
            .map(|_| ((self.0.random::<f64>() * 2.0 - 1.0) * bound) as f32)
            .collect()
    }

    fn standard_normal(&mut self) -> f64 {
        // 1 - u keeps the logarithm's argument in (0, 1].
        let u1 = 1.0 - self.0.random::<f64>();
        let u2 = self.0.random::<f64>();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// A trainable parameter holding `values` in `shape`.
pub fn param<const D: usize>(
    values: Vec<f32>,
    shape: [usize; D],
    device: &Device,
) -> Param<Tensor<D>> {
    Param::from_data(TensorData::new(values, shape), device)
}

fn filled<const D: usize>(value: f32, shape: [usize; D], device: &Device) -> Param<Tensor<D>> {
    param(vec![value; shape.iter().product()], shape, device)
}

/// torchvision ResNet: Kaiming normal, `mode="fan_out"`, ReLU gain: std = sqrt(2 / fan_out).
pub fn kaiming_normal_fan_out(conv: &mut Conv2d, rng: &mut InitRng, device: &Device) {
    let dims = conv.weight.shape().dims::<4>();
    let fan_out = dims[0] * dims[2] * dims[3];
    let n = dims.iter().product();
    conv.weight = param(
        rng.normal(n, (2.0f64 / fan_out as f64).sqrt()),
        dims,
        device,
    );
    if let Some(bias) = &mut conv.bias {
        *bias = filled(0.0, [dims[0]], device);
    }
}

/// PyTorch's default for `nn.Conv2d`: U(±1/sqrt(fan_in)) for weight and bias (what timm
/// leaves on the ViT patch embedding).
pub fn torch_default_conv(conv: &mut Conv2d, rng: &mut InitRng, device: &Device) {
    let dims = conv.weight.shape().dims::<4>();
    let bound = 1.0 / ((dims[1] * dims[2] * dims[3]) as f64).sqrt();
    conv.weight = param(rng.uniform(dims.iter().product(), bound), dims, device);
    if let Some(bias) = &mut conv.bias {
        *bias = param(rng.uniform(dims[0], bound), [dims[0]], device);
    }
}

/// PyTorch's default for `nn.Linear` (torchvision's ResNet head): U(±1/sqrt(fan_in)).
pub fn torch_default_linear(linear: &mut Linear, rng: &mut InitRng, device: &Device) {
    let [fan_in, fan_out] = linear.weight.shape().dims::<2>();
    let bound = 1.0 / (fan_in as f64).sqrt();
    linear.weight = param(
        rng.uniform(fan_in * fan_out, bound),
        [fan_in, fan_out],
        device,
    );
    if let Some(bias) = &mut linear.bias {
        *bias = param(rng.uniform(fan_out, bound), [fan_out], device);
    }
}

/// timm ViT linears: truncated normal (std 0.02) weights, zero bias.
pub fn trunc_normal_linear(linear: &mut Linear, rng: &mut InitRng, device: &Device) {
    let [fan_in, fan_out] = linear.weight.shape().dims::<2>();
    linear.weight = param(
        rng.trunc_normal(fan_in * fan_out, 0.02),
        [fan_in, fan_out],
        device,
    );
    if let Some(bias) = &mut linear.bias {
        *bias = filled(0.0, [fan_out], device);
    }
}

/// BatchNorm affine parameters: gamma = `gamma`, beta = 0 (gamma 0 zero-inits a residual branch).
pub fn batch_norm(bn: &mut BatchNorm, gamma: f32, device: &Device) {
    let [n] = bn.gamma.shape().dims::<1>();
    bn.gamma = filled(gamma, [n], device);
    bn.beta = filled(0.0, [n], device);
}

/// LayerNorm: gamma 1, beta 0.
pub fn layer_norm(ln: &mut LayerNorm, device: &Device) {
    let [n] = ln.gamma.shape().dims::<1>();
    ln.gamma = filled(1.0, [n], device);
    if let Some(beta) = &mut ln.beta {
        *beta = filled(0.0, [n], device);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moments(v: &[f32]) -> (f64, f64) {
        let n = v.len() as f64;
        let mean = v.iter().map(|&x| x as f64).sum::<f64>() / n;
        let var = v.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n;
        (mean, var.sqrt())
    }

    #[test]
    fn normal_has_requested_moments_and_is_seeded() {
        let v = InitRng::new(7).normal(200_000, 0.5);
        let (mean, std) = moments(&v);
        assert!(mean.abs() < 0.005, "mean {mean}");
        assert!((std - 0.5).abs() < 0.005, "std {std}");
        assert_eq!(v[..8], InitRng::new(7).normal(8, 0.5)[..]);
        assert_ne!(v[..8], InitRng::new(8).normal(8, 0.5)[..]);
    }

    #[test]
    fn trunc_normal_stays_within_two_std() {
        let v = InitRng::new(1).trunc_normal(100_000, 0.02);
        assert!(v.iter().all(|x| x.abs() <= 0.04 + 1e-7));
        // A normal truncated at ±2σ has std 0.8796σ.
        let (_, std) = moments(&v);
        assert!(
            (std / 0.02 - 0.8796).abs() < 0.01,
            "std ratio {}",
            std / 0.02
        );
    }

    #[test]
    fn uniform_spans_the_bound() {
        let v = InitRng::new(3).uniform(100_000, 0.25);
        let max = v.iter().cloned().fold(f32::MIN, f32::max);
        let min = v.iter().cloned().fold(f32::MAX, f32::min);
        assert!(max <= 0.25 && max > 0.249);
        assert!((-0.25..-0.249).contains(&min));
        // U(-b, b) has std b / sqrt(3).
        let (_, std) = moments(&v);
        assert!((std - 0.25 / 3f64.sqrt()).abs() < 0.002);
    }
}
