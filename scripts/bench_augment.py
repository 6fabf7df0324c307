"""Augmentation pipeline: spillover-augment vs torchvision v2, side by side on the same JPEGs.

One command (creates .venv-torch, builds the Rust side, writes BENCHMARKS.md's section):
    bash scripts/bench-augment.sh            # = torch-venv.sh + this script

Pipeline: decode a ~500x375 q90 JPEG -> RandomResizedCrop(224) -> RandomHorizontalFlip ->
paper_color_jitter(1.0) [ColorJitter(0.4, 0.4, 0.1, 0.1) p=0.8 -> RandomGrayscale(0.5) ->
RandomSolarize(128, p=0.3)] -> float32 scale -> Normalize(ImageNet). torchvision runs it on the
PIL path (PIL decode, PIL ops) and on the tensor path (torchvision.io.decode_jpeg, uint8 tensor
ops); "all cores" uses one process per core with one torch thread each, like DataLoader workers.
"""

import io
import json
import multiprocessing as mp
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
from torchvision.io import decode_jpeg
from torchvision.transforms import v2

ROOT = pathlib.Path(__file__).resolve().parent.parent
SECONDS = float(os.environ.get("BENCH_SECONDS", "3"))
N_IMAGES = 32


def make_jpegs(out_dir):
    """Synthetic natural-ish 500x375 photos (sky, hills, textures, noise), q90 JPEG (~50 kB)."""
    rng = np.random.default_rng(0)
    h, w = 375, 500
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    for i in range(N_IMAGES):
        f = 1 + i / N_IMAGES
        sky = np.stack([90 + 0.2 * y, 150 + 0.15 * y, 230 - 0.1 * y], -1)
        ground = (y > 200 + 20 * np.sin(x / (40 * f) + i))[..., None]
        grass = np.stack([60 + 40 * np.sin(x / (7 * f)) * np.cos(y / 5), 140 + 30 * np.sin(x / 3 + y / (4 * f)), 50 + 20 * np.cos(x / 13)], -1)
        img = np.where(ground, grass, sky)
        cx, cy = rng.integers(50, 450), rng.integers(40, 200)
        blob = ((x - cx) ** 2 + (y - cy) ** 2 < rng.integers(400, 3000))[..., None]
        img = np.where(blob, rng.integers(0, 256, 3), img)
        img = img + rng.normal(0, 6, img.shape)
        PIL.Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(out_dir / f"{i:03d}.jpg", quality=90)


def paper_color_jitter(t=1.0):
    return [
        v2.RandomApply([v2.ColorJitter(0.4 * t, 0.4 * t, 0.1 * t, 0.1 * t)], p=0.8 * t),
        v2.RandomGrayscale(p=0.5 * t),
        v2.RandomSolarize(128, p=0.3 * t),
    ]


def pipelines():
    tail = [v2.ToDtype(torch.float32, scale=True), v2.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])]
    head = [v2.RandomResizedCrop(224, antialias=True), v2.RandomHorizontalFlip()]
    pil = v2.Compose(head + paper_color_jitter() + [v2.PILToTensor()] + tail)
    tensor = v2.Compose(head + paper_color_jitter() + tail)
    return {
        "pil_decode": lambda b: PIL.Image.open(io.BytesIO(b)).convert("RGB"),
        "pil_pipeline": lambda b: pil(PIL.Image.open(io.BytesIO(b)).convert("RGB")),
        "tensor_decode": lambda b: decode_jpeg(torch.frombuffer(bytearray(b), dtype=torch.uint8)),
        "tensor_pipeline": lambda b: tensor(decode_jpeg(torch.frombuffer(bytearray(b), dtype=torch.uint8))),
    }


def rate(fn, blobs):
    """Images per CPU-second of this thread (robust to other processes sharing the cores)."""
    start, cpu, done = time.perf_counter(), time.thread_time(), 0
    while time.perf_counter() - start < SECONDS:
        for b in blobs:
            fn(b)
        done += len(blobs)
    return done / (time.thread_time() - cpu)


def _worker(args):
    name, paths, seconds = args
    torch.set_num_threads(1)
    torch.manual_seed(os.getpid())
    blobs = [p.read_bytes() for p in paths]
    fn = pipelines()[name]
    start, done = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        for b in blobs:
            fn(b)
        done += len(blobs)
    return done, time.perf_counter() - start


def rate_all_cores(name, paths, cores):
    with mp.get_context("fork").Pool(cores) as pool:
        results = pool.map(_worker, [(name, paths, SECONDS)] * cores)
    return sum(d for d, _ in results) / max(t for _, t in results)


def rust_rates(jpeg_dir):
    cmd = ["cargo", "run", "--release", "-q", "-p", "spillover-augment", "--example", "bench_pipeline", "--", str(jpeg_dir), str(SECONDS)]
    out = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def rust_stages(jpeg_dir):
    cmd = ["cargo", "run", "--release", "-q", "-p", "spillover-augment", "--example", "bench_pipeline", "--", str(jpeg_dir), str(SECONDS), "--stages"]
    return subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True).stdout.rstrip()


def write_section(text):
    path = ROOT / "BENCHMARKS.md"
    doc = path.read_text()
    title = "## Augmentation pipeline vs torchvision"
    start = doc.index(title)
    nxt = doc.find("\n## ", start + len(title))
    end = len(doc) if nxt < 0 else nxt + 1
    path.write_text(doc[:start] + text.rstrip() + "\n\n" + doc[end:].lstrip("\n") if nxt >= 0 else doc[:start] + text)


def main():
    cores = os.cpu_count() or 1
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        make_jpegs(tmp)
        paths = sorted(tmp.glob("*.jpg"))
        size_kb = np.mean([p.stat().st_size for p in paths]) / 1000
        blobs = [p.read_bytes() for p in paths]
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "spillover-augment", "--example", "bench_pipeline"], cwd=ROOT, check=True)
        load_before = os.getloadavg()
        rust = rust_rates(tmp)
        stages = rust_stages(tmp)
        fns = pipelines()
        tv1 = {k: rate(fn, blobs) for k, fn in fns.items()}
        tvn = {k: rate_all_cores(k, paths, cores) for k in fns}
        load_after = os.getloadavg()
    rows = [
        ("decode only (PIL / torchvision.io / image crate)", tv1["pil_decode"], tv1["tensor_decode"], rust["decode_1"],
         tvn["pil_decode"], tvn["tensor_decode"], rust["decode_all"]),
        ("full pipeline", tv1["pil_pipeline"], tv1["tensor_pipeline"], rust["pipeline_1"],
         tvn["pil_pipeline"], tvn["tensor_pipeline"], rust["pipeline_all"]),
    ]
    best_tv1 = max(tv1["pil_pipeline"], tv1["tensor_pipeline"])
    best_tvn = max(tvn["pil_pipeline"], tvn["tensor_pipeline"])
    lines = [
        "## Augmentation pipeline vs torchvision",
        "",
        "Command: `bash scripts/bench-augment.sh` (rewrites this section; `BENCH_SECONDS` sets the time per cell).",
        f"{N_IMAGES} synthetic 500x375 JPEGs (q90, mean {size_kb:.0f} kB); decode → RandomResizedCrop 224 → flip →",
        "`paper_color_jitter(1.0)` → float → Normalize → f32 CHW. Images per second: per CPU-second of the one thread "
        "(so other load on the machine matters less), per wall-second on all cores; \"all cores\" = "
        f"{cores} processes × 1 torch thread for torchvision, rayon for spillover.",
        f"torch {torch.__version__}, torchvision {torchvision.__version__}, Pillow {PIL.__version__}, "
        f"{platform.processor() or platform.machine()}; load average before/after: "
        f"{load_before[0]:.2f} / {load_after[0]:.2f} (other builds may share the machine).",
        "",
        "| img/s | tv PIL, 1 thread | tv tensor, 1 thread | spillover, 1 thread | tv PIL, all cores | tv tensor, all cores | spillover, all cores |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, *vals in rows:
        lines.append(f"| {name} | " + " | ".join(f"{v:.0f}" for v in vals) + " |")
    lines += [
        "",
        f"- spillover vs the faster torchvision path: **{rust['pipeline_1'] / best_tv1:.2f}×** per core, "
        f"**{rust['pipeline_all'] / best_tvn:.2f}×** on all cores (goal ≥ 3× per core).",
        f"- spillover pipeline / its own decode-only rate: **{100 * rust['pipeline_1'] / rust['decode_1']:.0f} %** "
        f"on one thread (goal ≥ 60 %).",
        "",
        "Where spillover's time goes (CPU µs per call, one thread, 224×224 colour ops; "
        "`cargo run --release -p spillover-augment --example bench_pipeline -- DIR 3 --stages`):",
        "",
        "```",
        stages,
        "```",
        "",
        "Per-op criterion benches: `cargo bench -p spillover-augment --bench augment`.",
    ]
    write_section("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
