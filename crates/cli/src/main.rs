//! `spillover`: measure how a data augmentation spills over onto robustness to each of the
//! 16 ImageNet-X factors of variation. The whole program is [`spillover_cli::App`]; a binary
//! with more augmentations registers them there (examples/custom-augment).

fn main() -> std::process::ExitCode {
    spillover_cli::App::default().main()
}
