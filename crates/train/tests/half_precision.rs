//! `train.precision = "f16"`: weights, activations and optimizer state in half precision, the
//! loss in f32. Its own test binary, because a device's default dtype is set once per process.

mod common;

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::{DType, Tensor};
use common::{dataset, patterns};
use spillover_train::{BackendChoice, RunOptions, TrainConfig, run};

#[test]
fn f16_training_keeps_half_weights_and_learns() {
    let text = "[model]\narch = \"resnet18\"\nsmall_input = true\nwidth = 8\n[optim]\nlr = 0.05\n[train]\nepochs = 3\nbatch_size = 32\nprecision = \"f16\"\n";
    let config = TrainConfig::parse(text, "f16.toml", &[]).unwrap();
    let data = dataset(patterns(192, 4, 8, 21), patterns(64, 4, 8, 22), 4, 8);
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        &config,
        &data,
        dir.path(),
        &RunOptions {
            backend: BackendChoice::Flex,
            ..RunOptions::default()
        },
    )
    .unwrap();

    struct Dtypes(Vec<DType>);
    impl ModuleVisitor for Dtypes {
        fn visit_float<const D: usize>(&mut self, p: &Param<Tensor<D>>) {
            self.0.push(p.val().dtype());
        }
    }
    let mut dtypes = Dtypes(vec![]);
    out.model.visit(&mut dtypes);
    assert!(dtypes.0.iter().all(|d| *d == DType::F16), "{:?}", dtypes.0);
    let h = &out.history;
    assert!(h.iter().all(|r| r.train_loss.is_finite()), "{h:#?}");
    assert!(h[2].train_loss < h[0].train_loss, "{h:#?}");
    assert!(h[2].eval_top1.unwrap() > 0.6, "{h:#?}");
}
