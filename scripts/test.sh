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
"${CARGO_TARGET_DIR:-target}/release/spillover" annotations fetch
# Mesa's Vulkan driver (the wgpu tests' lavapipe) complains on every probe without this.
[ -n "${XDG_RUNTIME_DIR:-}" ] || export XDG_RUNTIME_DIR="$(mktemp -d)"
cargo test --release --workspace --locked
