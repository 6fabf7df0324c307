#!/usr/bin/env bash
# Creates .venv-torch (repo root) with pinned CPU torch + torchvision from PyPI, for the
# project's PyTorch peer benchmarks and the augmentation fixture script. Idempotent: a venv
# that already has the pinned versions is left alone. Prints the versions it ends with.
#
# PyPI's Linux torch wheel needs the CUDA runtime wheels (several GiB) even to import on a CPU
# machine (torch preloads libcudart/libcublas), so we let pip install its declared dependencies.
# Everything runs on CPU; no GPU is needed.
set -euo pipefail
cd "$(dirname "$0")/.."

TORCH=2.15.0
TORCHVISION=0.29.2
VENV=.venv-torch
PY="${PYTHON:-python3}"

have_pins() {
    [ -x "$VENV/bin/python" ] && "$VENV/bin/python" - "$TORCH" "$TORCHVISION" <<'PYEOF' 2>/dev/null
import sys, torch, torchvision
ok = torch.__version__.split("+")[0] == sys.argv[1] and torchvision.__version__.split("+")[0] == sys.argv[2]
sys.exit(0 if ok else 1)
PYEOF
}

if ! have_pins; then
    [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --upgrade pip
    "$VENV/bin/pip" install --quiet "torch==$TORCH" "torchvision==$TORCHVISION" \
        "numpy==2.3.4" "pillow==12.0.0"
fi

"$VENV/bin/python" - <<'PYEOF'
import torch, torchvision, PIL, numpy
print(f"torch {torch.__version__}  torchvision {torchvision.__version__}  "
      f"pillow {PIL.__version__}  numpy {numpy.__version__}  threads {torch.get_num_threads()}")
PYEOF
