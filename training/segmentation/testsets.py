"""Held-out test volumes: the test subjects' real label maps painted with settings training never drew.

Each volume is one subject in one contrast family, painted slice by slice with one set of tissue properties and one
geometry (as a real study is), written as NIfTI on an LPS grid with its truth (network classes, sides pooled):

    dixon      water and fat images of one acquisition (what `analyze` feeds the network on Dixon studies)
    t1         T1-weighted
    stir       STIR, the only series
    t2_fatsat  fat-saturated T2: a contrast not in the training sequences

Test ranges lie outside the training ranges (synth.Ranges): more noise, stronger bias, blurrier, larger and smaller
patients, more rotation. Usage: python3 testsets.py OUT [--cache /work/cache]
"""
import argparse
import json
import os

import nibabel as nib
import numpy as np
import torch

import classes as C
import sources
import synth


class TestRanges(synth.Ranges):
    centre_jitter_mm = (0.0, 0.0)
    rotation_deg = 20.0
    scale = (0.75, 1.3)
    elastic_mm = 2.0
    subcut_mm = (30.0, 55.0)
    psf_mm = (1.6, 2.2)
    noise = (0.07, 0.11)
    bias = 0.6
    gamma_sd = 0.0
    random_contrast_probability = 0.0
    swap_probability = 0.0
    slab_probability = 0.0


FAMILIES = {"dixon": ["water", "fat"], "t1": ["t1"], "stir": ["stir"], "t2_fatsat": ["t2_fatsat"]}


class FatSatT2Painter(synth.Painter):
    """T2 with fat saturation: water-weighted like STIR but with T2 contrast (muscle darker, fluid brighter)."""

    def _draw_contrast(self):
        self.sequence = "t2"
        super()._draw_contrast()
        rng = self.rng
        self.fat[:] = rng.uniform(0.08, 0.18)
        for t in range(C.NUM_TISSUES):
            self.water[t] *= rng.uniform(0.8, 1.2)


def render_volume(rng, source, family):
    """{view name: [z][y][x] float32}, truth [z][y][x] uint8, pixel mm. All slices share one transform and painter."""
    slices = source["slices"]
    shape = slices[0]["lab"].shape
    keep = [s for s in slices if s["lab"].shape == shape]
    ranges = TestRanges
    ranges.sequences = ["t1" if family in ("t1", "t2_fatsat") else family if family == "stir" else "inphase"]
    centre = synth.pick_centre(rng, np.maximum.reduce([s["lab"] for s in keep]), keep[0]["spacing"],
                               ranges.centre_jitter_mm)
    centre = (centre[0], centre[1])
    grid = synth.sampling_grid(rng, shape, keep[0]["spacing"], centre, ranges, flip=False)
    painter = (FatSatT2Painter if family == "t2_fatsat" else synth.Painter)(rng, ranges)
    views = {v: [] for v in FAMILIES[family]}
    truth = []
    seed = int(rng.integers(1 << 30))
    for s in keep:
        tis = synth.warp(s["tis"], grid, "nearest").round()
        lab = synth.warp(s["lab"], grid, "nearest").round()
        dist = synth.warp(s["dist"].astype(np.float32), grid, "bilinear", fill=80.0)
        w, f = painter.paint(tis, lab, dist)
        for view in views:
            acquisition = np.random.default_rng(seed)  # the same bias field and noise level for every view
            if view == "water":
                image = synth.finish(acquisition, w, 0.03 * f, "inphase", ranges)
            elif view == "fat":
                image = synth.finish(acquisition, 0.03 * w, f, "inphase", ranges)
            else:
                image = synth.finish(acquisition, w, f, painter.sequence, ranges)
            views[view].append(image.numpy())
        truth.append(synth.downsample_labels(lab, C.NUM_CLASSES).numpy().astype(np.uint8))
    return {v: np.stack(x).astype(np.float32) for v, x in views.items()}, np.stack(truth), float(source["thickness_mm"])


def write_nifti(array_zyx, pixel_mm, thickness_mm, path):
    """[z][y][x] with x to the patient's left and y posterior, as NIfTI (RAS affine)."""
    affine = np.diag([-pixel_mm, -pixel_mm, thickness_mm, 1.0])
    nib.save(nib.Nifti1Image(np.ascontiguousarray(array_zyx.transpose(2, 1, 0)), affine), path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--cache", default="/work/cache")
    ap.add_argument("--seed", type=int, default=2027)
    args = ap.parse_args()
    split = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "splits.json")))
    maps = [m for m in sources.load(os.path.join(args.cache, "real_maps.npz")) if m["subject"] in split["test"]]
    index = []
    for m_i, source in enumerate(maps):
        for family in FAMILIES:
            rng = np.random.default_rng([args.seed, m_i, list(FAMILIES).index(family)])
            views, truth, thickness = render_volume(rng, source, family)
            name = f"{source['subject'].replace(':', '_')}_{source['file'].split('_')[1]}_{family}"
            folder = os.path.join(args.out, name)
            os.makedirs(folder, exist_ok=True)
            for view, image in views.items():
                write_nifti(image, synth.GRID_MM, thickness, os.path.join(folder, view + ".nii.gz"))
            write_nifti(truth, synth.GRID_MM, thickness, os.path.join(folder, "truth.nii.gz"))
            index.append(dict(name=name, subject=source["subject"], protocol=source["protocol"], family=family,
                              views=list(views), slices=int(truth.shape[0]), thickness_mm=thickness))
            print(name, truth.shape, flush=True)
    json.dump(index, open(os.path.join(args.out, "index.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
