"""Factor engine vs the official imagenet-x toolkit, side by side, into BENCHMARKS.md.

    python3 scripts/bench_factors.py            # N = 6, 50, 200 generated prediction files
    python3 scripts/bench_factors.py 6 50       # other N

For each N the same generated files (plain .csv in filename_label.csv order, which the toolkit's
loader demands) are scored by one pipeline (val, top factor, class labels, prototypes filtered):
the toolkit's `get_factor_accuracies` + `error_ratio` in its pinned venv, and
`spillover evaluate DIR --format csv` (which also computes worst_100_classes). Outputs are
checked to agree to the last digit. Wall time and peak RSS per process, median of 3 runs
(toolkit: 1 run at N = 200).
"""
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
BIN = TARGET / "release" / "spillover"
START, END = "<!-- bench-factors:start -->", "<!-- bench-factors:end -->"

TOOLKIT = """
import sys, imagenet_x
acc = imagenet_x.get_factor_accuracies(sys.argv[1])
imagenet_x.error_ratio(acc)
acc.to_csv(sys.argv[2])
"""


def run(cmd, stdout=subprocess.DEVNULL):
    """Runs cmd, returns (wall seconds, peak RSS MiB of the child)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{proc.stderr.read().decode()}")
    return wall, usage.ru_maxrss / 1024


def median_run(cmd, repeats):
    runs = [run(cmd) for _ in range(repeats)]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


def main():
    sizes = [int(n) for n in sys.argv[1:]] or [6, 50, 200]
    # The build of scripts/test.sh: a `cargo build -p spillover-cli` would resolve features
    # differently and compile Burn again.
    subprocess.run(["cargo", "test", "--release", "--workspace", "--locked", "--no-run", "-q"], cwd=ROOT, check=True)
    python = subprocess.run([ROOT / "scripts/ix-venv.sh"], capture_output=True, text=True, check=True).stdout.strip()
    subprocess.run([BIN, "annotations", "fetch"], check=True, stdout=subprocess.DEVNULL)
    versions = subprocess.run(
        [python, "-c", "import numpy, pandas; print(numpy.__version__, pandas.__version__)"],
        capture_output=True, text=True, check=True).stdout.split()
    load_before = os.getloadavg()[0]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            preds = Path(tmp) / f"n{n}"
            subprocess.run([BIN, "predictions", "generate", "--models", str(n), "--toolkit-order", "--out", preds],
                           check=True, stdout=subprocess.DEVNULL)
            ours_csv, theirs_csv = Path(tmp) / f"ours{n}.csv", Path(tmp) / f"theirs{n}.csv"
            with open(ours_csv, "w") as out:
                run([BIN, "evaluate", preds, "--format", "csv"], stdout=out)
            toolkit = [python, "-c", TOOLKIT, preds, theirs_csv]
            t_wall, t_rss = median_run(toolkit, 1 if n >= 200 else 3)
            s_wall, s_rss = median_run([BIN, "evaluate", preds, "--format", "csv"], 3)
            check_same(ours_csv, theirs_csv)
            rows.append((n, t_wall, t_rss, s_wall, s_rss))
            print(f"N={n}: toolkit {t_wall:.2f} s {t_rss:.0f} MiB, spillover {s_wall:.3f} s {s_rss:.0f} MiB, {t_wall / s_wall:.0f}x", flush=True)
    write_section(rows, versions, load_before, os.getloadavg()[0])


def check_same(ours, theirs):
    """The toolkit's table (no worst_100_classes) must equal ours cell for cell."""
    a = [l.split(",")[:-1] for l in ours.read_text().splitlines()]
    b = [l.split(",") for l in theirs.read_text().splitlines()]
    if a != b:
        sys.exit(f"outputs differ: {ours} vs {theirs}")


def write_section(rows, versions, load_before, load_after):
    lines = [
        START,
        "Command: `python3 scripts/bench_factors.py` (rewrites this section). One pipeline per process:",
        "val, top factor, class labels, prototypes filtered; N generated 50,000-row prediction files",
        "(plain CSV in `filename_label.csv` order, as the toolkit's loader demands). Toolkit: imagenet-x",
        f"0.0.7 `get_factor_accuracies` + `error_ratio` (numpy {versions[0]}, pandas {versions[1]});",
        "spillover: `spillover evaluate DIR --format csv` (which also computes `worst_100_classes`).",
        "Both outputs are checked to be identical. Wall time is the median of 3 runs (toolkit: 1 at N = 200),",
        f"RSS the peak of the process. Load average before/after: {load_before:.2f} / {load_after:.2f}.",
        "",
        "| N files | toolkit wall (s) | toolkit peak RSS (MiB) | spillover wall (s) | spillover peak RSS (MiB) | speed-up |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for n, t_wall, t_rss, s_wall, s_rss in rows:
        lines.append(f"| {n} | {t_wall:.2f} | {t_rss:.0f} | {s_wall:.3f} | {s_rss:.0f} | **{t_wall / s_wall:.0f}x** |")
    lines.append(END)
    path = ROOT / "BENCHMARKS.md"
    text = path.read_text()
    if START in text:
        text = text[: text.index(START)] + "\n".join(lines) + text[text.index(END) + len(END):]
    else:
        heading = "## Factor engine vs the official `imagenet-x` toolkit\n"
        text = text.replace(heading + "_Not measured yet._", heading + "\n".join(lines))
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(text)
    tmp.replace(path)


if __name__ == "__main__":
    main()
