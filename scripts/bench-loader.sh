#!/usr/bin/env bash
# Benchmarks the ImageNet loader against PyTorch DataLoader + torchvision (same workers, same
# pipeline) and the synthetic world's generation; rewrites both BENCHMARKS.md sections.
# BENCH_PER_CLASS (default 64, 8 classes) and BENCH_BATCHES (default 8) size the run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/torch-venv.sh
.venv-torch/bin/python scripts/bench_loader.py
