#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks for spillover's tests and demo. Idempotent.
# Each section installs for one part of the project; keep them independent.
set -euo pipefail
cd "$(dirname "$0")/.."

# --- Python 3 with pip and venv: `spillover annotations fetch` runs `python3 -m pip download
# imagenet-x==0.0.7 --no-deps` (checksummed), and the test venvs below need venv. ---
if ! "${PYTHON:-python3}" -m pip --version >/dev/null 2>&1 || ! "${PYTHON:-python3}" -c "import venv, ensurepip" >/dev/null 2>&1; then
    if command -v apt-get >/dev/null; then
        SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
        $SUDO apt-get update -qq
        $SUDO apt-get install -y -qq --no-install-recommends python3-pip python3-venv
    fi
fi

# --- training (spillover-train): lavapipe (software Vulkan) for the wgpu test, TensorBoard for
# the event-file test. The tests skip with a printed reason when these are missing. ---
if ! ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1 && command -v apt-get >/dev/null; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends mesa-vulkan-drivers libvulkan1
fi
if ! .venv-tensorboard/bin/python -c "import tensorboard" 2>/dev/null; then
    "${PYTHON:-python3}" -m venv .venv-tensorboard
    .venv-tensorboard/bin/pip install --quiet "tensorboard==2.21.0" "setuptools==80.9.0"
fi

# --- report (spillover-report): Debian's Chromium for the browser test of the HTML report
# (headless screenshot and DOM dump). The test skips with a printed reason when it is missing. ---
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends chromium || echo "setup: could not install chromium; the report's browser test will skip" >&2
fi

# --- Slurm sweep runner (issue 12): Debian's slurm-wlm (slurmctld, slurmd, client tools) and munge
# for a one-node cluster on localhost (scripts/slurm-local.sh, scripts/slurm-smoke.sh). The Slurm
# tests skip with a printed reason when these are missing. ---
if ! (PATH=$PATH:/usr/sbin:/sbin; command -v slurmctld && command -v slurmd && command -v sbatch && command -v munged) >/dev/null 2>&1 \
    && command -v apt-get >/dev/null; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends slurm-wlm munge \
        || echo "setup: could not install slurm-wlm/munge; the Slurm tests will skip" >&2
fi
