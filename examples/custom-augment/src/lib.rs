//! A user's own augmentation, outside spillover's crates: [`vignette::Vignette`], registered
//! by the demo program (`src/main.rs`) and by a complete `spillover` binary with one more op
//! (`src/bin/spillover-vignette.rs`), which trains and sweeps with it.

pub mod vignette;
