#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks for spillover's tests and demo. Idempotent.
# Each section installs for one part of the project; keep them independent.
set -euo pipefail
cd "$(dirname "$0")/.."

# --- factor engine: ImageNet-X annotations (pip download of imagenet-x==0.0.7, checksummed) ---
# (added with `spillover annotations fetch`)
