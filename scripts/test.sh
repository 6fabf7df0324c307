#!/usr/bin/env bash
# Runs every test of spillover on a fresh machine: installs what is missing (scripts/setup.sh),
# builds the workspace once in release (the tests and the binary share that build), fetches the
# ImageNet-X annotations, then runs all tests. Set CARGO_TARGET_DIR to reuse a build cache.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# One build: `cargo test --no-run` compiles the tests and the `spillover` binary together. (A plain
# `cargo build` leaves dev-dependencies out of feature resolution, which changes the features of
# crates under Burn, so the test step would compile Burn a second time.)
cargo test --release --workspace --locked --no-run
# Formatting and lints (clippy checks from its own metadata, so it compiles every crate again).
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked --release -- -D warnings
# The vendored burn-flex's own unit tests, the patch's included (vendor/burn-flex/PATCH.md). Not
# a workspace member, so they run from a copy made its own workspace, with the workspace's
# Cargo.lock (cargo adds the `realfft` dev-dependency to the copy's lock, hence no --locked), in
# a target directory of its own (flex alone resolves other features than the workspace). The copy
# keeps the files' times and its place, so a warm target directory does not recompile flex.
# vendor/burn-autodiff has no unit tests of its own; its patch is tested by
# crates/train/tests/autodiff_fused.rs.
(
    target="${CARGO_TARGET_DIR:-target}"
    [[ "$target" = /* ]] || target="$PWD/$target"
    flex_copy="$target/vendor-burn-flex-src"
    rm -rf "$flex_copy"
    mkdir -p "$target"
    cp -rp vendor/burn-flex "$flex_copy"
    cp Cargo.lock "$flex_copy/"
    printf '\n[workspace]\n' >> "$flex_copy/Cargo.toml"
    cd "$flex_copy"
    CARGO_TARGET_DIR="$target/vendor-burn-flex" cargo test --release --lib
)
"${CARGO_TARGET_DIR:-target}/release/spillover" annotations fetch
# Mesa's Vulkan driver (the wgpu tests' lavapipe) complains on every probe without this.
[ -n "${XDG_RUNTIME_DIR:-}" ] || export XDG_RUNTIME_DIR="$(mktemp -d)"
cargo test --release --workspace --locked
