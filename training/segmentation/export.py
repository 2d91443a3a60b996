"""Writes trained weights as the model file MyoScope reads (data/muscle_model.bin; `analyze --model FILE`).

Layout: the 10 bytes "MYOSEGNET\\n", a little-endian uint32 length, that many bytes of JSON (architecture, classes,
pixel size, input scaling, provenance, validation figures, a check), then every tensor listed in the JSON's "tensors"
as little-endian float16, in that order. Batch normalisation is folded into the convolutions. The check is the
network's output on a fixed pattern, computed here from the float16 weights, which the C++ test reproduces.

    python3 export.py --weights RUN/weights_N.pt --run RUN -o data/muscle_model.bin [--card-figures FIGURES.json]
"""
import argparse
import json
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F

import classes as C
import model as M
import synth

MAGIC = b"MYOSEGNET\n"


def fold(conv, bn):
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    weight = conv.weight * scale[:, None, None, None]
    bias = bn.bias - bn.running_mean * scale
    return weight.detach(), bias.detach()


def folded_tensors(net):
    """[(name, tensor)] in the order the C++ runtime reads them."""
    out = []
    for part, blocks in (("down", net.down), ("up", net.up)):
        for i, block in enumerate(blocks):
            for j, (conv, bn) in enumerate(((block[0], block[1]), (block[3], block[4]))):
                w, b = fold(conv, bn)
                out += [(f"{part}.{i}.conv{j}.weight", w), (f"{part}.{i}.conv{j}.bias", b)]
    out += [("head.weight", net.head.weight.detach()), ("head.bias", net.head.bias.detach())]
    return [(n, t.to(torch.float16).to(torch.float32)) for n, t in out]


def folded_forward(tensors, config, x):
    """The network as the C++ runtime evaluates it: folded convolutions, float32 arithmetic."""
    t = dict(tensors)
    levels = len(config["channels"])

    def block(part, i, y):
        for j in range(2):
            y = F.relu(F.conv2d(y, t[f"{part}.{i}.conv{j}.weight"], t[f"{part}.{i}.conv{j}.bias"], padding=1))
        return y

    skips = []
    for i in range(levels):
        x = block("down", i, x)
        if i < levels - 1:
            skips.append(x)
            x = F.max_pool2d(x, 2)
    for i in range(levels - 1):
        x = F.interpolate(x, scale_factor=2, mode="nearest")
        x = block("up", i, torch.cat([x, skips.pop()], 1))
    return torch.softmax(F.conv2d(x, t["head.weight"], t["head.bias"]), 1)


def check_pattern(h=48, w=64):
    """A fixed input both sides can make: smooth blobs in [0, 1.2]."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    return (0.6 + 0.5 * np.sin(0.31 * x) * np.cos(0.23 * y) + 0.1 * np.sin(0.05 * x * y / 8)).astype(np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", required=True)
    ap.add_argument("--run", required=True)
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--card-figures", help="JSON of validation/test figures to carry in the file")
    args = ap.parse_args()
    run = json.load(open(os.path.join(args.run, "run.json")))
    state = torch.load(args.weights)
    net = M.UNet(num_classes=C.NUM_CLASSES, channels=run["config"]["channels"])
    net.load_state_dict(state["model"])
    net.eval()
    tensors = folded_tensors(net)
    pattern = check_pattern()
    with torch.no_grad():
        probs = folded_forward(tensors, net.config, torch.from_numpy(pattern)[None, None])[0].numpy()
    meta = {
        "format": "myoscope-unet2d",
        "version": 1,
        "architecture": {"in_channels": 1, "channels": run["config"]["channels"], "convolutions_per_level": 2,
                         "kernel": 3, "pooling": "max2", "upsampling": "nearest2", "activation": "relu"},
        "classes": C.CLASSES,
        "groups": C.GROUPS,
        "pixel_mm": synth.GRID_MM,
        "input": "one axial slice of any contrast on an LPS-aligned grid (columns to the patient's left, rows "
                 "posterior), scaled so that the 99th percentile of its pixels brighter than the slice mean is 1, "
                 "clamped to [0, 3]",
        "training": {"iterations": state["iteration"], "seed": run["seed"], "batch": run["batch"], "lr": run["lr"],
                     "script": "training/segmentation/train.py", "splits": "training/segmentation/splits.json"},
        "figures": json.load(open(args.card_figures)) if args.card_figures else {},
        "check": {"height": int(pattern.shape[0]), "width": int(pattern.shape[1]),
                  "class_means": [float(v) for v in probs.mean(axis=(1, 2))],
                  "argmax_histogram": np.bincount(probs.argmax(0).ravel(), minlength=C.NUM_CLASSES).tolist()},
        "tensors": [{"name": n, "shape": list(t.shape)} for n, t in tensors],
    }
    header = json.dumps(meta, separators=(",", ":")).encode()
    tmp = args.output + ".tmp"
    with open(tmp, "wb") as f:
        f.write(MAGIC)
        f.write(struct.pack("<I", len(header)))
        f.write(header)
        for _, t in tensors:
            f.write(t.numpy().astype("<f2").tobytes())
    os.replace(tmp, args.output)
    size = os.path.getsize(args.output)
    print(f"wrote {args.output}: {size / 1e6:.2f} MB, {sum(t.numel() for _, t in tensors)} parameters")


if __name__ == "__main__":
    main()
