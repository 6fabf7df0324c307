"""Writes expected tables computed by the official imagenet-x toolkit (see toolkit-oracle.sh).

Known faults of imagenet-x 0.0.7 worked around here, all in its prediction loader
`load_model_predictions`, which we bypass by building its `models` dict ourselves with the
same `pd.read_csv(...).set_index("file_name")`: it rejects `.csv.gz`, it compares every file
with `filename_label.csv` (so rows must be in that order and cover all 50k images, and train
predictions fail), and `python -m imagenet_x` imports its plotting module, whose undeclared
dependencies (tabulate, plotly, seaborn, matplotlib) we avoid by importing the functions.
"""
import sys
from pathlib import Path

import pandas as pd
import imagenet_x.utils as ixu
from imagenet_x.aggregate import (
    compute_factor_accuracies,
    compute_factor_calibration_errors,
    compute_factor_metaclass_accuracies,
    error_ratio,
    worst_k_class_acc,
)
from imagenet_x.utils import FACTORS, METACLASSES, augment_model_predictions, load_annotations

annotations_dir, work, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
# Read the annotations that spillover fetched (identical files, checksummed).
ixu.get_annotation_path = lambda: annotations_dir
out.mkdir(parents=True, exist_ok=True)

COLUMNS = {"class": "is_correct", "metaclass": "is_metaclass_correct", "real_class": "is_correct_real"}


def load_models(folder):
    models = {}
    for path in sorted(folder.iterdir()):
        name = path.name.split(".csv")[0]
        models[name] = pd.read_csv(path).set_index("file_name")
    return models


def write_tables(tag, annotations, models, error_types, partition):
    # As generate_all_tables: human is added, then dropped except for real_class.
    all_df = augment_model_predictions(annotations, dict(models), add_human_performance=(partition == "val"))
    for error_type in error_types:
        df = all_df if error_type == "real_class" else all_df[all_df.model != "human"]
        col = COLUMNS[error_type]
        x = compute_factor_accuracies(df, FACTORS, col)
        x["worst_100_classes"] = worst_k_class_acc(df, k=100, error_type=col)
        x.to_csv(out / f"{tag}_{error_type}_accuracies.csv")
        error_ratio(x).to_csv(out / f"{tag}_{error_type}_error_ratios.csv")
        if partition == "val":
            m = compute_factor_metaclass_accuracies(df, FACTORS, col, METACLASSES)
            m.to_csv(out / f"{tag}_{error_type}_metaclass.csv")
            c = compute_factor_calibration_errors(df, FACTORS, col)
            c.to_csv(out / f"{tag}_{error_type}_calibration.csv")


val = load_models(work / "val")
for which in ["top", "multi"]:
    for filtered in [True, False]:
        annotations = load_annotations(which_factor=which, partition="val", filter_prototypes=filtered)
        tag = f"val_{which}_{'filtered' if filtered else 'all'}"
        types = ["class", "metaclass", "real_class"] if filtered else ["class"]
        write_tables(tag, annotations, val, types, "val")

train = load_models(work / "train")
for which in ["top", "multi"]:
    annotations = load_annotations(which_factor=which, partition="train", filter_prototypes=True)
    write_tables(f"train_{which}_filtered", annotations, train, ["class", "metaclass"], "train")

print(f"wrote {len(list(out.iterdir()))} oracle tables to {out}")
