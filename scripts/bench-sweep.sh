#!/usr/bin/env bash
# Overhead of a 1,000-cell sweep (issue 12's bar: planning and starting 1,000 cells' state under a
# second; one sbatch call): times `spillover sweep --plan`, `--runner slurm` (submission, with a
# stand-in sbatch/squeue on PATH that records its calls, so no cluster is needed) and `spillover
# status`, three runs each. Usage: scripts/bench-sweep.sh [SPILLOVER_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-${CARGO_TARGET_DIR:-target}/release/spillover}"
bin="$(realpath "$bin")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin"
printf '#!/bin/sh\necho "$@" >> "%s/sbatch-calls"\necho 4242\n' "$work" > "$work/bin/sbatch"
printf '#!/bin/sh\nexit 0\n' > "$work/bin/squeue"
chmod +x "$work/bin/"*
printf 'seed = 3\nimage_size = 16\n' > "$work/world.toml"
printf '[model]\narch = "resnet18"\nsmall_input = true\nwidth = 4\n[train]\nepochs = 2\n[data]\nworld = "world.toml"\n' > "$work/base.toml"
seeds=$(seq -s, 0 99)
cat > "$work/exp1000.toml" <<TOML
[sweep]
base = "base.toml"
baseline = "flip"
seeds = [$seeds]
[[group]]
name = "flip"
augment = [{ name = "random_horizontal_flip" }]
[[group]]
name = "color"
augment = [{ name = "random_horizontal_flip" }, { name = "paper_color_jitter" }]
axes = { "augment.paper_color_jitter.strength" = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9] }
[slurm]
throttle = 64
TOML
cd "$work"
echo "cells: $("$bin" sweep exp1000.toml --plan | tail -1)"
for i in 1 2 3; do /usr/bin/time -f "plan (1,000 cells checked and printed): %e s, %M KB" "$bin" sweep exp1000.toml --plan > /dev/null; done
for i in 1 2 3; do
    rm -rf out sbatch-calls
    PATH="$work/bin:$PATH" /usr/bin/time -o t -f "plan + store + script + submit: %e s, %M KB" "$bin" sweep exp1000.toml --out out --runner slurm --backend flex > /dev/null 2>&1
    cat t
    echo "  sbatch calls: $(wc -l < sbatch-calls); $(grep -- '--array' out/slurm/*.sbatch)"
done
for i in 1 2 3; do PATH="$work/bin:$PATH" /usr/bin/time -f "status of 1,000 cells: %e s" "$bin" status out > /dev/null; done
