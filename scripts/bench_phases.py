#!/usr/bin/env python3
"""Forward / backward / optimizer time of one training step, Burn (flex) vs PyTorch.

The split of scripts/bench_train.py's step (same models, batch 64, 32 px, SGD with momentum
and weight decay, loss read back after the forward), alternating the two sides. Builds
nothing: run scripts/bench-train.sh once first (it makes .venv-torch and the release build).

    .venv-torch/bin/python scripts/bench_phases.py --threads 1
"""
import argparse
import json
import os
import subprocess
import time

import torch
import torch.nn as nn

from bench_train import torch_model

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def torch_phases(name, steps):
    model = torch_model(name, 32, 1000)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-5)
    x = torch.rand(64, 3, 32, 32) - 0.5
    y = torch.randint(0, 1000, (64,))
    totals = [0.0, 0.0, 0.0]
    for step in range(steps + 2):
        opt.zero_grad(set_to_none=True)
        t0 = time.perf_counter()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.item()
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        opt.step()
        t3 = time.perf_counter()
        if step >= 2:
            for i, t in enumerate((t1 - t0, t2 - t1, t3 - t2)):
                totals[i] += t
    return [1e3 * t / steps for t in totals]


def burn_phases(binary, name, steps, threads):
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
    out = subprocess.run([binary, name, str(steps)], env=env, check=True,
                         capture_output=True, text=True).stdout
    r = json.loads(out.strip().splitlines()[-1])
    return [r["forward_ms"], r["backward_ms"], r["optimizer_ms"]]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", default="resnet18s,vit_tiny")
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--rounds", type=int, default=2, help="alternating rounds; each side keeps its best total")
    p.add_argument("--burn-bin", default=os.path.join(ROOT, "target/release/examples/bench_phases"))
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} threads; batch 64, 32 px, {args.steps} steps "
          f"after 2 warm-up, best of {args.rounds}; load average {os.getloadavg()}")
    print("| model | side | forward ms | backward ms | optimizer ms | step ms |")
    print("|---|---|---|---|---|---|")
    for name in args.models.split(","):
        best = {}
        for _ in range(args.rounds):
            for side, run in (("PyTorch", lambda: torch_phases(name, args.steps)),
                              ("Burn", lambda: burn_phases(args.burn_bin, name, args.steps, args.threads))):
                r = run()
                if side not in best or sum(r) < sum(best[side]):
                    best[side] = r
        for side, r in best.items():
            print(f"| {name} | {side} | {r[0]:.0f} | {r[1]:.0f} | {r[2]:.1f} | {sum(r):.0f} |")


if __name__ == "__main__":
    main()
