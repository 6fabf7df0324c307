#!/usr/bin/env bash
# The main job on the embedded synthetic default, from a fresh clone: does colour jitter spill
# over onto other factors? The demo sweep (experiments/demo.toml): 25 training cells on the
# synthetic factor world (24 px, a narrow small-input ResNet-18; GPU through wgpu when there is
# one, else the CPU backend, two cells at a time): flip only, and flip + the paper's colour jitter
# at strengths 0.25, 0.5, 0.75 and 1, five seeds each; then the spill-over report (HTML,
# Markdown, figures, tables) with the paper's trend test across strengths and seeds.
# About 9.5 minutes on 2 CPU cores after the build (BENCHMARKS.md). Outputs: runs/demo/ (or $1);
# the report in runs/demo/report/index.html. Rerunning resumes (finished cells are kept).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-runs/demo}"
scripts/setup.sh
# The same build as scripts/test.sh (see there), so the two commands share one set of artifacts.
cargo test --release --workspace --locked --no-run
spillover="${CARGO_TARGET_DIR:-target}/release/spillover"

# The world the cells train on, rendered into the run folder too: its annotations score the runs
# and give the report its bootstrap intervals over images.
"$spillover" world generate --config configs/data/world_demo_sweep.toml --out "$out/world"
"$spillover" sweep experiments/demo.toml --out "$out" --jobs 2
"$spillover" report "$out" --annotations "$out/world/annotations" --out "$out/report"
echo
echo "TensorBoard: tensorboard --logdir $out/cells"
