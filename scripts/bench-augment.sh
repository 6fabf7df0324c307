#!/usr/bin/env bash
# Benchmarks the augmentation pipeline against torchvision and rewrites its BENCHMARKS.md section.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/torch-venv.sh
.venv-torch/bin/python scripts/bench_augment.py
