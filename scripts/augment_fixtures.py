"""Writes the exactness fixtures of spillover-augment (crates/augment/tests/fixtures/).

Run through scripts/augment-fixtures.sh, which creates .venv-torch with pinned torch/torchvision.

1. Makes a few small real-looking RGB test images itself (gradient, edges, noise, texture).
2. For each deterministic functional op and parameter set, runs torchvision.transforms.v2.functional
   on the uint8 *tensor* (the reference) and writes the output as lossless PNG; it also runs the PIL
   back-end and records the max |PIL - tensor| difference so the docs can say where they differ.
3. Runs the ops whose default in spillover is torchvision's *PIL* back-end (adjust_hue: Pillow's
   8-bit HSV) on PIL images and writes those outputs too (`pil_cases` in manifest.json; the Rust
   test requires them bit-identical), plus CRC-32s of Pillow's RGB->HSV and HSV->RGB conversions
   over all 2^24 inputs (pil_hsv.json).
4. Draws 100k parameter sets from the random transforms whose sampling matters (RandomResizedCrop,
   RandomErasing) and writes their statistics to random_stats.json.
5. Records the parameter names of every torchvision.transforms.v2.functional the registry names a
   deterministic op after (signatures.json), so a test checks that the op takes the same names.
Everything goes to manifest.json, which the Rust tests read.
6. Writes decoding fixtures for spillover-data (second argument, default
   crates/data/tests/fixtures/decode): JPEGs (4:2:0, 4:2:2, 4:4:4, progressive, grayscale, CMYK)
   and PNGs (16-bit grayscale, RGB, grayscale+alpha; palette) encoded by Pillow, each with
   Pillow's `Image.open(f).convert("RGB")` as a lossless PNG (what ImageFolder's loader gives);
   decode.json lists them.
"""

import inspect
import struct
import zlib

import json
import math
import pathlib
import sys

import numpy as np
import PIL.Image
import torch
import torchvision
from torchvision import tv_tensors
from torchvision.transforms import v2
from torchvision.transforms.v2 import functional as F

OUT = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "crates/augment/tests/fixtures")
DECODE_OUT = pathlib.Path(sys.argv[2] if len(sys.argv) > 2 else "crates/data/tests/fixtures/decode")
torch.set_num_threads(1)


def make_images():
    rng = np.random.default_rng(1234)
    imgs = {}
    h, w = 40, 48
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    imgs["gradient"] = np.stack([x / (w - 1) * 255, y / (h - 1) * 255, (x + y) / (w + h - 2) * 255], -1)
    h, w = 37, 45
    y, x = np.mgrid[0:h, 0:w]
    stripes = ((x // 5) % 2) * 200 + 30
    disc = ((x - 25) ** 2 + (y - 15) ** 2 < 100) * 1.0
    imgs["edges"] = np.stack([stripes, np.where(disc > 0, 240, 20), np.where(y > 20, 180, 60) + 0 * x], -1)
    imgs["noise"] = rng.integers(0, 256, size=(32, 40, 3))
    h, w = 48, 64
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    smooth = rng.normal(0, 1, size=(h // 8 + 2, w // 8 + 2, 3))
    up = np.kron(smooth, np.ones((8, 8, 1)))[:h, :w]
    tex = np.stack([
        120 + 60 * np.sin(x / 5.0) * np.cos(y / 7.0) + 25 * up[..., 0],
        100 + 50 * np.sin((x + y) / 9.0) + 25 * up[..., 1],
        90 + 70 * np.cos(x / 11.0 - y / 6.0) + 25 * up[..., 2],
    ], -1) + rng.normal(0, 6, size=(h, w, 3))
    imgs["texture"] = tex
    return {k: np.clip(np.round(v), 0, 255).astype(np.uint8) for k, v in imgs.items()}


# (case name, registry op table as inline TOML, torchvision call on image x)
CASES = [
    ("brightness_1.3", '{ name = "adjust_brightness", brightness_factor = 1.3 }', lambda x: F.adjust_brightness(x, 1.3)),
    ("brightness_0.6", '{ name = "adjust_brightness", brightness_factor = 0.6 }', lambda x: F.adjust_brightness(x, 0.6)),
    ("contrast_1.3", '{ name = "adjust_contrast", contrast_factor = 1.3 }', lambda x: F.adjust_contrast(x, 1.3)),
    ("contrast_0.5", '{ name = "adjust_contrast", contrast_factor = 0.5 }', lambda x: F.adjust_contrast(x, 0.5)),
    ("saturation_1.5", '{ name = "adjust_saturation", saturation_factor = 1.5 }', lambda x: F.adjust_saturation(x, 1.5)),
    ("saturation_0.3", '{ name = "adjust_saturation", saturation_factor = 0.3 }', lambda x: F.adjust_saturation(x, 0.3)),
    ("hue_0.05", '{ name = "adjust_hue", hue_factor = 0.05, backend = "tensor" }', lambda x: F.adjust_hue(x, 0.05)),
    ("hue_-0.3", '{ name = "adjust_hue", hue_factor = -0.3, backend = "tensor" }', lambda x: F.adjust_hue(x, -0.3)),
    ("sharpness_2.0", '{ name = "adjust_sharpness", sharpness_factor = 2.0 }', lambda x: F.adjust_sharpness(x, 2.0)),
    ("sharpness_0.3", '{ name = "adjust_sharpness", sharpness_factor = 0.3 }', lambda x: F.adjust_sharpness(x, 0.3)),
    ("grayscale", '{ name = "rgb_to_grayscale", num_output_channels = 3 }', lambda x: F.rgb_to_grayscale(x, 3)),
    ("solarize_128", '{ name = "solarize", threshold = 128 }', lambda x: F.solarize(x, 128)),
    ("posterize_3", '{ name = "posterize", bits = 3 }', lambda x: F.posterize(x, 3)),
    ("invert", '{ name = "invert" }', lambda x: F.invert(x)),
    ("equalize", '{ name = "equalize" }', lambda x: F.equalize(x)),
    ("autocontrast", '{ name = "autocontrast" }', lambda x: F.autocontrast(x)),
    ("blur_13_1.7", '{ name = "gaussian_blur", kernel_size = 13, sigma = 1.7 }', lambda x: F.gaussian_blur(x, [13, 13], [1.7, 1.7])),
    ("blur_5x3_0.8", '{ name = "gaussian_blur", kernel_size = [5, 3], sigma = 0.8 }', lambda x: F.gaussian_blur(x, [5, 3], [0.8, 0.8])),
    ("resize_edge_20", '{ name = "resize", size = 20 }', lambda x: F.resize(x, 20, antialias=True)),
    ("resize_up_31x57", '{ name = "resize", size = [31, 57] }', lambda x: F.resize(x, [31, 57], antialias=True)),
    ("resize_13x29", '{ name = "resize", size = [13, 29] }', lambda x: F.resize(x, [13, 29], antialias=True)),
    ("resized_crop", '{ name = "resized_crop", top = 5, left = 7, height = 20, width = 25, size = [24, 16] }',
     lambda x: F.resized_crop(x, 5, 7, 20, 25, [24, 16], antialias=True)),
    ("center_crop_20", '{ name = "center_crop", output_size = 21 }', lambda x: F.center_crop(x, [21, 21])),
    ("center_crop_pad", '{ name = "center_crop", size = [50, 31] }', lambda x: F.center_crop(x, [50, 31])),
    ("crop_outside", '{ name = "crop", top = -3, left = 10, height = 20, width = 50 }', lambda x: F.crop(x, -3, 10, 20, 50)),
    ("hflip", '{ name = "horizontal_flip" }', lambda x: F.horizontal_flip(x)),
    ("vflip", '{ name = "vertical_flip" }', lambda x: F.vertical_flip(x)),
    ("rotate_30_bilinear", '{ name = "rotate", angle = 30.0, interpolation = "bilinear" }',
     lambda x: F.rotate(x, 30.0, interpolation=v2.InterpolationMode.BILINEAR)),
    ("rotate_30_bilinear_fill", '{ name = "rotate", angle = 30.0, interpolation = "bilinear", fill = [10, 200, 90] }',
     lambda x: F.rotate(x, 30.0, interpolation=v2.InterpolationMode.BILINEAR, fill=[10.0, 200.0, 90.0])),
    ("rotate_-20_expand", '{ name = "rotate", angle = -20.0, expand = true, interpolation = "bilinear" }',
     lambda x: F.rotate(x, -20.0, expand=True, interpolation=v2.InterpolationMode.BILINEAR)),
    ("rotate_90_expand", '{ name = "rotate", angle = 90.0, expand = true }', lambda x: F.rotate(x, 90.0, expand=True)),
    ("affine_bilinear", '{ name = "affine", angle = 10.0, translate = [3, -2], scale = 1.1, shear = [5.0, 0.0], interpolation = "bilinear" }',
     lambda x: F.affine(x, 10.0, [3, -2], 1.1, [5.0, 0.0], interpolation=v2.InterpolationMode.BILINEAR)),
    ("affine_shear_center0", '{ name = "affine", angle = 0.0, shear = [16.7, 0.0], interpolation = "bilinear", center = [0, 0] }',
     lambda x: F.affine(x, 0.0, [0, 0], 1.0, [16.7, 0.0], interpolation=v2.InterpolationMode.BILINEAR, center=[0, 0])),
    ("affine_translate_nearest", '{ name = "affine", angle = 0.0, translate = [5, 4] }', lambda x: F.affine(x, 0.0, [5, 4], 1.0, [0.0, 0.0])),
    ("rotate_30_nearest", '{ name = "rotate", angle = 30.0 }', lambda x: F.rotate(x, 30.0)),
    ("erase", '{ name = "erase", i = 3, j = 4, h = 10, w = 12, v = [1, 2, 250] }',
     lambda x: F.erase(x, 3, 4, 10, 12, torch.tensor([1.0, 2.0, 250.0])[:, None, None])),
]

# (case name, registry op table, torchvision call on a *PIL* image): spillover's default follows
# the PIL back-end for these, bit for bit. The shifts cover both signs, the ends of [-0.5, 0.5] and
# a factor whose shift truncates to 0 (the HSV round trip alone is not the identity).
PIL_CASES = [
    (f"pil_hue_{f}", f'{{ name = "adjust_hue", hue_factor = {f} }}', (lambda f: lambda x: F.adjust_hue(x, f))(f))
    for f in [0.05, -0.3, 0.5, -0.5, 0.137, -0.0021]
]

# Functional names the registry uses for deterministic ops (the Rust test checks their parameters).
FUNCTIONALS = ["adjust_brightness", "adjust_contrast", "adjust_saturation", "adjust_hue", "adjust_sharpness",
               "rgb_to_grayscale", "solarize", "posterize", "invert", "equalize", "autocontrast",
               "horizontal_flip", "vertical_flip", "gaussian_blur", "crop", "resized_crop", "resize",
               "center_crop", "rotate", "affine", "erase"]


def colours_image():
    """128 x 128 random colours (every pixel a different draw), for the PIL hue cases."""
    rng = np.random.default_rng(99)
    return rng.integers(0, 256, size=(128, 128, 3)).astype(np.uint8)


def pil_hsv_crcs():
    """CRC-32 of Pillow's RGB->HSV of all 2^24 colours (r, g, b in row-major order), and of its
    HSV->RGB of all 2^24 (h, s, v) triples; also per block of 65,536 (one value of the first
    channel) so that a failing test says where."""
    v = np.arange(1 << 24, dtype=np.uint32)
    arr = np.stack([(v >> 16) & 255, (v >> 8) & 255, v & 255], -1).astype(np.uint8).reshape(4096, 4096, 3)
    out = {}
    for key, img in [("rgb_to_hsv", PIL.Image.fromarray(arr).convert("HSV")),
                     ("hsv_to_rgb", PIL.Image.frombytes("HSV", (4096, 4096), arr.tobytes()).convert("RGB"))]:
        data = np.asarray(img).reshape(256, -1)
        out[key] = {"all": zlib.crc32(data.tobytes()), "blocks": [zlib.crc32(b.tobytes()) for b in data]}
    return out


def png16(arr, colour_type):
    """A 16-bit PNG (Pillow cannot write 16-bit RGB): arr is H x W x C uint16, colour type 0
    (grey), 2 (RGB), 4 (grey + alpha) or 6 (RGBA)."""
    h, w = arr.shape[:2]
    raw = b"".join(b"\x00" + arr[y].astype(">u2").tobytes() for y in range(h))

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, colour_type, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def decode_fixtures(images):
    """Files Pillow encoded, and what Pillow decodes them to (convert("RGB"))."""
    DECODE_OUT.mkdir(parents=True, exist_ok=True)
    # A natural-looking image with odd sizes (partial MCUs) and a sharp-edged one.
    photo = np.asarray(PIL.Image.fromarray(images["texture"]).resize((77, 53), PIL.Image.BICUBIC))
    edges = images["edges"]
    files = {}
    for name, arr in [("photo", photo), ("edges", edges)]:
        img = PIL.Image.fromarray(arr)
        for label, kwargs in [("420", {"subsampling": 2}), ("422", {"subsampling": 1}), ("444", {"subsampling": 0}),
                              ("progressive", {"subsampling": 2, "progressive": True})]:
            files[f"{name}_{label}.jpg"] = lambda p, img=img, kw=kwargs: img.save(p, quality=90, **kw)
        files[f"{name}_gray.jpg"] = lambda p, img=img: img.convert("L").save(p, quality=90)
        files[f"{name}_cmyk.jpg"] = lambda p, img=img: img.convert("CMYK").save(p, quality=90)
    rng = np.random.default_rng(7)
    wide = rng.integers(0, 65536, size=(24, 31)).astype(np.uint16)
    wide[:, :8] = rng.integers(0, 256, size=(24, 8))  # small values too: PIL keeps those, clamps the rest
    files["gray16.png"] = lambda p: p.write_bytes(png16(wide[..., None], 0))
    files["rgb16.png"] = lambda p: p.write_bytes(png16(rng.integers(0, 65536, size=(24, 31, 3)).astype(np.uint16), 2))
    files["gray_alpha16.png"] = lambda p: p.write_bytes(png16(rng.integers(0, 65536, size=(24, 31, 2)).astype(np.uint16), 4))
    files["palette.png"] = lambda p: PIL.Image.fromarray(photo).quantize(37).save(p)
    files["rgba.png"] = lambda p: PIL.Image.fromarray(np.dstack([photo, photo[..., :1]])).save(p)
    listing = []
    for fname, write in files.items():
        path = DECODE_OUT / fname
        write(path)
        with PIL.Image.open(path) as im:
            mode = im.mode
            rgb = im.convert("RGB")
        expected = fname.rsplit(".", 1)[0] + ".pil.png"
        rgb.save(DECODE_OUT / expected)
        listing.append({"file": fname, "pil_mode": mode, "expected": expected})
    (DECODE_OUT / "decode.json").write_text(json.dumps({"pillow": PIL.__version__, "files": listing}, indent=1) + "\n")


# Ops whose output may legitimately differ from torchvision by more than 1 on a few pixels:
# nearest-neighbour sampling flips a pixel when a sample point lands within float error of a
# pixel boundary. The Rust test allows this fraction of such pixels for these cases only.
NEAREST_CASES = {"rotate_30_nearest"}


def to_pil(t):
    return PIL.Image.fromarray(t.permute(1, 2, 0).numpy())


def pil_to_np(p):
    return np.asarray(p.convert("RGB"))


def rrc_stats(canvas_hw, scale, ratio, n):
    torch.manual_seed(0)
    t = v2.RandomResizedCrop(224, scale=scale, ratio=ratio)
    img = tv_tensors.Image(torch.zeros(3, *canvas_hw, dtype=torch.uint8))
    rows = np.array([[p["top"], p["left"], p["height"], p["width"]] for p in (t.make_params([img]) for _ in range(n))], dtype=np.float64)
    h, w = canvas_hw
    area = rows[:, 2] * rows[:, 3] / (h * w)
    aspect = rows[:, 3] / rows[:, 2]
    full = (rows[:, 2] == h) & (rows[:, 3] == w)
    return {
        "canvas": [h, w], "scale": list(scale), "ratio": list(ratio), "draws": n,
        "mean": {"top": rows[:, 0].mean(), "left": rows[:, 1].mean(), "height": rows[:, 2].mean(), "width": rows[:, 3].mean(),
                 "area": area.mean(), "log_aspect": np.log(aspect).mean()},
        "std": {"top": rows[:, 0].std(), "left": rows[:, 1].std(), "height": rows[:, 2].std(), "width": rows[:, 3].std(),
                "area": area.std(), "log_aspect": np.log(aspect).std()},
        "whole_image_fraction": full.mean(),
    }


def erasing_stats(canvas_hw, n):
    torch.manual_seed(0)
    t = v2.RandomErasing(p=1.0)
    img = tv_tensors.Image(torch.zeros(3, *canvas_hw, dtype=torch.uint8))
    params = [t.make_params([img]) for _ in range(n)]
    rows = np.array([[p["i"], p["j"], p["h"], p["w"], p["v"] is None] for p in params], dtype=np.float64)
    ok = rows[rows[:, 4] == 0]
    h, w = canvas_hw
    return {
        "canvas": [h, w], "draws": n, "no_box_fraction": rows[:, 4].mean(),
        "mean": {"i": ok[:, 0].mean(), "j": ok[:, 1].mean(), "h": ok[:, 2].mean(), "w": ok[:, 3].mean(),
                 "area": (ok[:, 2] * ok[:, 3] / (h * w)).mean()},
        "std": {"i": ok[:, 0].std(), "j": ok[:, 1].std(), "h": ok[:, 2].std(), "w": ok[:, 3].std(),
                "area": (ok[:, 2] * ok[:, 3] / (h * w)).std()},
    }


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    images = make_images()
    manifest = {"torch": torch.__version__, "torchvision": torchvision.__version__, "pillow": PIL.__version__,
                "cpu_capability": torch.backends.cpu.get_cpu_capability(), "images": {}, "cases": []}
    for name, arr in images.items():
        PIL.Image.fromarray(arr).save(OUT / f"{name}.png", optimize=True)
        manifest["images"][name] = f"{name}.png"
    for case, op, fn in CASES:
        for name, arr in images.items():
            x = torch.from_numpy(arr).permute(2, 0, 1).contiguous()
            out = fn(x)
            out_np = out.permute(1, 2, 0).contiguous().numpy()
            fname = f"{name}__{case}.png"
            PIL.Image.fromarray(out_np).save(OUT / fname, optimize=True)
            try:
                pil_out = pil_to_np(fn(to_pil(x)))
                pil_diff = int(np.abs(pil_out.astype(int) - out_np.astype(int)).max()) if pil_out.shape == out_np.shape else None
            except Exception as e:  # some functionals have no PIL kernel with these arguments
                pil_diff = f"n/a ({type(e).__name__})"
            manifest["cases"].append({"case": case, "image": name, "op": op, "expected": fname,
                                      "nearest": case in NEAREST_CASES, "pil_vs_tensor_max_diff": pil_diff})
    colours = colours_image()
    PIL.Image.fromarray(colours).save(OUT / "colours.png", optimize=True)
    manifest["pil_images"] = {"colours": "colours.png"}
    manifest["pil_cases"] = []
    for case, op, fn in PIL_CASES:
        for name, arr in {**images, "colours": colours}.items():
            out = pil_to_np(fn(PIL.Image.fromarray(arr)))
            fname = f"{name}__{case}.png"
            PIL.Image.fromarray(out).save(OUT / fname, optimize=True)
            x = torch.from_numpy(arr).permute(2, 0, 1).contiguous()
            tensor_out = fn(x).permute(1, 2, 0).numpy()
            manifest["pil_cases"].append({"case": case, "image": name, "op": op, "expected": fname,
                                          "tensor_vs_pil_max_diff": int(np.abs(tensor_out.astype(int) - out.astype(int)).max())})
    decode_fixtures(images)
    (OUT / "pil_hsv.json").write_text(json.dumps(pil_hsv_crcs()) + "\n")
    signatures = {name: [p for p in inspect.signature(getattr(F, name)).parameters if p != "inpt"]
                  for name in FUNCTIONALS}
    (OUT / "signatures.json").write_text(json.dumps(signatures, indent=1) + "\n")
    stats = {
        "random_resized_crop_default": rrc_stats((375, 500), (0.08, 1.0), (3 / 4, 4 / 3), 100_000),
        "random_resized_crop_scale_0.5": rrc_stats((375, 500), (0.5, 1.0), (3 / 4, 4 / 3), 100_000),
        "random_resized_crop_narrow": rrc_stats((40, 400), (0.08, 1.0), (3 / 4, 4 / 3), 100_000),
        "random_erasing_default": erasing_stats((64, 80), 100_000),
    }
    (OUT / "random_stats.json").write_text(json.dumps(stats, indent=1, default=float) + "\n")
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"wrote {len(manifest['cases'])} tensor cases, {len(manifest['pil_cases'])} PIL cases, "
          f"pil_hsv.json, signatures.json and random_stats.json to {OUT} "
          f"(torch {torch.__version__}, torchvision {torchvision.__version__}, cpu {manifest['cpu_capability']})")


if __name__ == "__main__":
    main()
