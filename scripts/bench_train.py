#!/usr/bin/env python3
"""Training-step throughput, Burn (spillover-train) vs PyTorch, side by side in one run.

Same model, batch, image size, optimizer (SGD momentum 0.9, weight decay) and thread count on
both sides; random data, forward + backward + optimizer step, loss read back every step.
Prints a markdown table for BENCHMARKS.md. Run through scripts/bench-train.sh, which makes the
venv and builds the Burn side.

    scripts/bench-train.sh                       # CPU: resnet18s and vit_tiny, batch 64, 32 px
    scripts/bench-train.sh --models resnet50 --size 224 --batch 128 --backend wgpu --amp
"""
import argparse
import json
import os
import subprocess
import sys
import time

import torch
import torch.nn as nn
import torchvision


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, c = x.shape
        q, k, v = self.qkv(x).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        out = nn.functional.scaled_dot_product_attention(q, k, v)
        return self.proj(out.transpose(1, 2).reshape(b, n, c))


class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class ViT(nn.Module):
    """timm's VisionTransformer layout (what spillover-models' Vit mirrors)."""

    def __init__(self, size, patch, classes, dim=192, depth=12, heads=3):
        super().__init__()
        self.patch_embed = nn.Conv2d(3, dim, patch, patch)
        tokens = (size // patch) ** 2 + 1
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.randn(1, tokens, dim) * 0.02)
        self.blocks = nn.Sequential(*[Block(dim, heads) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.head = nn.Linear(dim, classes)

    def forward(self, x):
        x = self.patch_embed(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], 1) + self.pos_embed
        return self.head(self.norm(self.blocks(x))[:, 0])


def torch_model(name, size, classes):
    if name == "resnet18s":
        m = torchvision.models.resnet18(num_classes=classes)
        m.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
        m.maxpool = nn.Identity()
        return m
    if name == "resnet50":
        return torchvision.models.resnet50(num_classes=classes)
    if name == "vit_tiny":
        return ViT(size, 4 if size <= 64 else 16, classes)
    raise SystemExit(f"unknown model {name}")


def bench_torch(name, batch, size, steps, warmup, device, amp):
    classes = 1000
    model = torch_model(name, size, classes).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-5)
    scaler = torch.amp.GradScaler(enabled=amp)
    x = torch.rand(batch, 3, size, size, device=device) - 0.5
    y = torch.randint(0, classes, (batch,), device=device)

    def step():
        opt.zero_grad(set_to_none=True)
        with torch.autocast(device_type=device.type, enabled=amp):
            loss = nn.functional.cross_entropy(model(x), y)
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
        return loss.item()

    for _ in range(warmup):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return batch * steps / (time.perf_counter() - start)


def bench_burn(binary, name, batch, size, steps, warmup, backend, threads):
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
    cmd = [binary, name, str(batch), str(size), str(steps), str(warmup), backend]
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_torch_conv(batch, channels, side, reps=3):
    """One 3x3 conv layer, forward + backward (input and weight gradients), in ms."""
    x = torch.randn(batch, channels, side, side, requires_grad=True)
    conv = nn.Conv2d(channels, channels, 3, 1, 1, bias=False)

    def step():
        conv(x).sum().backward()

    step()
    start = time.perf_counter()
    for _ in range(reps):
        step()
    return (time.perf_counter() - start) / reps * 1000


def conv_layers(args):
    shapes = ["64x64x32", "64x128x16", "64x256x8", "64x512x4", "128x16x64"]
    env = dict(os.environ, RAYON_NUM_THREADS=str(args.threads))
    burn = {shape: float("inf") for shape in shapes}
    torch_ms = dict(burn)
    for _ in range(args.rounds):
        out = subprocess.run([args.conv_bin, *shapes], env=env, check=True, capture_output=True, text=True)
        for r in map(json.loads, out.stdout.split()):
            burn[r["shape"]] = min(burn[r["shape"]], r["ms"])
        for shape in shapes:
            torch_ms[shape] = min(torch_ms[shape], bench_torch_conv(*map(int, shape.split("x"))))
    print("| conv 3x3 layer (batch x channels x side) | PyTorch ms | Burn flex ms | Burn / PyTorch speed |")
    print("|---|---|---|---|")
    for shape in shapes:
        t = torch_ms[shape]
        print(f"| {shape} | {t:.0f} | {burn[shape]:.0f} | {t / burn[shape]:.2f}x |")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="resnet18s,vit_tiny")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--size", type=int, default=32)
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3,
                    help="alternating rounds per side; each side reports its best (robust to load)")
    ap.add_argument("--backend", default="flex", help="Burn backend: flex, wgpu or wgpu-cpu")
    ap.add_argument("--amp", action="store_true", help="PyTorch automatic mixed precision (GPU)")
    ap.add_argument("--burn-bin", default="target/release/examples/bench_step")
    ap.add_argument("--conv-bin", default="target/release/examples/bench_conv")
    ap.add_argument("--conv-layers", action="store_true",
                    help="also time single 3x3 conv layers (forward + backward), where ResNet time goes")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    device = torch.device("cuda" if args.backend.startswith("wgpu") and torch.cuda.is_available() else "cpu")
    load = os.getloadavg()
    print(f"torch {torch.__version__} on {device}, {args.threads} threads; Burn backend {args.backend}; "
          f"batch {args.batch}, {args.size} px, {args.steps} timed steps after {args.warmup} warm-up, "
          f"best of {args.rounds} alternating rounds; "
          f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", file=sys.stderr)
    rows = []
    for name in args.models.split(","):
        # Rounds alternate the two sides, and each side keeps its best: when other work loads
        # the machine, the best round is the one nearest to a quiet machine, on both sides.
        t, b = 0.0, None
        for r in range(args.rounds):
            t_r = bench_torch(name, args.batch, args.size, args.steps, args.warmup, device, args.amp)
            b_r = bench_burn(args.burn_bin, name, args.batch, args.size, args.steps, args.warmup, args.backend, args.threads)
            print(f"{name} round {r + 1}: torch {t_r:.1f} img/s, burn {b_r['images_per_sec']:.1f} img/s", file=sys.stderr)
            t = max(t, t_r)
            b = b_r if b is None or b_r["images_per_sec"] > b["images_per_sec"] else b
        rows.append((name, t, b["images_per_sec"], b["backend"], b["warmup_seconds"]))
    torch_label = f"PyTorch {torch.__version__.split('+')[0]} ({device.type}{', AMP' if args.amp else ''})"
    print(f"| model | batch | px | {torch_label} img/s | Burn ({rows[0][3]}) img/s | Burn / PyTorch |")
    print("|---|---|---|---|---|---|")
    for name, t, b, _, _ in rows:
        print(f"| {name} | {args.batch} | {args.size} | {t:.1f} | {b:.1f} | {b / t:.2f}x |")
    if args.conv_layers:
        print()
        conv_layers(args)


if __name__ == "__main__":
    main()
