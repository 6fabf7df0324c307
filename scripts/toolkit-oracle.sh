#!/usr/bin/env bash
# Regenerates the factor engine's oracle fixtures (crates/factors/tests/oracle/) by running the
# official imagenet-x toolkit on prediction files that spillover generates.
#
#   scripts/toolkit-oracle.sh            # pinned 2022-era stack (what the paper's tables used)
#   ORACLE_MODERN=1 scripts/toolkit-oracle.sh   # latest numpy/pandas instead (see README: on
#                                        # AVX-512 machines numpy >= 1.25 breaks ties differently)
#
# The toolkit's venv comes from scripts/ix-venv.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
python=$(scripts/ix-venv.sh)
"$python" -c "import numpy, pandas; print('toolkit oracle with numpy', numpy.__version__, 'pandas', pandas.__version__)"
cargo build --release -p spillover-cli -q
bin=${CARGO_TARGET_DIR:-target}/release/spillover
"$bin" annotations fetch
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Must match the specs in crates/factors/tests/toolkit_oracle.rs.
"$bin" predictions generate --models 6 --seed 7 --edge-cases --out "$work/val"
"$bin" predictions generate --models 3 --seed 11 --partition train --gzip --out "$work/train"
"$python" scripts/toolkit_oracle.py "$("$bin" annotations path)" "$work" crates/factors/tests/oracle
