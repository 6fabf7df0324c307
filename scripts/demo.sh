#!/usr/bin/env bash
# The main job on the embedded synthetic default, from a fresh clone: does colour jitter spill
# over onto other factors? A sweep (experiments/demo_quick.toml) of two training cells on the
# synthetic factor world (32 px, a narrow small-input ResNet-18; GPU through wgpu when there is
# one, else the CPU backend): flip only vs flip + the paper's colour jitter at full strength,
# then the spill-over report (HTML, Markdown, figures, tables) of both runs.
# A few minutes on 2 CPU cores after the build. Outputs: runs/demo/ (or $1); the report in
# runs/demo/report/index.html. Rerunning resumes (finished cells are kept).
# For the full sweep (4 strengths x 3 seeds + baseline): spillover sweep experiments/demo.toml
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-runs/demo}"
scripts/setup.sh
# The same build as scripts/test.sh (see there), so the two commands share one set of artifacts.
cargo test --release --workspace --locked --no-run
spillover="${CARGO_TARGET_DIR:-target}/release/spillover"

# The world the cells train on, rendered into the run folder too: its annotations score the runs
# and give the report its bootstrap intervals over images.
"$spillover" world generate --config configs/data/world_demo.toml --out "$out/world"
"$spillover" sweep experiments/demo_quick.toml --out "$out"
"$spillover" report "$out" --annotations "$out/world/annotations" --out "$out/report"
echo
echo "TensorBoard: tensorboard --logdir $out/cells"
