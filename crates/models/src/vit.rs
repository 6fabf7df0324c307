//! Vision Transformer (Dosovitskiy et al. 2021) in timm's `VisionTransformer` layout: a strided
//! convolution as patch embedding, a learned position embedding, pre-norm blocks with a fused
//! `qkv` projection, a final LayerNorm and a linear head. Patch size, width, depth and heads are
//! free; the head reads the class token or the mean of all tokens.
//!
//! Initialisation follows timm's default (`init_weights_vit_timm`): truncated normal (std 0.02,
//! cut at ±2 std) for every linear layer and the position embedding, zero biases, LayerNorm 1/0,
//! the class token N(0, 1e-6²), and PyTorch's default U(±1/sqrt(fan_in)) on the patch
//! convolution, which timm leaves untouched. No dropout: timm's defaults are all zero.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::tensor::activation::gelu;
use burn::tensor::module::{attention, linear};
use burn::tensor::ops::AttentionModuleOptions;
use burn::tensor::{Device, Tensor};

use crate::ModelError;
use crate::init::{self, InitRng};

/// How the token sequence becomes one feature vector for the head.
#[derive(Config, Debug, Copy, PartialEq, Eq)]
pub enum Pooling {
    /// A learned class token is prepended and read out (ViT, timm default).
    Cls,
    /// Mean over all tokens; no class token.
    Mean,
}

/// Configuration of a [`Vit`].
#[derive(Config, Debug)]
pub struct VitConfig {
    /// Side of the (square) input image in pixels.
    pub image_size: usize,
    /// Side of a patch; must divide `image_size`.
    pub patch_size: usize,
    /// Size of the classification head.
    pub num_classes: usize,
    /// Token width.
    #[config(default = 192)]
    pub dim: usize,
    /// Number of transformer blocks.
    #[config(default = 12)]
    pub depth: usize,
    /// Attention heads; must divide `dim`.
    #[config(default = 3)]
    pub heads: usize,
    /// Hidden width of the MLP as a multiple of `dim`.
    #[config(default = 4)]
    pub mlp_ratio: usize,
    /// Class token or mean pooling.
    #[config(default = "Pooling::Cls")]
    pub pooling: Pooling,
    /// Input channels.
    #[config(default = 3)]
    pub in_channels: usize,
    /// Seed of the initial weights.
    #[config(default = 0)]
    pub seed: u64,
}

/// Multi-head self-attention with one fused `qkv` projection (timm's `Attention`).
#[derive(Module, Debug)]
pub struct Attention {
    qkv: Linear,
    proj: Linear,
    heads: usize,
}

impl Attention {
    /// `x`: the tokens of `batch` images as rows, `[batch * tokens, dim]`.
    ///
    /// q, k and v are three matmuls with column blocks of the fused `qkv` weight (the same
    /// parameters and arithmetic as one matmul and a split), each viewed as
    /// `[batch, heads, tokens, head_dim]` by strides only. Splitting the fused output instead
    /// copies q, k and v out of it, and its backward builds three zero tensors of the full
    /// `[3, batch, heads, tokens, head_dim]` shape, writes each gradient into one of them and
    /// adds them up: ~3 % of a ViT-Ti training step on one core.
    fn forward(&self, x: Tensor<2>, batch: usize) -> Tensor<2> {
        let [rows, c] = x.dims();
        let n = rows / batch;
        let head_dim = c / self.heads;
        let weight = self.qkv.weight.val();
        let bias = self.qkv.bias.as_ref().map(|b| b.val());
        let project = |part: usize| {
            let w = weight.clone().narrow(1, part * c, c);
            let b = bias.clone().map(|b| b.narrow(0, part * c, c));
            linear(x.clone(), w, b)
                .reshape([batch, n, self.heads, head_dim])
                .swap_dims(1, 2)
        };
        let out = attention(
            project(0),
            project(1),
            project(2),
            None,
            None,
            AttentionModuleOptions::default(),
        );
        self.proj.forward(out.swap_dims(1, 2).reshape([rows, c]))
    }
}

/// Pre-norm transformer block: `x + attn(norm1(x))`, then `x + mlp(norm2(x))`.
#[derive(Module, Debug)]
pub struct VitBlock {
    norm1: LayerNorm,
    attn: Attention,
    norm2: LayerNorm,
    fc1: Linear,
    fc2: Linear,
}

impl VitBlock {
    /// `x`: `[batch * tokens, dim]`. Tokens stay rows of one matrix through the block so that
    /// every linear layer is a single matmul (on a `[batch, tokens, dim]` tensor, Burn runs
    /// the layers whose output is narrower than the token count as one small matmul per
    /// image, with a ragged row tile when `tokens` is not a multiple of it, e.g. 65).
    fn forward(&self, x: Tensor<2>, batch: usize) -> Tensor<2> {
        let x = x.clone() + self.attn.forward(self.norm1.forward(x), batch);
        let hidden = gelu(self.fc1.forward(self.norm2.forward(x.clone())));
        x + self.fc2.forward(hidden)
    }
}

/// A Vision Transformer classifier. Input `[batch, channels, image_size, image_size]`, output
/// logits `[batch, num_classes]`.
#[derive(Module, Debug)]
pub struct Vit {
    patch_embed: Conv2d,
    cls_token: Option<Param<Tensor<3>>>,
    pos_embed: Param<Tensor<3>>,
    blocks: Vec<VitBlock>,
    norm: LayerNorm,
    head: Linear,
}

fn timm_linear(d_in: usize, d_out: usize, rng: &mut InitRng, device: &Device) -> Linear {
    let mut linear = LinearConfig::new(d_in, d_out).init(device);
    init::trunc_normal_linear(&mut linear, rng, device);
    linear
}

fn timm_layer_norm(dim: usize, device: &Device) -> LayerNorm {
    let mut ln = LayerNormConfig::new(dim).with_epsilon(1e-6).init(device);
    init::layer_norm(&mut ln, device);
    ln
}

impl VitConfig {
    /// The patch side of timm's standard ViTs (`vit_*_patch16_224`), for callers that let the
    /// user leave it out (`patch_size` has no default in [`VitConfig::new`]: it is the one size
    /// choice every ViT must make).
    pub const DEFAULT_PATCH_SIZE: usize = 16;

    /// timm's `vit_tiny_patch16_224` (5.7 M parameters with 1000 classes).
    pub fn tiny(image_size: usize, patch_size: usize, num_classes: usize) -> Self {
        Self::new(image_size, patch_size, num_classes)
            .with_dim(192)
            .with_depth(12)
            .with_heads(3)
    }

    /// timm's `vit_small_patch16_224` (22 M).
    pub fn small(image_size: usize, patch_size: usize, num_classes: usize) -> Self {
        Self::new(image_size, patch_size, num_classes)
            .with_dim(384)
            .with_depth(12)
            .with_heads(6)
    }

    /// timm's `vit_base_patch16_224` (86 M).
    pub fn base(image_size: usize, patch_size: usize, num_classes: usize) -> Self {
        Self::new(image_size, patch_size, num_classes)
            .with_dim(768)
            .with_depth(12)
            .with_heads(12)
    }

    /// Checks the configuration without building anything.
    pub fn validate(&self) -> Result<(), ModelError> {
        let positive = [
            ("image_size", self.image_size),
            ("patch_size", self.patch_size),
            ("num_classes", self.num_classes),
            ("dim", self.dim),
            ("heads", self.heads),
            ("mlp_ratio", self.mlp_ratio),
            ("in_channels", self.in_channels),
        ];
        if let Some((name, _)) = positive.iter().find(|(_, v)| *v == 0) {
            return Err(ModelError::Invalid(format!("vit {name} must be positive")));
        }
        if !self.image_size.is_multiple_of(self.patch_size) {
            return Err(ModelError::Invalid(format!(
                "vit patch_size {} does not divide image_size {}",
                self.patch_size, self.image_size
            )));
        }
        if !self.dim.is_multiple_of(self.heads) {
            return Err(ModelError::Invalid(format!(
                "vit heads {} does not divide dim {}",
                self.heads, self.dim
            )));
        }
        Ok(())
    }

    /// Number of patch tokens.
    pub fn num_patches(&self) -> usize {
        (self.image_size / self.patch_size).pow(2)
    }

    /// Builds the network on `device`.
    pub fn init(&self, device: &Device) -> Result<Vit, ModelError> {
        self.validate()?;
        let rng = &mut InitRng::new(self.seed);
        let d = self.dim;
        let mut patch_embed = Conv2dConfig::new([self.in_channels, d], [self.patch_size; 2])
            .with_stride([self.patch_size; 2])
            .init(device);
        init::torch_default_conv(&mut patch_embed, rng, device);
        let cls_token = (self.pooling == Pooling::Cls)
            .then(|| init::param(rng.normal(d, 1e-6), [1, 1, d], device));
        let tokens = self.num_patches() + usize::from(self.pooling == Pooling::Cls);
        let pos_embed = init::param(rng.trunc_normal(tokens * d, 0.02), [1, tokens, d], device);
        let blocks = (0..self.depth)
            .map(|_| VitBlock {
                norm1: timm_layer_norm(d, device),
                attn: Attention {
                    qkv: timm_linear(d, 3 * d, rng, device),
                    proj: timm_linear(d, d, rng, device),
                    heads: self.heads,
                },
                norm2: timm_layer_norm(d, device),
                fc1: timm_linear(d, d * self.mlp_ratio, rng, device),
                fc2: timm_linear(d * self.mlp_ratio, d, rng, device),
            })
            .collect();
        Ok(Vit {
            patch_embed,
            cls_token,
            pos_embed,
            blocks,
            norm: timm_layer_norm(d, device),
            head: timm_linear(d, self.num_classes, rng, device),
        })
    }
}

impl Vit {
    /// Logits for a batch of images.
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        let patches = self.patch_embed.forward(images);
        let [b, c, h, w] = patches.dims();
        let mut x = patches.reshape([b, c, h * w]).swap_dims(1, 2);
        if let Some(cls) = &self.cls_token {
            x = Tensor::cat(vec![cls.val().expand([b, 1, c]), x], 1);
        }
        let tokens = x.dims()[1];
        x = x + self.pos_embed.val().expand([b, tokens, c]);
        let mut rows = x.reshape([b * tokens, c]);
        for block in &self.blocks {
            rows = block.forward(rows, b);
        }
        let x = self.norm.forward(rows).reshape([b, tokens, c]);
        let pooled = match self.cls_token {
            Some(_) => x.narrow(1, 0, 1).reshape([b, c]),
            None => x.mean_dim(1).reshape([b, c]),
        };
        self.head.forward(pooled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::TensorData;

    #[test]
    fn parameter_counts_match_timm() {
        let device = Device::flex();
        assert_eq!(
            crate::trainable_params(&VitConfig::tiny(224, 16, 1000).init(&device).unwrap()),
            5_717_416
        );
        assert_eq!(
            crate::trainable_params(&VitConfig::small(224, 16, 1000).init(&device).unwrap()),
            22_050_664
        );
    }

    #[test]
    fn mean_pooling_has_no_class_token() {
        let device = Device::flex();
        let cls = VitConfig::new(32, 4, 10)
            .with_dim(16)
            .with_depth(1)
            .with_heads(2);
        let mean = cls.clone().with_pooling(Pooling::Mean);
        let with = crate::trainable_params(&cls.init(&device).unwrap());
        let without = crate::trainable_params(&mean.init(&device).unwrap());
        // One class token (16) and one position (16) fewer.
        assert_eq!(with - without, 32);
    }

    #[test]
    fn output_shapes() {
        let device = Device::flex();
        for pooling in [Pooling::Cls, Pooling::Mean] {
            let model = VitConfig::new(32, 8, 7)
                .with_dim(24)
                .with_depth(2)
                .with_heads(3)
                .with_pooling(pooling)
                .init(&device)
                .unwrap();
            assert_eq!(
                model.forward(Tensor::zeros([3, 3, 32, 32], &device)).dims(),
                [3, 7]
            );
        }
    }

    /// The column-block projections equal timm's fused `qkv` matmul split into q, k and v.
    #[test]
    fn attention_matches_the_fused_qkv_split() {
        let device = Device::flex();
        let model = VitConfig::new(16, 4, 5)
            .with_dim(24)
            .with_depth(1)
            .with_heads(3)
            .init(&device)
            .unwrap();
        let attn = &model.blocks[0].attn;
        let (batch, n, c, heads) = (2, 17, 24, 3);
        let values = (0..batch * n * c).map(|i| ((i * 37) % 101) as f32 / 50.0 - 1.0);
        let x = Tensor::<2>::from_data(
            TensorData::new(values.collect::<Vec<f32>>(), [batch * n, c]),
            &device,
        );
        let qkv = attn
            .qkv
            .forward(x.clone())
            .reshape([batch, n, 3, heads, c / heads])
            .permute([2, 0, 3, 1, 4]);
        let mut parts = qkv
            .chunk(3, 0)
            .into_iter()
            .map(|t| t.reshape([batch, heads, n, c / heads]));
        let (q, k, v) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        let out = attention(q, k, v, None, None, AttentionModuleOptions::default());
        let want = attn
            .proj
            .forward(out.swap_dims(1, 2).reshape([batch * n, c]));
        let got = attn.forward(x, batch);
        let diff: f32 = (got - want).abs().max().into_scalar();
        assert!(diff < 1e-5, "max difference {diff}");
    }

    #[test]
    fn rejects_inconsistent_shapes() {
        let err = VitConfig::new(32, 5, 10).init(&Device::flex()).unwrap_err();
        assert!(err.to_string().contains("patch_size 5"), "{err}");
        let err = VitConfig::new(32, 4, 10)
            .with_dim(10)
            .init(&Device::flex())
            .unwrap_err();
        assert!(err.to_string().contains("heads 3"), "{err}");
    }
}
