#!/usr/bin/env bash
# Regenerates crates/augment/tests/fixtures/ from torchvision and crates/data/tests/fixtures/decode/
# from Pillow (creates .venv-torch if needed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/torch-venv.sh
.venv-torch/bin/python scripts/augment_fixtures.py crates/augment/tests/fixtures
du -sh crates/augment/tests/fixtures crates/data/tests/fixtures/decode
