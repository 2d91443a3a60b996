"""Real anatomy as training material: label maps read into axial slices of classes and tissues.

Every slice is stored in the patient's frame the C++ side feeds the network: rows run posterior (LPS +y), columns run
to the patient's left (LPS +x), at the map's own in-plane spacing. Per slice:
  lab   network class per pixel (classes.py), the target
  tis   tissue per pixel inside the muscle compartment (classes.T_*), what the synthesiser paints
  dist  distance outside the compartment in mm (subcutaneous fat and skin are painted from it at sample time)
"""
import glob
import json
import os
import re

import nibabel as nib
import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage as ndi
from scipy.spatial import ConvexHull

import classes as C

SHARED = os.path.normpath(os.path.join(os.path.dirname(__file__), "../../../shared/data/muscle-mri"))
THIGH_DIR = os.path.join(SHARED, "real-anatomy-labels/thigh-multiethnic")
PELVIS_FILE = os.path.join(SHARED, "real-anatomy-labels/musclemap-pelvis-thigh/pelvis_thigh_labels.nii.gz")
MIN_MUSCLE_MM2 = 600.0  # slices with less labelled muscle than this are left out (ends of the coverage)


def subject_of(path):
    """Subject key of a thigh-multiethnic file: one person scanned with two contrasts is one subject."""
    name = os.path.basename(path)
    m = re.match(r"Training_\w+?_THIGH_(\d+)_", name)
    if m:
        return "training:" + m.group(1)
    m = re.match(r"MyoSegmenTUM_\w+?_(HV\d+)_", name)
    if m:
        return "tum:" + m.group(1)
    m = re.match(r"Helsinki_STIR_THIGH_(\d+)_", name)
    if m:
        return "helsinki:" + m.group(1)
    raise ValueError("unknown thigh map name: " + name)


def protocol_of(path):
    name = os.path.basename(path)
    if name.startswith("Training_"):
        return "clinical_thick"
    if name.startswith("MyoSegmenTUM"):
        return "dixon_4mm"
    return "stir"


def read_lps(path):
    """Label array indexed [z][y][x] with x to the patient's left and y posterior, and (dz, dy, dx) spacing in mm."""
    img = nib.as_closest_canonical(nib.load(path))  # RAS+: +i to the patient's right, +j anterior, +k superior
    data = np.asarray(img.dataobj)
    zooms = img.header.get_zooms()[:3]
    data = data[::-1, ::-1, :]  # +i to the patient's left, +j posterior: LPS
    return np.ascontiguousarray(data.transpose(2, 1, 0)), (float(zooms[2]), float(zooms[1]), float(zooms[0]))


def disk(radius_px):
    r = max(1, int(round(radius_px)))
    y, x = np.ogrid[-r:r + 1, -r:r + 1]
    return x * x + y * y <= r * r


def side_split_column(mask):
    """Column between the two thighs: the emptiest column of the middle half of the muscle's extent."""
    cols = np.where(mask.any(axis=0))[0]
    if cols.size == 0:
        return mask.shape[1] // 2
    lo, hi = cols.min(), cols.max()
    width = hi - lo
    a, b = int(lo + 0.25 * width), int(hi - 0.25 * width)
    profile = ndi.uniform_filter1d(mask.sum(axis=0).astype(float), 5)
    if b <= a:
        return (lo + hi) // 2
    return a + int(np.argmin(profile[a:b + 1]))


def convex_hull(mask):
    """The convex hull of a mask, filled: the femur sits in the quadriceps' concavity even where it is open."""
    pts = np.argwhere(mask)
    if len(pts) < 3:
        return mask.copy()
    hull = ConvexHull(pts[:, ::-1])
    canvas = Image.new("1", (mask.shape[1], mask.shape[0]), 0)
    ImageDraw.Draw(canvas).polygon([tuple(p) for p in hull.points[hull.vertices]], fill=1)
    return np.asarray(canvas, bool) | mask


def femur_disk(lab, side_mask, spacing):
    """The femur of one thigh as (centre row, centre column, radius mm), from the widest gap among its muscles near
    the vastus intermedius (which wraps the shaft); None when no gap is wide enough."""
    dy, dx = spacing
    muscle = (lab > 0) & side_mask
    anchor_classes = [C.CLASSES.index(m) for m in ("vastus_intermedius", "vastus_lateralis", "vastus_medialis")]
    anchor = np.isin(lab, anchor_classes) & side_mask
    if anchor.sum() * dy * dx < 200:
        return None
    region = convex_hull(muscle) & ~muscle
    if not region.any():
        return None
    gap = ndi.distance_transform_edt(~muscle, sampling=(dy, dx)) * region
    cy, cx = ndi.center_of_mass(np.isin(lab, [C.CLASSES.index("vastus_intermedius")]) & side_mask) \
        if (np.isin(lab, [C.CLASSES.index("vastus_intermedius")]) & side_mask).any() else ndi.center_of_mass(anchor)
    yy, xx = np.ogrid[:lab.shape[0], :lab.shape[1]]
    near = ((yy - cy) * dy) ** 2 + ((xx - cx) * dx) ** 2 <= 40.0 ** 2
    gap = gap * near
    idx = np.argmax(gap)
    r = float(gap.flat[idx])
    if r < 5.0:
        return None
    y0, x0 = np.unravel_index(idx, gap.shape)
    return int(y0), int(x0), min(r, 17.0)


def paint_disk(tis, y0, x0, r_mm, spacing, inner_value, outer_value, cortex_mm, free):
    dy, dx = spacing
    yy, xx = np.ogrid[:tis.shape[0], :tis.shape[1]]
    d = np.sqrt(((yy - y0) * dy) ** 2 + ((xx - x0) * dx) ** 2)
    tis[(d <= r_mm) & free] = outer_value
    tis[(d <= r_mm - cortex_mm) & free] = inner_value
    return d <= r_mm


def septa(lab):
    """Pixels of a muscle that touch a different muscle (4-neighbourhood)."""
    out = np.zeros(lab.shape, bool)
    for axis in (0, 1):
        for shift in (1, -1):
            other = np.roll(lab, shift, axis=axis)
            out |= (lab > 0) & (other > 0) & (other != lab)
    return out


def finish_slice(lab, tis, compartment, spacing):
    dy, dx = spacing
    tis[septa(lab) & (tis == lab)] = C.T_SEPTUM
    dist = ndi.distance_transform_edt(~compartment, sampling=(dy, dx))
    return dict(lab=lab.astype(np.uint8), tis=tis.astype(np.uint8), dist=np.minimum(dist, 80).astype(np.float16),
                spacing=np.array(spacing, np.float32))


def thigh_slice(raw, spacing):
    lab = np.zeros(raw.shape, np.uint8)
    for value, name in C.THIGH_MULTIETHNIC.items():
        lab[raw == value] = C.CLASSES.index(name)
    muscle = lab > 0
    if muscle.sum() * spacing[0] * spacing[1] < MIN_MUSCLE_MM2:
        return None
    tis = lab.copy()
    compartment = ndi.binary_fill_holes(ndi.binary_closing(muscle, structure=disk(4.0 / spacing[1])))
    split = side_split_column(muscle)
    cols = np.arange(lab.shape[1])[None, :]
    for side_mask in (np.broadcast_to(cols < split, lab.shape), np.broadcast_to(cols >= split, lab.shape)):
        femur = femur_disk(lab, side_mask, spacing)
        if femur is None:
            continue
        y0, x0, r = femur
        cortex = np.clip(0.28 * r, 2.5, 5.0)
        compartment |= paint_disk(tis, y0, x0, r, spacing, C.T_FEMUR_MARROW, C.T_FEMUR_CORTEX, cortex, ~muscle)
    tis[compartment & (tis == 0)] = C.T_INNER_FAT
    return finish_slice(lab, tis, compartment, spacing)


def pelvis_slice(raw, spacing):
    lab = np.zeros(raw.shape, np.uint8)
    tis = np.zeros(raw.shape, np.uint8)
    code = raw // 10
    labelled = raw > 0
    tis[labelled] = C.T_OTHER_MUSCLE
    for prefix, name in C.MUSCLEMAP_PELVIS.items():
        lab[code == prefix] = C.CLASSES.index(name)
    tis[lab > 0] = lab[lab > 0]
    if (lab > 0).sum() * spacing[0] * spacing[1] < 0.3 * MIN_MUSCLE_MM2 and labelled.sum() == 0:
        return None
    for prefixes, cortex_value, marrow_value, cortex_mm in (
            ((C.MUSCLEMAP_FEMUR,), C.T_FEMUR_CORTEX, C.T_FEMUR_MARROW, 3.0),
            (tuple(C.MUSCLEMAP_BONE), C.T_BONE_CORTEX, C.T_BONE_MARROW, 2.0)):
        bone = np.isin(code, prefixes)
        if bone.any():
            inner = ndi.binary_erosion(bone, structure=disk(cortex_mm / spacing[1]))
            tis[bone] = cortex_value
            tis[inner] = marrow_value
    if labelled.sum() * spacing[0] * spacing[1] < MIN_MUSCLE_MM2:
        return None
    pelvic_level = np.isin(code, tuple(C.MUSCLEMAP_BONE)).any()
    if pelvic_level:  # the trunk is convex: its cavity holds the viscera, which no map labels
        compartment = convex_hull(labelled)
    else:
        compartment = ndi.binary_fill_holes(ndi.binary_closing(labelled, structure=disk(6.0 / spacing[1])))
    inside = compartment & ~labelled
    far = ndi.distance_transform_edt(~labelled, sampling=spacing) > 6.0
    tis[inside] = C.T_INNER_FAT
    if pelvic_level:
        tis[inside & far] = C.T_VISCERA
    return finish_slice(lab, tis, compartment, spacing)


def without_fragments(slices):
    """Slices at the ends of a map hold fragments of a few muscles: less than a quarter of the map's median area."""
    areas = [float((s["lab"] > 0).sum() * s["spacing"][0] * s["spacing"][1]) for s in slices]
    if not areas:
        return slices
    limit = 0.25 * float(np.median(areas))
    return [s for s, a in zip(slices, areas) if a >= limit]


def load_thigh_maps():
    """Every thigh-multiethnic map as dict(subject, protocol, file, thickness_mm, slices=[...])."""
    out = []
    for path in sorted(glob.glob(os.path.join(THIGH_DIR, "*.nii.gz"))):
        data, (dz, dy, dx) = read_lps(path)
        slices = [s for s in (thigh_slice(data[z], (dy, dx)) for z in range(data.shape[0])) if s is not None]
        slices = without_fragments(slices)
        out.append(dict(subject=subject_of(path), protocol=protocol_of(path), file=os.path.basename(path),
                        thickness_mm=dz, slices=slices))
    return out


def load_pelvis_map():
    data, (dz, dy, dx) = read_lps(PELVIS_FILE)
    slices = [s for s in (pelvis_slice(data[z], (dy, dx)) for z in range(data.shape[0])) if s is not None]
    return dict(subject="musclemap:pelvis", protocol="pelvis_1p5mm", file=os.path.basename(PELVIS_FILE),
                thickness_mm=dz, slices=slices)


def save(maps, path):
    flat = {}
    meta = []
    for i, m in enumerate(maps):
        meta.append({k: m[k] for k in ("subject", "protocol", "file", "thickness_mm")} | {"slices": len(m["slices"])})
        for j, s in enumerate(m["slices"]):
            for key, value in s.items():
                flat[f"{i}_{j}_{key}"] = value
    np.savez_compressed(path, meta=json.dumps(meta), **flat)


def load(path):
    z = np.load(path)
    meta = json.loads(str(z["meta"]))
    maps = []
    for i, m in enumerate(meta):
        slices = [{key: z[f"{i}_{j}_{key}"] for key in ("lab", "tis", "dist", "spacing")} for j in range(m["slices"])]
        maps.append(m | {"slices": slices})
    return maps


if __name__ == "__main__":
    import sys
    maps = load_thigh_maps()
    maps.append(load_pelvis_map())
    for m in maps:
        print(m["subject"], m["protocol"], len(m["slices"]), "slices", flush=True)
    save(maps, sys.argv[1] if len(sys.argv) > 1 else "real_maps.npz")
