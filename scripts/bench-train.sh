#!/usr/bin/env bash
# Training-step throughput, Burn vs PyTorch, side by side (see scripts/bench_train.py --help).
# Builds the Burn side in release, reuses .venv-torch (scripts/torch-venv.sh) for PyTorch.
#   scripts/bench-train.sh --conv-layers        # CPU, 2 threads: resnet18s + vit_tiny, batch 64, 32 px,
#                                               # and single conv layers; best of 3 alternating
#                                               # rounds per side (--rounds N)
#   scripts/bench-train.sh --threads 1 --conv-layers   # one thread each: the per-core comparison,
#                                               # less sensitive to other work on the machine
#   scripts/bench-train.sh --backend wgpu --models resnet50 --size 224 --batch 128 --amp   # GPU
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/torch-venv.sh >/dev/null
# The build of scripts/test.sh (it builds the examples too): a `cargo build -p spillover-train`
# would resolve features without dev-dependencies and compile Burn a second time.
cargo test --release --workspace --locked --no-run -q
uptime >&2
.venv-torch/bin/python scripts/bench_train.py "$@"
