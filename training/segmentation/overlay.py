"""Overlay pictures for looking at segmentations: image, our labels, and (when given) the truth, per slice.

    python3 overlay.py IMAGE.nii.gz LABELS.nii.gz OUT.png [--truth TRUTH.nii.gz] [--slices N] [--max-width PX]
Labels are drawn as coloured outlines-and-fill per value (one colour per muscle on both sides); any label map (groups,
muscles, network classes) works. Radiological display: the patient's right on the left.
"""
import argparse

import nibabel as nib
import numpy as np
from PIL import Image
from scipy import ndimage as ndi


def palette():
    """Distinct colours for values 1-20 (Tableau 20), then random ones."""
    rng = np.random.RandomState(7)
    p = (rng.rand(1024, 3) * 180 + 60).astype(np.uint8)
    p[0] = 0
    tab20 = ["1f77b4", "ff7f0e", "2ca02c", "d62728", "9467bd", "8c564b", "e377c2", "bcbd22", "17becf", "aec7e8",
             "ffbb78", "98df8a", "ff9896", "c5b0d5", "c49c94", "f7b6d2", "dbdb8d", "9edae5", "7f7f7f", "c7c7c7"]
    for i, h in enumerate(tab20, start=1):
        p[i] = [int(h[k:k + 2], 16) for k in (0, 2, 4)]
    return p


def radiological(slice_xy):
    """Display with the patient's right on the image's left and anterior up (array in nibabel's RAS order: x grows
    towards the patient's right, so it runs right to left on the screen)."""
    return np.asarray(slice_xy).T[::-1, ::-1]


def blend(gray, labels, pal):
    rgb = np.stack([gray] * 3, -1).astype(float)
    mask = labels > 0
    edge = mask & ~ndi.binary_erosion(mask)
    colour = pal[np.asarray(labels) % 100].astype(float)  # a muscle has one colour on both sides (101 and 201)
    rgb[mask] = 0.45 * rgb[mask] + 0.55 * colour[mask]
    rgb[edge] = colour[edge]
    return rgb.astype(np.uint8)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("image")
    ap.add_argument("labels")
    ap.add_argument("out")
    ap.add_argument("--truth")
    ap.add_argument("--slices", type=int, default=4)
    ap.add_argument("--max-width", type=int, help="shrink to this width and save with a palette (small files)")
    args = ap.parse_args()
    image = np.asarray(nib.as_closest_canonical(nib.load(args.image)).dataobj, np.float32)
    labels = np.asarray(nib.as_closest_canonical(nib.load(args.labels)).dataobj).astype(np.int64)
    truth = np.asarray(nib.as_closest_canonical(nib.load(args.truth)).dataobj).astype(np.int64) if args.truth else None
    scale = np.percentile(image[image > image.mean()], 99) if (image > image.mean()).any() else image.max()
    pal = palette()
    zs = np.linspace(0, image.shape[2] - 1, args.slices + 2).astype(int)[1:-1]
    rows = []
    for z in zs:
        gray = (np.clip(radiological(image[:, :, z]) / scale, 0, 1) * 255).astype(np.uint8)
        tiles = [np.stack([gray] * 3, -1), blend(gray, radiological(labels[:, :, z]), pal)]
        if truth is not None:
            tiles.append(blend(gray, radiological(truth[:, :, z]), pal))
        rows.append(np.concatenate(tiles, 1))
    picture = Image.fromarray(np.concatenate(rows, 0))
    if args.max_width and picture.width > args.max_width:
        picture = picture.resize((args.max_width, round(picture.height * args.max_width / picture.width)),
                                 Image.LANCZOS).quantize(colors=128)
    picture.save(args.out, optimize=True)


if __name__ == "__main__":
    main()
