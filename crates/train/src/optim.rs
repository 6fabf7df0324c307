//! Optimizers as the field uses them: SGD with (Nesterov) momentum and coupled L2 decay, AdamW
//! with decoupled decay, and no decay on norm weights, biases and ViT tokens unless asked.
//!
//! Burn's optimizers hold per-parameter state keyed by parameter id and serialise it to
//! burnpack, which the checkpoint stores as-is.

use burn::module::ParamGroup;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{AdamW, AdamWConfig, ModuleOptimizer, Optimizer, Sgd, SgdConfig};
use spillover_models::{Classifier, parameters};

use crate::config::{OptimKind, OptimSection};

/// PyTorch's `SGD`: no dampening, decay added to the gradient before momentum.
fn sgd(cfg: &OptimSection, weight_decay: f64) -> Sgd {
    let momentum = (cfg.momentum > 0.0).then(|| {
        MomentumConfig::new()
            .with_momentum(cfg.momentum)
            .with_dampening(0.0)
            .with_nesterov(cfg.nesterov)
    });
    let decay = (weight_decay > 0.0).then(|| WeightDecayConfig::new(weight_decay as f32));
    SgdConfig::new()
        .with_momentum(momentum)
        .with_weight_decay(decay)
        .build()
}

/// PyTorch's `AdamW`.
fn adamw(cfg: &OptimSection, weight_decay: f64) -> AdamW {
    AdamWConfig::new()
        .with_beta_1(cfg.betas[0])
        .with_beta_2(cfg.betas[1])
        .with_epsilon(cfg.eps)
        .with_weight_decay(weight_decay as f32)
        .build()
}

/// Whether the usual recipe exempts a parameter from weight decay: anything of rank ≤ 1 (biases,
/// norm gains and shifts) and the ViT class token and position embedding.
pub fn exempt_from_decay(path: &str, shape: &[usize]) -> bool {
    shape.len() <= 1 || path.ends_with("cls_token") || path.ends_with("pos_embed")
}

fn assemble<O: Optimizer>(
    cfg: &OptimSection,
    model: &Classifier,
    make: impl Fn(f64) -> O,
) -> ModuleOptimizer {
    let optim = ModuleOptimizer::from(make(cfg.weight_decay));
    if cfg.decay_norm_and_bias || cfg.weight_decay == 0.0 {
        return optim;
    }
    let exempt: Vec<_> = parameters(model)
        .into_iter()
        .filter(|p| p.trainable && exempt_from_decay(&p.path, &p.shape))
        .map(|p| p.id)
        .collect();
    optim.with_group(ParamGroup::from_ids(exempt), make(0.0), None)
}

/// The optimizer for `model`. Build it after any checkpoint is loaded into the model, so the
/// parameter ids of the no-decay group are the restored ones.
pub fn build(cfg: &OptimSection, model: &Classifier) -> ModuleOptimizer {
    match cfg.kind {
        OptimKind::Sgd => assemble(cfg, model, |wd| sgd(cfg, wd)),
        OptimKind::Adamw => assemble(cfg, model, |wd| adamw(cfg, wd)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::module::Module;
    use burn::optim::GradientsParams;
    use burn::tensor::{Device, Tensor};
    use spillover_models::{ModelConfig, ResNetConfig};

    fn param_values(model: &Classifier, path: &str) -> Vec<f32> {
        #[derive(Default)]
        struct Find(Vec<String>, String, Vec<f32>);
        impl burn::module::ModuleVisitor for Find {
            fn enter_module(&mut self, name: &str, _: &str) {
                self.0.push(name.into());
            }
            fn exit_module(&mut self, _: &str, _: &str) {
                self.0.pop();
            }
            fn visit_float<const D: usize>(&mut self, p: &burn::module::Param<Tensor<D>>) {
                if self.0.join(".").ends_with(&self.1) {
                    self.2 = p.val().into_data().try_to_vec().unwrap();
                }
            }
        }
        let mut f = Find(vec![], path.into(), vec![]);
        model.visit(&mut f);
        f.2
    }

    /// With a zero gradient (lr applied to a loss that does not depend on the weights), only
    /// weight decay moves parameters: decayed weights shrink, exempt ones stay.
    #[test]
    fn decay_skips_norms_and_biases() {
        let device = Device::flex().autodiff();
        let cfg = ModelConfig::ResNet(
            ResNetConfig::new(18, 4)
                .with_small_input(true)
                .with_width(4),
        );
        let model = cfg.init(&device).unwrap();
        let optim_cfg = OptimSection {
            weight_decay: 0.5,
            momentum: 0.0,
            ..OptimSection::default()
        };
        let mut optim = build(&optim_cfg, &model);
        let x = Tensor::<4>::ones([2, 3, 8, 8], &device);
        let loss = model.forward(x).sum().mul_scalar(0.0);
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        let before_w = param_values(&model, "fc.weight");
        let before_b = param_values(&model, "fc.bias");
        let model = optim.step(0.1, model, grads);
        let after_w = param_values(&model, "fc.weight");
        let after_b = param_values(&model, "fc.bias");
        for (a, b) in after_w.iter().zip(&before_w) {
            assert!((a - b * (1.0 - 0.1 * 0.5)).abs() < 1e-6, "{a} vs {b}");
        }
        assert_eq!(after_b, before_b, "biases are not decayed");

        // With decay_norm_and_bias, biases shrink too.
        let model = cfg.init(&device).unwrap();
        let mut optim = build(
            &OptimSection {
                decay_norm_and_bias: true,
                ..optim_cfg
            },
            &model,
        );
        let loss = model
            .forward(Tensor::<4>::ones([2, 3, 8, 8], &device))
            .sum()
            .mul_scalar(0.0);
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        let before_b = param_values(&model, "fc.bias");
        let model = optim.step(0.1, model, grads);
        let after_b = param_values(&model, "fc.bias");
        assert!((after_b[0] - before_b[0] * 0.95).abs() < 1e-6);
    }

    #[test]
    fn exemptions() {
        assert!(exempt_from_decay("fc.bias", &[10]));
        assert!(exempt_from_decay("pos_embed", &[1, 65, 192]));
        assert!(!exempt_from_decay("fc.weight", &[512, 10]));
    }
}
