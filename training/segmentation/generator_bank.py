"""A bank of slices from the project's own study generator: its images and its group labels.

The generator is never the only source of anatomy: it adds hip levels (gluteals, TFL, iliopsoas) and disease
patterns beside the one real pelvis map, at a fifth of the training samples, with a loss on the catalogue groups
only (its labels have no single muscles). Usage:
    python3 generator_bank.py MYOSCOPE_BINARY FIRST_SEED COUNT OUT.npz
"""
import json
import os
import subprocess
import sys
import tempfile

import nibabel as nib
import nibabel.processing
import numpy as np

import classes as C

VENDORS = ["siemens", "philips", "ge"]
SCENARIOS = ["imnm", "healthy", "ibm", "dm"]
HIP_GROUPS = [C.GROUP_NAMES.index(g) + 1 for g in ("gluteus_maximus", "gluteus_medius", "tensor_fasciae_latae",
                                                   "iliopsoas")]


def study_options(seed):
    """Vendor, disease and protocol vary with the seed; a sixth of the studies have no Dixon, a fifth touch."""
    opts = ["--vendor", VENDORS[seed % 3], "--scenario", SCENARIOS[(seed // 3) % 4], "--seed", str(seed),
            "--dixon-voxel-mm", "2", "--clinical-pixel-mm", "2"]
    if seed % 6 == 5:
        opts.append("--no-dixon")
    if seed % 5 == 2:
        opts.append("--touching-thighs")
    return opts


def lps_array(img):
    canon = nib.as_closest_canonical(img)
    data = np.asarray(canon.dataobj, np.float32)[::-1, ::-1, :]
    zooms = canon.header.get_zooms()[:3]
    return np.ascontiguousarray(data.transpose(2, 1, 0)), (float(zooms[1]), float(zooms[0]))


def group_labels(truth):
    out = np.zeros(truth.shape, np.uint8)
    for value, name in C.CATALOG_GROUP_LABEL.items():
        out[truth == value] = C.GROUP_NAMES.index(name) + 1
    return out


def one_study(myoscope, seed, work):
    study = os.path.join(work, f"s{seed}")
    subprocess.run([myoscope, "-q", "phantom", "-o", study] + study_options(seed), check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run([myoscope, "-q", "convert", os.path.join(study, "dicom"), "-o", os.path.join(study, "nii")],
                   check=True, stdout=subprocess.DEVNULL)
    truth = nib.load(os.path.join(study, "truth/labels.nii.gz"))
    images = []
    for name in sorted(os.listdir(os.path.join(study, "nii"))):
        if not name.endswith(".nii.gz"):
            continue
        img = nib.load(os.path.join(study, "nii", name))
        if len(img.shape) != 3 or img.shape[2] < 8:
            continue
        images.append(nibabel.processing.resample_from_to(img, truth, order=1))
    labels, spacing = lps_array(truth)
    labels = group_labels(labels.round().astype(np.int32))
    channels = [lps_array(i)[0] for i in images]
    slices = []
    for z in range(labels.shape[0]):
        hip = np.isin(labels[z], HIP_GROUPS).any()
        if not (labels[z] > 0).any() or (not hip and z % 4):
            continue  # every hip slice, a quarter of the thigh slices
        slices.append(dict(groups=labels[z], spacing=np.array(spacing, np.float32),
                           images=np.stack([c[z] for c in channels]).astype(np.float16)))
    return slices


def main():
    myoscope, first, count, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    flat = {}
    meta = []
    with tempfile.TemporaryDirectory() as work:
        for seed in range(first, first + count):
            slices = one_study(myoscope, seed, work)
            meta.append(dict(seed=seed, options=study_options(seed), slices=len(slices)))
            for j, s in enumerate(slices):
                for key, value in s.items():
                    flat[f"{seed}_{j}_{key}"] = value
            print(seed, len(slices), flush=True)
    np.savez_compressed(out, meta=json.dumps(meta), **flat)


def load(path):
    z = np.load(path)
    out = []
    for m in json.loads(str(z["meta"])):
        for j in range(m["slices"]):
            out.append({k: z[f"{m['seed']}_{j}_{k}"] for k in ("groups", "spacing", "images")})
    return out


if __name__ == "__main__":
    main()
