#!/usr/bin/env bash
# Runs every test of spillover on a fresh machine: installs what is missing (scripts/setup.sh),
# builds the workspace once in release (the tests and the binary share that build), fetches the
# ImageNet-X annotations, then runs all tests. Set CARGO_TARGET_DIR to reuse a build cache.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release --workspace --locked
cargo run --release --locked -q -p spillover-cli -- annotations fetch
cargo test --release --workspace --locked
