"""Training images synthesised from real label maps (the SynthSeg recipe, for thigh and hip MRI).

A sample is one axial slice of a label map, moved by a random affine and elastic deformation, painted with random
tissue contrast (a physical sequence model or fully random intensities), fatty replacement per muscle from none to
end-stage (diffuse or patchy), edema, fat septa, subcutaneous fat of any thickness, skin, fascia, femur cortex and
marrow, vessels, then blurred to a random acquired resolution, averaged over a random slab (thin-slice maps only),
given a bias field, noise and a gamma, and brought to the network's grid (GRID_MM, SIZE x SIZE).

All randomness comes from the numpy Generator passed in, so a seed gives the same sample.
"""
import math

import numpy as np
import torch
import torch.nn.functional as F

import classes as C

GRID_MM = 2.0          # network pixel
SIZE = 192             # network crop in pixels (384 mm)
FINE = 2               # painting happens on a grid FINE times finer
FINE_SIZE = SIZE * FINE
SEQUENCES = ["water", "fat", "inphase", "opposed", "t1", "t2", "stir", "pd"]

MUSCLE_TISSUES = list(range(1, 19))
FAT_TISSUES = [C.T_INNER_FAT, C.T_SEPTUM, C.T_SUBCUT]


class Ranges:
    """The ranges samples are drawn from. Test sets draw from other ranges (evaluate.py)."""
    centre_jitter_mm = (35.0, 70.0)  # crop centre around the muscles' centroid, (rows, columns)
    rotation_deg = 15.0
    scale = (0.82, 1.22)
    elastic_mm = 4.0
    subcut_mm = (2.0, 40.0)
    psf_mm = (0.2, 1.6)          # Gaussian sigma of the acquisition's blur, fine grid
    noise = (0.0, 0.07)          # sigma relative to the fat/muscle level
    bias = 0.45                  # amplitude of the log bias field
    gamma_sd = 0.3
    slab_mm = (0.0, 12.0)        # extra through-plane averaging on thin-slice maps
    slab_probability = 0.35
    random_contrast_probability = 0.4
    swap_probability = 0.08
    fatty = (0.45, 0.25, 0.30)   # probability of a healthy, moderately and severely fatty muscle
    sequences = SEQUENCES


def smooth_noise(rng, size, cells, device="cpu"):
    """Zero-mean unit-variance smooth random field: random values on a cells x cells grid, bicubic upsampled."""
    coarse = torch.from_numpy(rng.standard_normal((1, 1, cells, cells)).astype(np.float32))
    field = F.interpolate(coarse, size=(size, size), mode="bicubic", align_corners=False)[0, 0]
    return (field - field.mean()) / (field.std() + 1e-6)


def sampling_grid(rng, source_shape, spacing, centre_px, ranges, flip):
    """Normalised grid_sample coordinates of the fine output grid in the source slice."""
    theta = math.radians(rng.uniform(-ranges.rotation_deg, ranges.rotation_deg))
    sx, sy = np.exp(rng.uniform(np.log(ranges.scale[0]), np.log(ranges.scale[1]), size=2))
    shear = rng.uniform(-0.08, 0.08)
    rot = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    a = rot @ np.array([[1.0, shear], [0.0, 1.0]]) @ np.diag([1.0 / sx, 1.0 / sy])
    if flip:
        a = a @ np.diag([-1.0, 1.0])
    step = GRID_MM / FINE
    r = (torch.arange(FINE_SIZE, dtype=torch.float32) - (FINE_SIZE - 1) / 2) * step
    yy, xx = torch.meshgrid(r, r, indexing="ij")
    cells = int(rng.integers(4, 9))
    ex = smooth_noise(rng, FINE_SIZE, cells) * rng.uniform(0, ranges.elastic_mm)
    ey = smooth_noise(rng, FINE_SIZE, cells) * rng.uniform(0, ranges.elastic_mm)
    a = torch.from_numpy(a.astype(np.float32))
    x_mm = a[0, 0] * xx + a[0, 1] * yy + ex
    y_mm = a[1, 0] * xx + a[1, 1] * yy + ey
    dy, dx = float(spacing[0]), float(spacing[1])
    col = centre_px[1] + x_mm / dx
    row = centre_px[0] + y_mm / dy
    h, w = source_shape
    grid = torch.stack([col / (w - 1) * 2 - 1, row / (h - 1) * 2 - 1], dim=-1)
    return grid[None]


def warp(array, grid, mode, fill=0.0):
    t = torch.from_numpy(np.asarray(array, np.float32))[None, None]
    if fill:
        t = t - fill
    out = F.grid_sample(t, grid, mode=mode, padding_mode="zeros", align_corners=True)[0, 0]
    return out + fill if fill else out


def pick_centre(rng, lab, spacing, jitter_mm=(35.0, 70.0)):
    """A crop centre near the muscles: their centroid, jittered."""
    rows, cols = np.nonzero(lab)
    if rows.size == 0:
        rows, cols = np.nonzero(np.ones_like(lab))
    cy, cx = rows.mean(), cols.mean()
    jy, jx = jitter_mm
    return (cy + rng.uniform(-jy, jy) / spacing[0], cx + rng.uniform(-jx, jx) / spacing[1])


class Painter:
    """Random tissue properties of one sample, shared by every slice of its slab."""

    def __init__(self, rng, ranges):
        self.rng = rng
        self.sequence = ranges.sequences[int(rng.integers(len(ranges.sequences)))]
        self.random_contrast = rng.random() < ranges.random_contrast_probability
        self.fat_field = smooth_noise(rng, FINE_SIZE, int(rng.integers(12, 48)))
        self.edema_field = smooth_noise(rng, FINE_SIZE, int(rng.integers(6, 24)))
        self.texture = smooth_noise(rng, FINE_SIZE, int(rng.integers(24, 96)))
        self.subcut_field = smooth_noise(rng, FINE_SIZE, int(rng.integers(2, 6)))
        self.subcut_mm = math.exp(rng.uniform(math.log(ranges.subcut_mm[0]), math.log(ranges.subcut_mm[1])))
        self.skin_mm = rng.uniform(0.8, 2.5)
        self.fascia_mm = rng.uniform(0.0, 1.4) if rng.random() < 0.6 else 0.0
        self.septum_alpha = rng.uniform(0.0, 1.0)
        self.patchy = rng.random() < 0.55
        self._draw_disease(ranges)
        self._draw_contrast()

    def _draw_disease(self, ranges):
        rng = self.rng
        severity = rng.choice(3, p=ranges.fatty)  # the patient's overall stage, muscles scatter around it
        self.ff = np.zeros(C.NUM_TISSUES, np.float32)
        self.edema = np.zeros(C.NUM_TISSUES, np.float32)
        for t in MUSCLE_TISSUES:
            stage = severity if rng.random() < 0.6 else rng.choice(3, p=ranges.fatty)
            lo, hi = [(0.01, 0.12), (0.10, 0.50), (0.45, 0.95)][stage]
            self.ff[t] = rng.uniform(lo, hi)
            self.edema[t] = rng.uniform(0.2, 1.0) if rng.random() < 0.3 else 0.0
        self.ff[[C.T_FEMUR_MARROW]] = rng.uniform(0.75, 0.95)
        self.ff[[C.T_BONE_MARROW]] = rng.uniform(0.35, 0.85)
        self.ff[FAT_TISSUES] = rng.uniform(0.88, 0.97)
        self.ff[C.T_SKIN] = rng.uniform(0.1, 0.5)
        self.ff[C.T_VISCERA] = rng.uniform(0.0, 0.4)
        self.ff[C.T_VESSEL] = 0.0

    def _draw_contrast(self):
        """Water-part and fat-part signal of each tissue (proton density folded in)."""
        rng = self.rng
        n = C.NUM_TISSUES
        self.water = np.zeros(n, np.float32)
        self.fat = np.zeros(n, np.float32)
        self.edema_water = 0.0
        if self.random_contrast:
            muscle = rng.uniform(0.0, 1.0)
            jitter = rng.uniform(0.0, 0.2)
            self.water[:] = rng.uniform(0.0, 1.0, n)
            self.water[MUSCLE_TISSUES] = np.clip(muscle + rng.normal(0, jitter, len(MUSCLE_TISSUES)), 0, 1)
            self.fat[:] = rng.uniform(0.0, 1.0)
            self.fat[C.T_FEMUR_MARROW] = np.clip(self.fat[0] + rng.normal(0, 0.15), 0, 1)
            self.edema_water = rng.uniform(0.0, 1.0)
            self.water[C.T_FEMUR_CORTEX] = self.water[C.T_BONE_CORTEX] = rng.uniform(0.0, 0.3)
            self.fat[C.T_FEMUR_CORTEX] = self.fat[C.T_BONE_CORTEX] = self.water[C.T_FEMUR_CORTEX]
            if rng.random() < 0.9:  # air is dark in MRI, but let the network not count on it
                self.water[C.T_AIR] = self.fat[C.T_AIR] = 0.0
            return
        s = self.sequence
        # (muscle water, fluid water, fat) signal per sequence, before jitter.
        muscle_w, fluid_w, fat_s = {
            "water": (rng.uniform(0.6, 1.0), rng.uniform(0.6, 1.2), rng.uniform(0.0, 0.08)),
            "fat": (rng.uniform(0.0, 0.1), rng.uniform(0.0, 0.1), rng.uniform(0.8, 1.0)),
            "inphase": (rng.uniform(0.5, 0.9), rng.uniform(0.3, 1.0), rng.uniform(0.7, 1.2)),
            "opposed": (rng.uniform(0.5, 0.9), rng.uniform(0.3, 1.0), rng.uniform(0.7, 1.2)),
            "t1": (rng.uniform(0.2, 0.45), rng.uniform(0.03, 0.15), rng.uniform(0.8, 1.0)),
            "t2": (rng.uniform(0.12, 0.3), rng.uniform(0.7, 1.0), rng.uniform(0.55, 1.0)),
            "stir": (rng.uniform(0.12, 0.35), rng.uniform(0.6, 1.0), rng.uniform(0.0, 0.08)),
            "pd": (rng.uniform(0.5, 0.8), rng.uniform(0.6, 1.0), rng.uniform(0.8, 1.0)),
        }[s]
        self.water[MUSCLE_TISSUES] = muscle_w * rng.uniform(0.9, 1.1, len(MUSCLE_TISSUES))
        self.water[FAT_TISSUES + [C.T_FEMUR_MARROW, C.T_BONE_MARROW]] = muscle_w * rng.uniform(0.5, 1.0)
        self.fat[:] = fat_s
        self.water[C.T_VISCERA] = fluid_w * rng.uniform(0.3, 1.0)
        self.water[C.T_SKIN] = muscle_w * rng.uniform(0.6, 1.4)
        self.water[C.T_FASCIA] = self.fat[C.T_FASCIA] = rng.uniform(0.0, 0.3) * max(muscle_w, fat_s)
        self.water[C.T_VESSEL] = fluid_w * rng.uniform(0.0, 1.2)
        for cortex in (C.T_FEMUR_CORTEX, C.T_BONE_CORTEX):
            self.water[cortex] = self.fat[cortex] = rng.uniform(0.0, 0.08)
        self.edema_water = fluid_w

    def paint(self, tis, lab, dist):
        """Water-part and fat-part images of one slice on the fine grid."""
        rng_fields = self.fat_field, self.edema_field
        tissue = tis.clone()
        outside = tissue == C.T_AIR
        thickness = self.subcut_mm * torch.exp(0.35 * self.subcut_field)
        body = outside & (dist < thickness)
        tissue[body] = C.T_SUBCUT
        tissue[body & (dist >= thickness - self.skin_mm)] = C.T_SKIN
        if self.fascia_mm > 0:
            tissue[body & (dist < self.fascia_mm)] = C.T_FASCIA
        idx = tissue.long()
        ff = torch.from_numpy(self.ff)[idx]
        muscle = (idx >= 1) & (idx <= 18)
        if self.patchy:
            # Moth-eaten: the fattiest share of each muscle turns to fat, along the smooth field.
            share = ff.clamp(0.01, 0.99)
            threshold = torch.from_numpy(np.sqrt(2) * erfinv_np(1 - 2 * self.ff))[idx]
            patch = torch.sigmoid((rng_fields[0] - threshold) * 4.0)
            ff = torch.where(muscle, 0.04 + 0.9 * patch * (share > 0.02), ff)
        else:
            ff = torch.where(muscle, (ff + 0.04 * rng_fields[0]).clamp(0, 0.97), ff)
        edema = torch.from_numpy(self.edema)[idx] * (rng_fields[1] > 0).float() * muscle
        water_signal = torch.from_numpy(self.water)[idx]
        water_signal = water_signal + edema * (self.edema_water - water_signal) * 0.6
        # Septa: the line between two muscles in a label map is a fat septum of random strength.
        septum = idx == C.T_SEPTUM
        if septum.any():
            own = torch.from_numpy(self.water)[lab.long().clamp(0, C.NUM_TISSUES - 1)]
            water_signal = torch.where(septum, own * (1 - self.septum_alpha), water_signal)
            ff = torch.where(septum, torch.full_like(ff, self.septum_alpha * 0.95), ff)
        texture = 1.0 + 0.06 * self.texture
        w = (1 - ff) * water_signal * texture
        f = ff * torch.from_numpy(self.fat)[idx] * texture
        return w, f


def erfinv_np(x):
    return torch.erfinv(torch.from_numpy(np.clip(x, -0.999, 0.999).astype(np.float32))).numpy()


def gaussian_blur(image, sigma_px):
    if sigma_px < 0.3:
        return image
    radius = int(math.ceil(3 * sigma_px))
    x = torch.arange(-radius, radius + 1, dtype=torch.float32)
    k = torch.exp(-0.5 * (x / sigma_px) ** 2)
    k = k / k.sum()
    t = image[None, None]
    t = F.conv2d(F.pad(t, (radius, radius, 0, 0), mode="reflect"), k.view(1, 1, 1, -1))
    t = F.conv2d(F.pad(t, (0, 0, radius, radius), mode="reflect"), k.view(1, 1, -1, 1))
    return t[0, 0]


def add_vessels(rng, tis):
    """A few vessels in the fat between the muscles: flow voids or bright."""
    inner = torch.nonzero(tis == C.T_INNER_FAT)
    if inner.shape[0] == 0:
        return tis
    out = tis.clone()
    yy, xx = torch.meshgrid(torch.arange(tis.shape[0]), torch.arange(tis.shape[1]), indexing="ij")
    for _ in range(int(rng.integers(0, 7))):
        y, x = inner[int(rng.integers(inner.shape[0]))].tolist()
        r = rng.uniform(1.0, 4.0) / (GRID_MM / FINE)
        out[((yy - y) ** 2 + (xx - x) ** 2 <= r * r) & (tis == C.T_INNER_FAT)] = C.T_VESSEL
    return out


def add_distractors(rng, tis, dist):
    """Tissue that is no catalogue muscle outside the compartment (scrotum, bowel, other limbs' muscle): class 0."""
    candidates = torch.nonzero((tis == C.T_AIR) & (dist < 25.0))
    if candidates.shape[0] == 0 or rng.random() > 0.35:
        return tis
    out = tis.clone()
    yy, xx = torch.meshgrid(torch.arange(tis.shape[0]), torch.arange(tis.shape[1]), indexing="ij")
    step = GRID_MM / FINE
    for _ in range(int(rng.integers(1, 3))):
        y, x = candidates[int(rng.integers(candidates.shape[0]))].tolist()
        ry, rx = rng.uniform(6, 25, size=2) / step
        a = rng.uniform(0, math.pi)
        u = (xx - x) * math.cos(a) + (yy - y) * math.sin(a)
        v = -(xx - x) * math.sin(a) + (yy - y) * math.cos(a)
        inside = (u / rx) ** 2 + (v / ry) ** 2 <= 1
        out[inside & (tis == C.T_AIR)] = C.T_OTHER_MUSCLE if rng.random() < 0.5 else C.T_VISCERA
    return out


def finish(rng, w, f, sequence, ranges, swap_field=None):
    """Acquisition: blur, fine -> network grid, combination of water and fat parts, bias, noise, gamma."""
    sigma_px = rng.uniform(*ranges.psf_mm) * FINE / GRID_MM
    w = F.avg_pool2d(gaussian_blur(w, sigma_px)[None, None], FINE)[0, 0]
    f = F.avg_pool2d(gaussian_blur(f, sigma_px)[None, None], FINE)[0, 0]
    if sequence == "opposed":
        image = (w - f).abs()
    elif sequence == "water" and swap_field is not None:
        image = torch.where(swap_field, f, w)
    elif sequence == "fat" and swap_field is not None:
        image = torch.where(swap_field, w, f)
    else:
        image = w + f
    level = float(torch.quantile(image[image > image.mean()], 0.9)) if (image > image.mean()).any() else 1.0
    image = image * torch.exp(smooth_noise(rng, SIZE, int(rng.integers(2, 5))) * rng.uniform(0, ranges.bias))
    sigma = rng.uniform(*ranges.noise) * level
    n1 = torch.from_numpy(rng.standard_normal(image.shape).astype(np.float32)) * sigma
    if rng.random() < 0.5:
        n2 = torch.from_numpy(rng.standard_normal(image.shape).astype(np.float32)) * sigma
        image = torch.sqrt((image + n1) ** 2 + n2 ** 2)
    else:
        image = (image + n1).clamp(min=0)
    image = normalise(image)
    image = image.clamp(0, 3) ** math.exp(rng.normal(0, ranges.gamma_sd))
    return normalise(image)


def normalise(image):
    """The network's input scale (the C++ side does the same): the 99th percentile of the pixels brighter than the
    slice's mean is 1. Robust to how much air the field of view holds."""
    bright = image[image > image.mean()]
    scale = float(torch.quantile(bright, 0.99)) if bright.numel() > 16 else float(image.max())
    return (image / max(scale, 1e-6)).clamp(0, 3)


def downsample_labels(lab_fine, num_classes):
    onehot = F.one_hot(lab_fine.long(), num_classes).permute(2, 0, 1).float()[None]
    return F.avg_pool2d(onehot, FINE)[0].argmax(0)


def synth_from_map(rng, source, index, ranges=Ranges):
    """One training pair (image SIZE x SIZE float, target SIZE x SIZE long) from slice `index` of a map."""
    slices = source["slices"]
    s = slices[index]
    spacing = s["spacing"]
    centre = pick_centre(rng, s["lab"], spacing, ranges.centre_jitter_mm)
    flip = rng.random() < 0.5
    grid = sampling_grid(rng, s["lab"].shape, spacing, centre, ranges, flip)
    painter = Painter(rng, ranges)
    slab = [index]
    if rng.random() < ranges.slab_probability:
        thickness = rng.uniform(*ranges.slab_mm)
        step = float(source["thickness_mm"])
        half = int(min(3, thickness / 2 // max(step, 1e-3)))
        slab = [j for j in range(index - half, index + half + 1) if 0 <= j < len(slices)
                and slices[j]["lab"].shape == s["lab"].shape]
    w_sum = f_sum = None
    lab_fine = None
    for j in slab:
        sj = slices[j]
        tis = warp(sj["tis"], grid, "nearest").round()
        lab = warp(sj["lab"], grid, "nearest").round()
        dist = warp(sj["dist"].astype(np.float32), grid, "bilinear", fill=80.0)
        tis = add_distractors(rng, add_vessels(rng, tis), dist)
        w, f = painter.paint(tis, lab, dist)
        w_sum = w if w_sum is None else w_sum + w
        f_sum = f if f_sum is None else f_sum + f
        if j == index:
            lab_fine = lab
    w_sum, f_sum = w_sum / len(slab), f_sum / len(slab)
    swap = None
    if painter.sequence in ("water", "fat") and not painter.random_contrast and rng.random() < ranges.swap_probability:
        swap = smooth_noise(rng, SIZE, 3) > rng.uniform(0.8, 1.8)
    image = finish(rng, w_sum, f_sum, painter.sequence, ranges, swap)
    target = downsample_labels(lab_fine, C.NUM_CLASSES)
    return image, target


def augment_image(rng, image, grid, ranges=Ranges):
    """A real image (the generator's bank) on the same spatial transform, with intensity augmentation only."""
    t = warp(image, grid, "bilinear")
    t = F.avg_pool2d(gaussian_blur(t, rng.uniform(0, 1.0))[None, None], FINE)[0, 0]
    t = normalise(t)
    t = t * torch.exp(smooth_noise(rng, SIZE, int(rng.integers(2, 5))) * rng.uniform(0, ranges.bias * 0.6))
    t = t + torch.from_numpy(rng.standard_normal(t.shape).astype(np.float32)) * rng.uniform(0, 0.04)
    t = normalise(t.clamp(min=0))
    return normalise(t.clamp(0, 3) ** math.exp(rng.normal(0, ranges.gamma_sd * 0.7)))


def sample_from_bank(rng, bank_slice, ranges=Ranges):
    """One pair from the generator's bank: (image, group target) where targets are catalogue groups (0..9)."""
    labels = bank_slice["groups"]
    spacing = bank_slice["spacing"]
    centre = pick_centre(rng, labels, spacing)
    grid = sampling_grid(rng, labels.shape, spacing, centre, ranges, rng.random() < 0.5)
    channels = bank_slice["images"]
    image = augment_image(rng, channels[int(rng.integers(len(channels)))], grid, ranges)
    lab = warp(labels, grid, "nearest").round()
    return image, downsample_labels(lab, len(C.GROUP_NAMES) + 1)
