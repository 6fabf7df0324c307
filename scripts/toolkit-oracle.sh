#!/usr/bin/env bash
# Regenerates the factor engine's oracle fixtures (crates/factors/tests/oracle/) by running the
# official imagenet-x toolkit on prediction files that spillover generates.
#
#   scripts/toolkit-oracle.sh            # pinned 2022-era stack (what the paper's tables used)
#   ORACLE_MODERN=1 scripts/toolkit-oracle.sh   # latest numpy/pandas instead (see README: on
#                                        # AVX-512 machines numpy >= 1.25 breaks ties differently)
#
# The venv lives in .venv-ix (git-ignored). Needs Python 3.11 for the pinned wheels.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-ix
if [ "${ORACLE_MODERN:-0}" = 1 ]; then venv=.venv-ix-modern; fi
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  if [ "${ORACLE_MODERN:-0}" = 1 ]; then
    "$venv/bin/pip" install -q pandas scipy tqdm imagenet-x==0.0.7
  else
    # imagenet-x 0.0.7 declares pandas, scipy, tqdm; numpy < 1.24 keeps np.bool working.
    "$venv/bin/pip" install -q numpy==1.23.5 pandas==1.5.3 scipy==1.10.1 tqdm==4.66.1 imagenet-x==0.0.7
  fi
fi
"$venv/bin/python" -c "import numpy, pandas; print('toolkit oracle with numpy', numpy.__version__, 'pandas', pandas.__version__)"
cargo build --release -p spillover-cli -q
bin=${CARGO_TARGET_DIR:-target}/release/spillover
"$bin" annotations fetch
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Must match `oracle_models()` in crates/factors/tests/toolkit_oracle.rs.
"$bin" predictions generate --models 6 --seed 7 --edge-cases --out "$work/val"
"$bin" predictions generate --models 3 --seed 11 --partition train --gzip --out "$work/train"
"$venv/bin/python" scripts/toolkit_oracle.py "$("$bin" annotations path)" "$work" crates/factors/tests/oracle
