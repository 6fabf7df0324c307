#!/usr/bin/env bash
# The main job on the embedded synthetic default, from a fresh clone: does colour jitter spill
# over onto other factors? Two training cells on the synthetic factor world (32 px, a narrow
# small-input ResNet-18; GPU through wgpu when there is one, else the CPU backend), flip only vs
# flip + the paper's colour jitter at full strength, then both runs scored per factor.
# About 3 minutes on 2 CPU cores after the build. Outputs: runs/demo/ (or $1).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-runs/demo}"
scripts/setup.sh
# The same build as scripts/test.sh (see there), so the two commands share one set of artifacts.
cargo test --release --workspace --locked --no-run
spillover="${CARGO_TARGET_DIR:-target}/release/spillover"

# The world the cells train on, rendered into the run folder too: its annotations score the runs.
"$spillover" world generate --config configs/data/world_demo.toml --out "$out/world"
mkdir -p "$out/predictions"
for cell in color0.0 color100.0; do
    config="configs/train/demo_${cell%.0}.toml"
    if [ ! -f "$out/$cell/predictions.csv" ]; then
        # A run interrupted earlier continues from its last checkpoint.
        resume=(); compgen -G "$out/$cell/checkpoints/epoch-*" >/dev/null && resume=(--resume)
        "$spillover" train "$config" --out "$out/$cell" "${resume[@]}"
    fi
    cp "$out/$cell/predictions.csv" "$out/predictions/$cell.csv"
done

# Per-factor accuracies and error ratios with 95 % bootstrap CIs, then the error-ratio matrix.
"$spillover" evaluate "$out/predictions" --annotations "$out/world/annotations" --ci --out "$out/results"
echo
echo "Spill-over: compare the rows of the error-ratio matrix above (1 = as hard as the average image)."
echo "The paper's finding is colour jitter lowering the colour error ratio and raising the pose one."
echo "Toolkit-format tables: $out/results/val/top_factor/class/; TensorBoard: tensorboard --logdir $out"
