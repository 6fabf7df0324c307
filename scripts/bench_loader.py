"""ImageNet loader: spillover's Loader vs PyTorch DataLoader + torchvision, side by side; and
the synthetic world's generation speed. Rewrites both BENCHMARKS.md sections.

One command (creates .venv-torch, builds the Rust side, runs everything):
    bash scripts/bench-loader.sh

Data: an ImageNet-like folder of 500x375 q90 JPEGs (~60-100 kB, natural-ish content: sky,
ground, textures, noise) in 8 class folders, written by this script. Pipeline on both sides:
decode -> RandomResizedCrop(224) -> RandomHorizontalFlip -> float32 [0,1] -> Normalize(ImageNet),
batches of 256 in random order. PyTorch: torchvision.datasets.ImageFolder (PIL decode,
torchvision.transforms on PIL) in a DataLoader with W worker processes (one torch thread each,
as DataLoader workers run). spillover: `spillover data bench` with W loader threads, reading
the files (decode per access), a pack (`spillover data pack`, decoded once to uint8), or memory.
Each timing skips one warm-up batch, then times BATCHES batches.
"""

import json
import os
import pathlib
import platform
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import PIL.Image
import torch
import torchvision
from torchvision import transforms

ROOT = pathlib.Path(__file__).resolve().parent.parent
# SPILLOVER_BIN: use an already built binary (skips the cargo build).
BIN = pathlib.Path(os.environ.get("SPILLOVER_BIN", ROOT / "target" / "release" / "spillover"))
N_PER_CLASS = int(os.environ.get("BENCH_PER_CLASS", "64"))
BATCHES = int(os.environ.get("BENCH_BATCHES", "8"))
BATCH = 256
CLASSES = 8


def make_folder(root):
    """Writes root/nXXXXXXXX/*.JPEG: smooth sky, textured ground, a few shapes, sensor noise."""
    rng = np.random.default_rng(0)
    h, w = 375, 500
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    for c in range(CLASSES):
        d = root / f"n{c:08d}"
        d.mkdir(parents=True, exist_ok=True)
        for k in range(N_PER_CLASS):
            horizon = rng.uniform(120, 260)
            sky = np.stack([80 + 0.25 * y, 140 + 0.2 * y, 235 - 0.1 * y], -1)
            f = rng.uniform(3, 9)
            ground = np.stack([70 + 50 * np.sin(x / f + y / 7), 120 + 40 * np.cos(y / (f + 2)), 40 + 30 * np.sin((x + y) / 11)], -1)
            img = np.where((y > horizon)[..., None], ground, sky)
            for _ in range(3):
                cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(20, 90)
                img = np.where((((x - cx) ** 2 + (y - cy) ** 2) < r * r)[..., None], rng.uniform(0, 255, 3), img)
            img = img + rng.normal(0, 6, img.shape)
            PIL.Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(d / f"n{c:08d}_{k}.JPEG", quality=90)


def torch_rate(folder, workers):
    tf = transforms.Compose([
        transforms.RandomResizedCrop(224),
        transforms.RandomHorizontalFlip(),
        transforms.ToTensor(),
        transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    ])
    ds = torchvision.datasets.ImageFolder(str(folder), transform=tf)
    loader = torch.utils.data.DataLoader(ds, batch_size=BATCH, shuffle=True, num_workers=workers, drop_last=True, persistent_workers=True)
    timed, images, start = 0, 0, None
    while timed < BATCHES:
        for xb, _ in loader:
            if start is None:
                start = time.perf_counter()
                continue
            images += xb.shape[0]
            timed += 1
            if timed == BATCHES:
                break
    return images / (time.perf_counter() - start)


def rust_rate(args, workers):
    out = subprocess.run([str(BIN), "data", "bench", *args, "--workers", str(workers), "--batch", str(BATCH), "--batches", str(BATCHES), "--json"], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])["images_per_s"]


def replace_section(title, body):
    path = ROOT / "BENCHMARKS.md"
    text = path.read_text()
    pattern = re.compile(rf"(## {re.escape(title)}\n)(.*?)(?=\n## |\Z)", re.S)
    if not pattern.search(text):
        text = text.rstrip("\n") + f"\n\n## {title}\n"
    text = pattern.sub(lambda m: m.group(1) + body.rstrip("\n") + "\n", text, count=1)
    path.write_text(text)


def machine():
    load = os.getloadavg()
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} at start"


def bench_world(env_line):
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        out = subprocess.run([str(BIN), "world", "generate", "--out", tmp], check=True, capture_output=True, text=True).stdout
        secs = time.perf_counter() - start
    n = int(re.search(r"wrote (\d+) images", out).group(1))
    body = f"""Command: `bash scripts/bench-loader.sh` (also refreshes the loader section below).
Machine: {env_line}.

`spillover world generate --out DIR` with the embedded default config (10 classes, 64x64 px,
train 8,000 + val 5,000 images, PNG in class folders + ImageNet-X annotations), all cores:

| images | wall time | images/s |
| ---: | ---: | ---: |
| {n} | {secs:.1f} s | {n / secs:.0f} |

No peer tool generates this world; the requirement is "well under a minute" for the demo's data.
"""
    replace_section("Synthetic world generation", body)
    print(f"world: {n} images in {secs:.1f} s")


def main():
    if "SPILLOVER_BIN" not in os.environ:
        subprocess.run(["cargo", "build", "--release", "-p", "spillover-cli"], cwd=ROOT, check=True)
    env_line = machine()
    bench_world(env_line)
    cores = os.cpu_count() or 1
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = pathlib.Path(tmp) / "train"
        make_folder(folder)
        pack = pathlib.Path(tmp) / "train.pack"
        start = time.perf_counter()
        subprocess.run([str(BIN), "data", "pack", "--dir", str(folder), "--short-side", "256", "--out", str(pack)], check=True, capture_output=True)
        pack_secs = time.perf_counter() - start
        for workers in sorted({1, cores}):
            t = torch_rate(folder, workers)
            r_files = rust_rate(["--dir", str(folder)], workers)
            r_pack = rust_rate(["--pack", str(pack)], workers)
            rows.append((workers, t, r_files, r_pack))
            print(f"workers {workers}: torch {t:.0f}/s, spillover files {r_files:.0f}/s, pack {r_pack:.0f}/s")
    n = CLASSES * N_PER_CLASS
    table = "\n".join(
        f"| {w} | {t:.0f} | {f:.0f} | {f / t:.2f}x | {p:.0f} | {p / t:.2f}x | {p / f:.2f}x |" for w, t, f, p in rows
    )
    body = f"""Command: `bash scripts/bench-loader.sh` (creates `.venv-torch`, builds, writes this section).
Machine: {env_line}. torch {torch.__version__}, torchvision {torchvision.__version__}, Pillow {PIL.__version__}.

Images/s delivered as normalized float32 batches of {BATCH} (decode -> RandomResizedCrop(224) ->
RandomHorizontalFlip -> Normalize), {n} ImageNet-like 500x375 q90 JPEGs, {BATCHES} timed batches after one
warm-up. PyTorch: `DataLoader(ImageFolder(...), num_workers=W)` on PIL; spillover: `Loader` with W
threads decoding the JPEGs (zune-jpeg), or reading a pack (`spillover data pack --short-side 256`,
written once in {pack_secs:.1f} s for the {n} images).

| workers W | PyTorch img/s | spillover files img/s | vs PyTorch | spillover pack img/s | vs PyTorch | pack vs files |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: |
{table}

The ratios come from one run, side by side, so they hold under the load other builds put on the
shared machine; the absolute rates vary with that load (noted above).
"""
    replace_section("ImageNet loader vs PyTorch DataLoader", body)


if __name__ == "__main__":
    sys.exit(main())
