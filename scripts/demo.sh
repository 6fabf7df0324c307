#!/usr/bin/env bash
# The main job on the embedded synthetic default, from a fresh clone.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
spillover() { cargo run --release --locked -q -p spillover-cli -- "$@"; }
spillover annotations fetch
spillover evaluate --example
