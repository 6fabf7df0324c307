#!/usr/bin/env bash
# Creates (once) the venv with the official imagenet-x toolkit and prints its python.
#   pinned 2022-era stack by default (what the paper's tables were made with);
#   ORACLE_MODERN=1 for the latest numpy/pandas (on AVX-512 machines numpy >= 1.25 breaks
#   worst_100_classes ties differently, see README).
# Needs Python 3.11 for the pinned wheels. The venv (.venv-ix*) is git-ignored.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-ix
if [ "${ORACLE_MODERN:-0}" = 1 ]; then venv=.venv-ix-modern; fi
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import imagenet_x" 2>/dev/null; then
  python3 -m venv "$venv" >&2
  if [ "${ORACLE_MODERN:-0}" = 1 ]; then
    "$venv/bin/pip" install -q pandas scipy tqdm imagenet-x==0.0.7 >&2
  else
    # imagenet-x 0.0.7 declares pandas, scipy, tqdm; numpy < 1.24 keeps its np.bool working.
    "$venv/bin/pip" install -q numpy==1.23.5 pandas==1.5.3 scipy==1.10.1 tqdm==4.66.1 imagenet-x==0.0.7 >&2
  fi
fi
echo "$PWD/$venv/bin/python"
