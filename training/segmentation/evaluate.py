"""Measures the segmentation as users get it (the C++ pipeline, `myoscope segment` / `analyze`) on data no training
step saw, one line per source:

  real-heldout   the held-out subjects' real label maps painted with test settings (testsets.py), per protocol
                 and contrast family: Dice per muscle and per catalogue group (sides from the truth's own midline)
  generator      the project's generator, seeds never in training (splits.json generator_test_seeds): analyze +
                 evaluate, Dice per group and side

and checks the flag: how many poorly segmented muscles (Dice below 0.7) the confidence flags, and how many good
ones it flags needlessly, at the shipped limit and around it.

    python3 evaluate.py --myoscope build/apps/myoscope/myoscope --testsets DIR --work DIR -o figures.json
           [--model FILE] [--generator]
"""
import argparse
import json
import os
import subprocess
import sys
from collections import defaultdict

import nibabel as nib
import numpy as np

import classes as C

GROUP_OF = C.group_of_class()


def dice(a, b):
    s = a.sum() + b.sum()
    return float(2 * (a & b).sum() / s) if s else float("nan")


def catalogue():
    here = os.path.dirname(os.path.abspath(__file__))
    return json.load(open(os.path.join(here, "../../data/muscle_catalog.json")))


def truth_sides(truth):
    """Per voxel: 0 right, 1 left, from the truth muscles' own gap between the thighs (x to the patient's left)."""
    cols = np.nonzero(truth.any(axis=(0, 1)))[0]
    profile = (truth > 0).sum(axis=(0, 1)).astype(float)
    lo, hi = cols.min(), cols.max()
    a, b = int(lo + 0.25 * (hi - lo)), int(hi - 0.25 * (hi - lo))
    split = a + int(np.argmin(profile[a:b + 1])) if b > a else (lo + hi) // 2
    side = np.zeros(truth.shape, np.uint8)
    side[:, :, split:] = 1
    return side


def load_zyx(path):
    return np.asarray(nib.load(path).dataobj).transpose(2, 1, 0)


def score_volume(case_dir, out_dir, cat):
    """{muscle/side: (dice, confidence)} and {group/side: dice} of one test volume."""
    truth = load_zyx(os.path.join(case_dir, "truth.nii.gz")).astype(np.int64)
    ours = load_zyx(os.path.join(out_dir, "muscle_labels.nii.gz")).astype(np.int64)
    summary = json.load(open(os.path.join(out_dir, "segmentation.json")))
    conf = {(m["muscle"], m["side"]): m["segmentation_confidence"] for m in summary["muscles"]}
    side = truth_sides(truth)
    muscles, groups = {}, {}
    for i, name in enumerate(C.MUSCLES, start=1):
        m = next(x for x in cat["muscles"] if x["name"] == name)
        for s, side_name, key in ((0, "right", "label_right"), (1, "left", "label_left")):
            t = (truth == i) & (side == s)
            if t.sum() == 0:
                continue
            o = ours == m[key]
            muscles[f"{name}/{side_name}"] = (dice(o, t), conf.get((name, side_name), 0.0))
    group_ours = np.zeros_like(ours)
    for m in cat["muscles"]:
        g = next(x for x in cat["groups"] if x["name"] == m["group"])
        group_ours[ours == m["label_right"]] = g["label_right"]
        group_ours[ours == m["label_left"]] = g["label_left"]
    for gi, g in enumerate(cat["groups"], start=1):
        for s, side_name, key in ((0, "right", "label_right"), (1, "left", "label_left")):
            t = (GROUP_OF[truth] == gi) & (side == s)
            if t.sum():
                groups[f"{g['name']}/{side_name}"] = dice(group_ours == g[key], t)
    return muscles, groups


def run_real(args, cat):
    index = json.load(open(os.path.join(args.testsets, "index.json")))
    results = []
    for case in index:
        if args.families and case["family"] not in args.families.split(","):
            continue
        case_dir = os.path.join(args.testsets, case["name"])
        out_dir = os.path.join(args.work, "real", case["name"])
        cmd = [args.myoscope, "-q", "segment", "-o", out_dir]
        for view in case["views"][:1] if args.first_view_only else case["views"]:
            flag = {"water": "--water", "fat": "--fat", "t1": "--t1", "stir": "--stir", "t2_fatsat": "--t1"}[view]
            cmd += [flag, os.path.join(case_dir, view + ".nii.gz")]
        if args.model:
            cmd += ["--model", args.model]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        muscles, groups = score_volume(case_dir, out_dir, cat)
        results.append(dict(case=case, muscles=muscles, groups=groups))
        print(f"{case['name']:<36} groups {np.nanmean(list(groups.values())):.3f} "
              f"muscles {np.nanmean([d for d, _ in muscles.values()]):.3f}", flush=True)
    return results


def run_generator(args):
    split = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "splits.json")))
    first, last = split["generator_test_seeds"]
    out = []
    for seed in range(first, last + 1):
        vendor = ["siemens", "philips", "ge"][seed % 3]
        scenario = ["imnm", "healthy", "ibm", "dm"][(seed // 3) % 4]
        study = os.path.join(args.work, "generator", f"s{seed}")
        extra = ["--no-dixon"] if seed % 4 == 3 else []
        extra += ["--touching-thighs"] if seed % 5 == 1 else []
        subprocess.run([args.myoscope, "-q", "phantom", "-o", study, "--seed", str(seed), "--vendor", vendor,
                        "--scenario", scenario] + extra, check=True, stdout=subprocess.DEVNULL)
        analysis = study + "_analysis"
        cmd = [args.myoscope, "-q", "analyze", os.path.join(study, "dicom"), "-o", analysis, "--no-figures",
               "--no-report-documents", "--no-dicom"] + (["--model", args.model] if args.model else [])
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([args.myoscope, "-q", "evaluate", analysis, study, "--json", analysis + "/evaluation.json"],
                       check=True, stdout=subprocess.DEVNULL)
        ev = json.load(open(analysis + "/evaluation.json"))
        report = json.load(open(analysis + "/report.json"))
        groups = {f"{g['group']}/{g['side']}": g["dice"] for g in ev["groups"]}
        conf = {f"{m['group']}/{m['side']}": m.get("segmentation_confidence") for m in report["muscles"]}
        out.append(dict(seed=seed, options=[vendor, scenario] + extra, groups=groups, group_confidence=conf))
        print(f"generator seed {seed} {vendor} {scenario} {' '.join(extra)}: mean group Dice "
              f"{np.mean(list(groups.values())):.3f}", flush=True)
    return out


def summarise(real, generator):
    lines = []
    by = defaultdict(list)
    for r in real:
        by[(r["case"]["protocol"], r["case"]["family"])].append(r)
    for (protocol, family), rs in sorted(by.items()):
        g = defaultdict(list)
        for r in rs:
            for k, d in r["groups"].items():
                g[k.split("/")[0]].append(d)
        per_group = {k: float(np.nanmean(v)) for k, v in g.items()}
        muscles = [d for r in rs for d, _ in r["muscles"].values()]
        lines.append(dict(source="real-heldout", protocol=protocol, family=family, volumes=len(rs),
                          group_dice=per_group, mean_group_dice=float(np.nanmean(list(per_group.values()))),
                          mean_muscle_dice=float(np.nanmean(muscles))))
    if generator:
        g = defaultdict(list)
        for r in generator:
            for k, d in r["groups"].items():
                g[k.split("/")[0]].append(d)
        per_group = {k: float(np.mean(v)) for k, v in g.items()}
        lines.append(dict(source="generator", studies=len(generator), group_dice=per_group,
                          mean_group_dice=float(np.mean(list(per_group.values())))))
    return lines


def calibration(real, poor_below=0.7, limits=(0.6, 0.65, 0.7, 0.75, 0.8, 0.85)):
    """Per flag limit: poor muscles flagged / poor muscles, good muscles flagged / good muscles (real-heldout, per
    muscle and side present in the truth; a muscle we did not label at all counts as missing, not as flagged)."""
    pairs = [(d, c) for r in real for (d, c) in r["muscles"].values() if not np.isnan(d)]
    labelled = [(d, c) for d, c in pairs if c > 0]
    poor = [c for d, c in labelled if d < poor_below]
    good = [c for d, c in labelled if d >= poor_below]
    rows = [dict(limit=t, poor_flagged=sum(c < t for c in poor), poor=len(poor),
                 good_flagged=sum(c < t for c in good), good=len(good)) for t in limits]
    return dict(source="real-heldout", poor_below_dice=poor_below, missing=len(pairs) - len(labelled),
                by_limit=rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--myoscope", required=True)
    ap.add_argument("--testsets", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--model")
    ap.add_argument("--generator", action="store_true")
    ap.add_argument("--families", help="only these contrast families (comma-separated)")
    ap.add_argument("--first-view-only", action="store_true", help="Dixon: the water image alone")
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()
    cat = catalogue()
    real = run_real(args, cat)
    generator = run_generator(args) if args.generator else []
    lines = summarise(real, generator)
    flag = calibration(real)
    for line in lines + [flag]:
        print(json.dumps(line), file=sys.stderr)
    json.dump(dict(summary=lines, flag=flag, real=real, generator=generator), open(args.output, "w"), indent=1)


if __name__ == "__main__":
    main()
