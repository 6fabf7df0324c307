//! # spillover-models
//!
//! The image classifiers spillover trains, on Burn: ResNet-18/34/50 (ImageNet and small-input
//! forms, [`resnet`]) and ViT-Ti/S/B ([`vit`]), initialised as torchvision and timm do it
//! ([`init`]) from a seed, so one config gives the same weights on every backend.
//!
//! Burn idiom: a `#[derive(Config)]` struct, `init(&device)`, a `#[derive(Module)]` network.
//! [`ModelConfig`] and [`Classifier`] wrap the families behind one type for the training loop.

pub mod init;
pub mod resnet;
pub mod vit;

use burn::module::{Module, ModuleVisitor, Param, ParamId};
use burn::tensor::{Device, Tensor};

pub use resnet::{ResNet, ResNetConfig};
pub use vit::{Pooling, Vit, VitConfig};

/// A model configuration that cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The configuration is inconsistent; the message names the field.
    #[error("invalid model config: {0}")]
    Invalid(String),
}

/// Any classifier this crate builds.
#[derive(Debug, Clone)]
pub enum ModelConfig {
    /// A residual network.
    ResNet(ResNetConfig),
    /// A Vision Transformer.
    Vit(VitConfig),
}

/// A built classifier: images `[batch, channels, height, width]` to logits `[batch, classes]`.
#[derive(Module, Debug)]
pub enum Classifier {
    /// A residual network.
    ResNet(ResNet),
    /// A Vision Transformer.
    Vit(Vit),
}

impl ModelConfig {
    /// Checks the configuration without allocating weights.
    pub fn validate(&self) -> Result<(), ModelError> {
        match self {
            ModelConfig::ResNet(c) => c.validate(),
            ModelConfig::Vit(c) => c.validate(),
        }
    }

    /// Builds the classifier on `device`.
    pub fn init(&self, device: &Device) -> Result<Classifier, ModelError> {
        Ok(match self {
            ModelConfig::ResNet(c) => Classifier::ResNet(c.init(device)?),
            ModelConfig::Vit(c) => Classifier::Vit(c.init(device)?),
        })
    }
}

impl Classifier {
    /// Logits for a batch of images.
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        match self {
            Classifier::ResNet(m) => m.forward(images),
            Classifier::Vit(m) => m.forward(images),
        }
    }
}

/// One float tensor of a module, as the optimizer and the checkpoint see it.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamInfo {
    /// Dotted field path, e.g. `blocks.0.conv1.bn.gamma`.
    pub path: String,
    /// Identity the optimizer keys its state by.
    pub id: ParamId,
    /// Tensor shape.
    pub shape: Vec<usize>,
    /// False for BatchNorm running statistics (buffers, not parameters).
    pub trainable: bool,
}

/// Lists every float tensor of `module` with its path, id and shape.
pub fn parameters<M: Module>(module: &M) -> Vec<ParamInfo> {
    #[derive(Default)]
    struct Collect {
        path: Vec<String>,
        out: Vec<ParamInfo>,
    }
    impl ModuleVisitor for Collect {
        fn enter_module(&mut self, name: &str, _container: &str) {
            self.path.push(name.to_string());
        }
        fn exit_module(&mut self, _name: &str, _container: &str) {
            self.path.pop();
        }
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let last = self.path.last().map(String::as_str).unwrap_or("");
            self.out.push(ParamInfo {
                path: self.path.join("."),
                id: param.id,
                shape: param.lazy_shape().to_vec(),
                trainable: !matches!(last, "running_mean" | "running_var"),
            });
        }
    }
    let mut collect = Collect::default();
    module.visit(&mut collect);
    collect.out
}

/// Number of trainable scalars, as PyTorch's `sum(p.numel() for p in model.parameters())`
/// counts them (Burn's `num_params` also counts BatchNorm running statistics).
pub fn trainable_params<M: Module>(module: &M) -> usize {
    parameters(module)
        .iter()
        .filter(|p| p.trainable)
        .map(|p| p.shape.iter().product::<usize>())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_have_paths_and_exclude_running_stats_from_the_count() {
        let device = Device::flex();
        let model = ResNetConfig::new(18, 10)
            .with_small_input(true)
            .with_width(4)
            .init(&device)
            .unwrap();
        let params = parameters(&model);
        let running: Vec<_> = params.iter().filter(|p| !p.trainable).collect();
        assert!(!running.is_empty());
        assert!(
            running
                .iter()
                .all(|p| p.path.ends_with("running_mean") || p.path.ends_with("running_var"))
        );
        assert!(
            params
                .iter()
                .any(|p| p.path == "fc.weight" && p.shape == [32, 10]),
            "{params:#?}"
        );
        let stats: usize = running.iter().map(|p| p.shape[0]).sum();
        assert_eq!(trainable_params(&model) + stats, model.num_params());
    }
}
