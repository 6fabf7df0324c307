#!/usr/bin/env python3
"""Benchmark: spillover's statistics side by side with their Python peers, in one run.

1. `spillover analyze` on the paper's sweep tables vs the toolkit's own trend-test pipeline
   (`imagenet_x.plots.augmentation_effect` as `augmentation_effect_scatter_plot_reduced` runs it).
   spillover does more per table (per-strength CIs, a 10,000-permutation test per factor).
2. Per-factor bootstrap CIs (50,000 images, 1,000 and 10,000 resamples) vs a vectorized NumPy
   bootstrap of the same synthetic data (one `integers` draw and one `bincount` per resample).

Each is a separate process, timed (wall, median of 3) with its peak RSS. Prints a Markdown
section for BENCHMARKS.md. Usage: python3 scripts/bench_stats.py [REFERENCE_DIR]
(builds the release binaries, creates .venv-ix-analyze on first use).
"""

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from analyze_reference import ROOT, ensure_venv  # noqa: E402

SWEEPS = [
    ("colorjitter", ["--strength", "color"], "Color strength", "extract_hparams_color"),
    ("crop", ["--strength", "crop", "--complement"], "Crop strength", "extract_hparams_crop"),
    ("gaussian_blur", ["--strength", "smoothing"], "Smoothing strength", "extract_hparams_smoothing"),
]
IMAGES = 50_000


def table_path(reference, group):
    return reference / "imagenetx/results/val/top_factor" / group / "class/accuracies_per_factor.csv.gz"


def measure(cmd, repeats=3):
    """Median wall seconds and max peak RSS (MiB) of running `cmd` `repeats` times."""
    walls, rss = [], 0
    for _ in range(repeats):
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        walls.append(time.perf_counter() - start)
        if status != 0:
            sys.exit(f"failed ({status}): {' '.join(map(str, cmd))}")
        rss = max(rss, usage.ru_maxrss / 1024)
    return statistics.median(walls), rss


def toolkit_trend(path, strength, extract_name):
    """The toolkit's pipeline for one sweep table (peer of `spillover analyze`)."""
    import warnings

    warnings.filterwarnings("ignore")
    import pandas as pd
    import imagenet_x.plots as plots

    accuracies = pd.read_csv(path).set_index("model")
    hparams = getattr(plots, extract_name)(accuracies)
    kept = accuracies.groupby(strength).size() > 4
    accuracies = accuracies[accuracies[strength].isin(kept[kept].index)]
    melted, _ = plots.melt_table(
        accuracies, ["model", "average", "worst_factor", "worst_100_classes"] + hparams, "Factor", "Error ratio"
    )
    melted["Error ratio"] = (1 - melted["Error ratio"]) / (1 - melted["average"])
    melted = melted.dropna(axis=0, subset=["Error ratio"])
    effect = melted[melted.index.str.lower() != "human"].groupby("Factor").apply(
        plots.augmentation_effect, strength, "Error ratio"
    )
    print(effect)


def numpy_bootstrap(resamples):
    """Vectorized NumPy peer of `factor_bootstrap_ci` on the data of examples/bootstrap_ci.rs."""
    import numpy as np

    i = np.arange(IMAGES)
    factors = np.zeros((IMAGES, 16), dtype=bool)
    factors[i, i % 16] = True
    multi = i % 3 == 0
    factors[i[multi], (i[multi] // 16) % 16] = True
    correct = (i * 7919) % 100 < 75
    # One category per (factor set, correct) pair: a resample is a bincount over categories.
    keys = np.packbits(factors, axis=1, bitorder="little").view(np.uint16)[:, 0].astype(np.int64) * 2 + correct
    uniq, code = np.unique(keys, return_inverse=True)
    cat_factors = np.array([[(k >> 1) >> f & 1 for f in range(16)] for k in uniq], dtype=float)
    cat_correct = (uniq & 1).astype(float)
    rng = np.random.default_rng(0)
    acc = np.empty((resamples, 16))
    ratio = np.empty((resamples, 16))
    start = time.perf_counter()
    for r in range(resamples):
        counts = np.bincount(code[rng.integers(0, IMAGES, IMAGES)], minlength=len(uniq)).astype(float)
        total = counts @ cat_factors
        hits = (counts * cat_correct) @ cat_factors
        acc[r] = hits / total
        ratio[r] = (1 - acc[r]) / (1 - (counts * cat_correct).sum() / IMAGES)
    np.percentile(acc, [2.5, 97.5], axis=0)
    np.percentile(ratio, [2.5, 97.5], axis=0)
    print(f"bootstrap_seconds {time.perf_counter() - start:.4f}")


def main():
    reference = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "reference"
    subprocess.run(
        ["cargo", "build", "--release", "-p", "spillover-cli", "-p", "spillover-factors", "--example", "bootstrap_ci"],
        cwd=ROOT,
        check=True,
    )
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "release"
    me = [sys.executable, __file__]
    rows = []
    for group, flags, strength, extract in SWEEPS:
        path = table_path(reference, group)
        if not path.exists():
            sys.exit(f"{path} is absent: pass the reference directory as the first argument")
        ours = measure([target / "spillover", "analyze", *flags, "--table", "all", path])
        peer = measure([*me, "--toolkit", str(path), strength, extract])
        rows.append((f"analyze `{group}`", "toolkit trend test (python process)", ours, peer))
    for resamples in (1_000, 10_000):
        ours = measure([target / "examples" / "bootstrap_ci", str(IMAGES), str(resamples)])
        peer = measure([*me, "--numpy-bootstrap", str(resamples)])
        rows.append((f"bootstrap CIs, {IMAGES:,} images x {resamples:,}", "NumPy bincount bootstrap", ours, peer))

    load = os.getloadavg()
    print(f"_Load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {os.cpu_count()} cores._\n")
    print("| task | peer | spillover wall (s) | peer wall (s) | speed-up | spillover RSS (MiB) | peer RSS (MiB) |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for task, peer_name, (ow, orss), (pw, prss) in rows:
        print(f"| {task} | {peer_name} | {ow:.3f} | {pw:.3f} | {pw / ow:.1f}x | {orss:.0f} | {prss:.0f} |")


if __name__ == "__main__":
    ensure_venv(__file__)
    if sys.argv[1:2] == ["--toolkit"]:
        toolkit_trend(*sys.argv[2:5])
    elif sys.argv[1:2] == ["--numpy-bootstrap"]:
        numpy_bootstrap(int(sys.argv[2]))
    else:
        main()
