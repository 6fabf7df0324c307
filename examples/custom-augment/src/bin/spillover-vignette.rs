//! The whole `spillover` program plus one augmentation, `vignette`: every command (`augment
//! list/apply/preview`, `train`, `sweep`, whose cells run as this same binary, `report`) knows it.
//!
//!   cargo build --release -p custom-augment
//!   target/release/spillover-vignette sweep examples/custom-augment/vignette_sweep.toml
//!   target/release/spillover-vignette report runs/vignette --out runs/vignette/report

fn main() -> std::process::ExitCode {
    spillover_cli::App::default()
        .augmentation("vignette", custom_augment::vignette::Vignette::from_params)
        .main()
}
