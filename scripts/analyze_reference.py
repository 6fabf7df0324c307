#!/usr/bin/env python3
"""Oracle numbers for `spillover analyze` from the official ImageNet-X toolkit.

Runs `imagenet_x.plots.augmentation_effect` exactly as the toolkit's
`augmentation_effect_scatter_plot_reduced` does (strengths with <= 4 runs dropped, error ratio
= (1 - acc) / (1 - average), NaN error ratios dropped, `human` row left out) on the paper's
sweep tables in ../shared/reference, and prints per factor the trend `effect` and `pval`, the
toolkit's top-3 order, and the mean error ratio at the lowest and highest strength. The numbers
in crates/factors/src/analyze/mod.rs tests were printed by this script.

Usage: python3 scripts/analyze_reference.py [REFERENCE_DIR]
Creates .venv-ix-analyze (repo root) with pinned versions on first use and re-runs itself there.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv-ix-analyze"
# plots.py imports plotly, matplotlib and seaborn at module level (undeclared dependencies of
# imagenet-x), and utils.py imports tqdm.
PINS = [
    "imagenet-x==0.0.7",
    "numpy==2.4.6",
    "pandas==3.1.1",
    "scipy==1.17.1",
    "matplotlib==3.11.2",
    "seaborn==0.13.2",
    "plotly==7.1.0",
    "tqdm==4.70.1",
]


def ensure_venv(script=__file__):
    """Re-executes `script` inside the pinned venv, creating the venv when needed."""
    python = VENV / "bin" / "python"
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    # pip leaves satisfied pins alone, so this is quick after the first run.
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", *PINS], check=True)
    os.execv(str(python), [str(python), script, *sys.argv[1:]])


def main():
    import warnings

    warnings.filterwarnings("ignore")
    import pandas as pd
    from imagenet_x.plots import (
        augmentation_effect,
        extract_hparams_color,
        extract_hparams_crop,
        extract_hparams_smoothing,
        melt_table,
    )

    reference = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "reference"
    results = reference / "imagenetx" / "results" / "val" / "top_factor"
    if not results.exists():
        sys.exit(f"{results} is absent: pass the reference directory as the first argument")
    sweeps = [
        ("colorjitter", "class", extract_hparams_color, "Color strength"),
        ("crop", "class", extract_hparams_crop, "Crop strength"),
        ("gaussian_blur", "class", extract_hparams_smoothing, "Smoothing strength"),
        ("colorjitter", "real_class", extract_hparams_color, "Color strength"),
    ]
    for group, error_type, extract, strength in sweeps:
        # The toolkit reads plain CSV; pandas reads the shipped .csv.gz the same way.
        accuracies = pd.read_csv(results / group / error_type / "accuracies_per_factor.csv.gz").set_index("model")
        hparams = extract(accuracies)
        kept = accuracies.groupby(strength).size() > 4
        kept = kept[kept].index
        accuracies = accuracies[accuracies[strength].isin(kept)]
        melted, _ = melt_table(
            accuracies, ["model", "average", "worst_factor", "worst_100_classes"] + hparams, "Factor", "Error ratio"
        )
        melted["Error ratio"] = (1 - melted["Error ratio"]) / (1 - melted["average"])
        melted = melted.dropna(axis=0, subset=["Error ratio"])
        effect = (
            melted[melted.index.str.lower() != "human"]
            .groupby("Factor")
            .apply(augmentation_effect, strength, "Error ratio")
        )
        significant = effect[effect.pval < 0.05].effect.sort_values(ascending=False)
        order = list(significant.head(3).index) + list(significant.tail(3).index)
        means = melted.reset_index().groupby(["Factor", strength])["Error ratio"].mean()
        low, high = min(kept), max(kept)
        print(f"== {group}/{error_type}: {len(accuracies)} runs, {len(kept)} strengths kept")
        print(f"{'factor':18s} {'effect':>22s} {'pval':>24s} {'mean@' + str(low):>20s} {'mean@' + str(high):>20s}")
        for factor, row in effect.iterrows():
            print(
                f"{factor:18s} {float(row.effect)!r:>22} {float(row.pval)!r:>24} "
                f"{float(means.loc[(factor, low)])!r:>20} {float(means.loc[(factor, high)])!r:>20}"
            )
        print("toolkit order:", order)


if __name__ == "__main__":
    ensure_venv()
    main()
