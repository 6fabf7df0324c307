//! ResNet-18/34/50 (He et al. 2016) as torchvision builds them (v1.5: the stride of a bottleneck
//! sits on its 3×3 convolution), plus the small-input form used for 32–64 px images: a 3×3
//! stride-1 stem and no max-pool, so a 32 px input still reaches the last stage at 4×4.
//!
//! Initialisation follows torchvision: Kaiming normal (fan-out) convolutions, BatchNorm 1/0,
//! U(±1/sqrt(fan_in)) head, and optionally a zero gamma on the last BatchNorm of every residual
//! branch (`zero_init_residual`), which makes each block start as the identity.

use burn::config::Config;
use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};

use crate::ModelError;
use crate::init::{self, InitRng};

/// Configuration of a [`ResNet`].
#[derive(Config, Debug)]
pub struct ResNetConfig {
    /// 18, 34 (basic blocks) or 50, 101, 152 (bottlenecks).
    pub depth: usize,
    /// Size of the classification head.
    pub num_classes: usize,
    /// 3×3 stride-1 stem without max-pool, for 32–64 px inputs.
    #[config(default = false)]
    pub small_input: bool,
    /// Channels of the first stage (64 in the paper); later stages double it.
    #[config(default = 64)]
    pub width: usize,
    /// Start every residual branch at zero (gamma of its last BatchNorm = 0).
    #[config(default = false)]
    pub zero_init_residual: bool,
    /// Input channels.
    #[config(default = 3)]
    pub in_channels: usize,
    /// Seed of the initial weights.
    #[config(default = 0)]
    pub seed: u64,
}

/// A convolution without bias followed by BatchNorm.
#[derive(Module, Debug)]
pub struct ConvBn {
    conv: Conv2d,
    bn: BatchNorm,
}

impl ConvBn {
    #[allow(clippy::too_many_arguments)]
    fn new(
        channels: [usize; 2],
        kernel: usize,
        stride: usize,
        gamma: f32,
        rng: &mut InitRng,
        device: &Device,
    ) -> Self {
        let pad = kernel / 2;
        let mut conv = Conv2dConfig::new(channels, [kernel, kernel])
            .with_stride([stride, stride])
            .with_padding(PaddingConfig2d::Explicit(pad, pad, pad, pad))
            .with_bias(false)
            .init(device);
        init::kaiming_normal_fan_out(&mut conv, rng, device);
        let mut bn = BatchNormConfig::new(channels[1]).init(device);
        init::batch_norm(&mut bn, gamma, device);
        Self { conv, bn }
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        self.bn.forward(self.conv.forward(x))
    }
}

/// Two 3×3 convolutions (ResNet-18/34).
#[derive(Module, Debug)]
pub struct BasicBlock {
    conv1: ConvBn,
    conv2: ConvBn,
    downsample: Option<ConvBn>,
}

/// 1×1 reduce, 3×3 (strided), 1×1 expand ×4 (ResNet-50 and deeper).
#[derive(Module, Debug)]
pub struct Bottleneck {
    conv1: ConvBn,
    conv2: ConvBn,
    conv3: ConvBn,
    downsample: Option<ConvBn>,
}

/// One residual block of either kind.
// A few dozen blocks per network: the size difference of the variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum Block {
    /// ResNet-18/34 block.
    Basic(BasicBlock),
    /// ResNet-50+ block.
    Bottleneck(Bottleneck),
}

/// The residual branch's input: `x`, or its projection when the block changes shape.
fn shortcut(downsample: &Option<ConvBn>, x: &Tensor<4>) -> Tensor<4> {
    downsample
        .as_ref()
        .map_or_else(|| x.clone(), |d| d.forward(x.clone()))
}

impl Block {
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        match self {
            Block::Basic(b) => {
                let identity = shortcut(&b.downsample, &x);
                let out = relu(b.conv1.forward(x));
                relu(b.conv2.forward(out) + identity)
            }
            Block::Bottleneck(b) => {
                let identity = shortcut(&b.downsample, &x);
                let out = relu(b.conv1.forward(x));
                let out = relu(b.conv2.forward(out));
                relu(b.conv3.forward(out) + identity)
            }
        }
    }
}

/// A residual network classifier. Input `[batch, channels, height, width]`, output logits
/// `[batch, num_classes]`.
#[derive(Module, Debug)]
pub struct ResNet {
    stem: ConvBn,
    max_pool: Option<MaxPool2d>,
    blocks: Vec<Block>,
    fc: Linear,
}

impl ResNetConfig {
    /// Blocks per stage and whether they are bottlenecks.
    fn layout(&self) -> Result<([usize; 4], bool), ModelError> {
        Ok(match self.depth {
            18 => ([2, 2, 2, 2], false),
            34 => ([3, 4, 6, 3], false),
            50 => ([3, 4, 6, 3], true),
            101 => ([3, 4, 23, 3], true),
            152 => ([3, 8, 36, 3], true),
            d => {
                return Err(ModelError::Invalid(format!(
                    "resnet depth {d} is not one of 18, 34, 50, 101, 152"
                )));
            }
        })
    }

    /// Checks the configuration without building anything.
    pub fn validate(&self) -> Result<(), ModelError> {
        self.layout()?;
        if self.num_classes == 0 || self.width == 0 || self.in_channels == 0 {
            return Err(ModelError::Invalid(
                "resnet num_classes, width and in_channels must be positive".into(),
            ));
        }
        Ok(())
    }

    /// Builds the network on `device`.
    pub fn init(&self, device: &Device) -> Result<ResNet, ModelError> {
        self.validate()?;
        let (stages, bottleneck) = self.layout()?;
        let expansion = if bottleneck { 4 } else { 1 };
        let last_gamma = if self.zero_init_residual { 0.0 } else { 1.0 };
        let rng = &mut InitRng::new(self.seed);

        let (stem, max_pool) = if self.small_input {
            (
                ConvBn::new([self.in_channels, self.width], 3, 1, 1.0, rng, device),
                None,
            )
        } else {
            let pool = MaxPool2dConfig::new([3, 3])
                .with_strides([2, 2])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .init();
            (
                ConvBn::new([self.in_channels, self.width], 7, 2, 1.0, rng, device),
                Some(pool),
            )
        };

        let mut blocks = Vec::new();
        let mut in_ch = self.width;
        for (stage, &count) in stages.iter().enumerate() {
            let planes = self.width << stage;
            for i in 0..count {
                let stride = if stage > 0 && i == 0 { 2 } else { 1 };
                let out_ch = planes * expansion;
                let downsample = (stride != 1 || in_ch != out_ch)
                    .then(|| ConvBn::new([in_ch, out_ch], 1, stride, 1.0, rng, device));
                let block = if bottleneck {
                    Block::Bottleneck(Bottleneck {
                        conv1: ConvBn::new([in_ch, planes], 1, 1, 1.0, rng, device),
                        conv2: ConvBn::new([planes, planes], 3, stride, 1.0, rng, device),
                        conv3: ConvBn::new([planes, out_ch], 1, 1, last_gamma, rng, device),
                        downsample,
                    })
                } else {
                    Block::Basic(BasicBlock {
                        conv1: ConvBn::new([in_ch, planes], 3, stride, 1.0, rng, device),
                        conv2: ConvBn::new([planes, planes], 3, 1, last_gamma, rng, device),
                        downsample,
                    })
                };
                blocks.push(block);
                in_ch = out_ch;
            }
        }
        let mut fc = LinearConfig::new(in_ch, self.num_classes).init(device);
        init::torch_default_linear(&mut fc, rng, device);
        Ok(ResNet {
            stem,
            max_pool,
            blocks,
            fc,
        })
    }
}

impl ResNet {
    /// Logits for a batch of images.
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        let mut x = relu(self.stem.forward(images));
        if let Some(pool) = &self.max_pool {
            x = pool.forward(x);
        }
        for block in &self.blocks {
            x = block.forward(x);
        }
        // Global average pool: mean over height and width.
        let [n, c, _, _] = x.dims();
        let pooled = x.mean_dim(3).mean_dim(2).reshape([n, c]);
        self.fc.forward(pooled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_counts_match_torchvision() {
        let device = Device::flex();
        // Counts from torchvision.models.resnet{18,34,50}(num_classes=1000).
        for (depth, expected) in [(18, 11_689_512), (34, 21_797_672), (50, 25_557_032)] {
            let model = ResNetConfig::new(depth, 1000).init(&device).unwrap();
            assert_eq!(crate::trainable_params(&model), expected, "resnet{depth}");
        }
    }

    #[test]
    fn small_input_form_drops_the_big_stem_params() {
        let device = Device::flex();
        let model = ResNetConfig::new(18, 10)
            .with_small_input(true)
            .init(&device)
            .unwrap();
        // resnet18 with 10 classes has 11,181,642 params; the 3×3 stem has 3·64·9 instead of 3·64·49.
        assert_eq!(
            crate::trainable_params(&model),
            11_181_642 - 3 * 64 * 49 + 3 * 64 * 9
        );
    }

    #[test]
    fn output_shapes() {
        let device = Device::flex();
        let small = ResNetConfig::new(18, 7)
            .with_small_input(true)
            .with_width(8)
            .init(&device)
            .unwrap();
        let out = small.forward(Tensor::zeros([2, 3, 32, 32], &device));
        assert_eq!(out.dims(), [2, 7]);
        let big = ResNetConfig::new(50, 5)
            .with_width(4)
            .init(&device)
            .unwrap();
        let out = big.forward(Tensor::zeros([3, 3, 64, 64], &device));
        assert_eq!(out.dims(), [3, 5]);
    }

    #[test]
    fn zero_init_residual_makes_blocks_identity_at_start() {
        // A zero gamma on the branch's last BatchNorm leaves relu(0 + x) = x for a non-negative
        // input, in every block without a downsample.
        let device = Device::flex();
        let model = ResNetConfig::new(18, 3)
            .with_small_input(true)
            .with_width(4)
            .with_zero_init_residual(true)
            .init(&device)
            .unwrap();
        let x = relu(Tensor::<4>::random(
            [2, 4, 6, 6],
            burn::tensor::Distribution::Default,
            &device,
        ));
        let y = model.blocks[1].forward(x.clone());
        y.into_data()
            .assert_approx_eq::<f32>(&x.into_data(), burn::tensor::Tolerance::default());
        // Without the option the same block changes its input.
        let plain = ResNetConfig::new(18, 3)
            .with_small_input(true)
            .with_width(4)
            .init(&device)
            .unwrap();
        let x = relu(Tensor::<4>::random(
            [2, 4, 6, 6],
            burn::tensor::Distribution::Default,
            &device,
        ));
        let diff: f32 = (plain.blocks[1].forward(x.clone()) - x)
            .abs()
            .sum()
            .into_scalar();
        assert!(diff > 1e-3);
    }

    #[test]
    fn same_seed_same_weights_other_seed_other_weights() {
        let device = Device::flex();
        let cfg = ResNetConfig::new(18, 3)
            .with_small_input(true)
            .with_width(4);
        let x = Tensor::<4>::ones([1, 3, 8, 8], &device);
        let logits = |seed| {
            cfg.clone()
                .with_seed(seed)
                .init(&device)
                .unwrap()
                .forward(x.clone())
                .into_data()
        };
        let (a, b, c) = (logits(5), logits(5), logits(6));
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn rejects_unknown_depth() {
        let err = ResNetConfig::new(20, 10).init(&Device::flex()).unwrap_err();
        assert!(err.to_string().contains("depth 20"), "{err}");
    }
}
