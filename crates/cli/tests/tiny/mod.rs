//! The tiny cell the sweep and train tests share: a 16 px world of 200 training images and a
//! 4-channel ResNet-18 (about 0.1 s an epoch on one thread). The end-to-end tests of `tests/`
//! use it too (tests/support/lib.rs includes this file).
// Each test binary compiles this module and uses only part of it.
#![allow(dead_code)]

/// The world config (`world.toml`): 16 px, 10 classes, 200 training and 100 validation images.
pub const WORLD: &str = "seed = 3\nimage_size = 16\n[splits.train]\nimages_per_class = 20\n[splits.val]\nimages_per_class = 10\n";

/// The base training config (`base.toml`, next to `world.toml`): a 4-channel small-input
/// ResNet-18, `epochs` epochs of 4 steps.
pub fn base(epochs: usize) -> String {
    format!(
        "[model]\narch = \"resnet18\"\nsmall_input = true\nwidth = 4\n[optim]\nlr = 0.05\n[schedule]\nkind = \"constant\"\n[train]\nepochs = {epochs}\nbatch_size = 50\neval_batch_size = 100\nimage_grid = 0\n[data]\nworld = \"world.toml\"\n"
    )
}
