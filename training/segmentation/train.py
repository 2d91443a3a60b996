"""Trains the muscle segmentation network on images synthesised from real label maps (and the generator bank).

Runs on the CPU and resumes: every --checkpoint-every iterations the model, optimiser and iteration are saved to
RUN/checkpoint.pt, and a rerun with the same RUN continues from there (the samples of iteration i depend only on
the seed and i, so a resumed run draws what an uninterrupted one would have). Usage:

    python3 train.py --run RUN --iterations 7500 [--seed 19] [--threads 2]

Needs CACHE/real_maps.npz (sources.py) and CACHE/generator_bank.npz (generator_bank.py); reproduce.sh makes both.
"""
import argparse
import csv
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

import classes as C
import generator_bank
import model as M
import sources
import synth

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_WEIGHTS = dict(thigh=0.55, pelvis=0.25, generator=0.20)


def group_matrix():
    """(groups + 1) x classes: sums the class probabilities of each catalogue group."""
    g = C.group_of_class()
    m = torch.zeros(len(C.GROUP_NAMES) + 1, C.NUM_CLASSES)
    m[torch.from_numpy(g), torch.arange(C.NUM_CLASSES)] = 1.0
    return m


class Data:
    def __init__(self, cache, split):
        maps = sources.load(os.path.join(cache, "real_maps.npz"))
        held_out = set(split["test"]) | set(split["validation"])
        self.thigh = [m for m in maps if m["protocol"] != "pelvis_1p5mm" and m["subject"] not in held_out]
        self.validation = [m for m in maps if m["subject"] in split["validation"]]
        self.pelvis = [m for m in maps if m["protocol"] == "pelvis_1p5mm"]
        self.bank = generator_bank.load(os.path.join(cache, "generator_bank.npz"))

    def sample(self, rng):
        """(image, target, is_group_target)"""
        kind = rng.choice(list(SOURCE_WEIGHTS), p=list(SOURCE_WEIGHTS.values()))
        if kind == "generator":
            image, target = synth.sample_from_bank(rng, self.bank[int(rng.integers(len(self.bank)))])
            return image, target, True
        pool = self.thigh if kind == "thigh" else self.pelvis
        source = pool[int(rng.integers(len(pool)))]
        image, target = synth.synth_from_map(rng, source, int(rng.integers(len(source["slices"]))))
        return image, target, False


def soft_dice_loss(prob, onehot):
    inter = (prob * onehot).sum(dim=(0, 2, 3))
    denom = prob.sum(dim=(0, 2, 3)) + onehot.sum(dim=(0, 2, 3))
    present = onehot.sum(dim=(0, 2, 3)) > 0
    dice = (2 * inter + 1) / (denom + 1)
    return 1 - dice[1:][present[1:]].mean() if present[1:].any() else prob.sum() * 0


def loss_fn(logits, targets, grouped, gmat):
    prob = torch.softmax(logits, dim=1)
    total = 0.0
    for mask, to_space, n in ((~grouped, None, C.NUM_CLASSES), (grouped, gmat, gmat.shape[0])):
        if not mask.any():
            continue
        p = prob[mask]
        if to_space is not None:
            p = torch.einsum("gc,bchw->bghw", to_space, p).contiguous()
        t = targets[mask]
        ce = F.nll_loss(torch.log(p.clamp_min(1e-6)).contiguous(), t)
        onehot = F.one_hot(t, n).permute(0, 3, 1, 2).float()
        total = total + (ce + soft_dice_loss(p, onehot)) * mask.float().mean()
    return total


def learning_rate(it, total, base):
    if it < 200:
        return base * (it + 1) / 200
    start = int(0.7 * total)
    if it < start:
        return base
    return base * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * min(1.0, (it - start) / max(1, total - start)))))


def validation_set(data, seed, count=96):
    rng = np.random.default_rng([seed, 999])
    out = []
    for k in range(count):
        source = data.validation[k % len(data.validation)]
        out.append(synth.synth_from_map(rng, source, int(rng.integers(len(source["slices"])))))
    return out


def dice_per_class(pred, target, n):
    out = []
    for c in range(1, n):
        p, t = pred == c, target == c
        denom = p.sum() + t.sum()
        out.append(float(2 * (p & t).sum() / denom) if t.sum() > 0 else float("nan"))
    return out


@torch.no_grad()
def validate(net, vset):
    net.eval()
    preds, targets = [], []
    for i in range(0, len(vset), 16):
        chunk = vset[i:i + 16]
        x = torch.stack([c[0] for c in chunk])[:, None]
        preds.append(net(x).argmax(1))
        targets.append(torch.stack([c[1] for c in chunk]))
    net.train()
    pred, target = torch.cat(preds), torch.cat(targets)
    per_class = dice_per_class(pred, target, C.NUM_CLASSES)
    g = torch.from_numpy(C.group_of_class())
    per_group = dice_per_class(g[pred], g[target], len(C.GROUP_NAMES) + 1)
    return per_class, per_group


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", required=True)
    ap.add_argument("--cache", default="/work/cache")
    ap.add_argument("--iterations", type=int, default=7500)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=19)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--channels", default="16,32,64,128,192")
    ap.add_argument("--checkpoint-every", type=int, default=250)
    ap.add_argument("--validate-every", type=int, default=1000)
    ap.add_argument("--stop-after", type=int, default=0,
                    help="leave after this many iterations of this process (0: run to the end); see run.sh")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    os.makedirs(args.run, exist_ok=True)
    split = json.load(open(os.path.join(HERE, "splits.json")))
    data = Data(args.cache, split)
    torch.manual_seed(args.seed)
    net = M.UNet(num_classes=C.NUM_CLASSES, channels=[int(c) for c in args.channels.split(",")])
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=1e-4)
    ckpt_path = os.path.join(args.run, "checkpoint.pt")
    start = 0
    if os.path.exists(ckpt_path):
        ckpt = torch.load(ckpt_path)
        net.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["optimizer"])
        start = ckpt["iteration"]
        print(f"resumed at iteration {start}", flush=True)
    json.dump(vars(args) | {"config": net.config, "classes": C.CLASSES}, open(os.path.join(args.run, "run.json"), "w"),
              indent=1)
    vset = validation_set(data, args.seed)
    gmat = group_matrix()
    log = open(os.path.join(args.run, "log.csv"), "a", newline="")
    writer = csv.writer(log)
    running, t0 = [], time.time()
    stop = args.iterations if args.stop_after <= 0 else min(args.iterations, start + args.stop_after)
    for it in range(start, stop):
        rng = np.random.default_rng([args.seed, it])
        batch = [data.sample(rng) for _ in range(args.batch)]
        x = torch.stack([b[0] for b in batch])[:, None]
        y = torch.stack([b[1] for b in batch])
        grouped = torch.tensor([b[2] for b in batch])
        for group in opt.param_groups:
            group["lr"] = learning_rate(it, args.iterations, args.lr)
        loss = loss_fn(net(x), y, grouped, gmat)
        opt.zero_grad()
        loss.backward()
        opt.step()
        running.append(float(loss))
        done = it + 1
        if done % 50 == 0:
            print(f"it {done} loss {np.mean(running):.4f} lr {opt.param_groups[0]['lr']:.2e} "
                  f"{(time.time() - t0) / len(running):.2f} s/it", flush=True)
            writer.writerow([done, "loss", np.mean(running)])
            running, t0 = [], time.time()
        if done % args.checkpoint_every == 0 or done == stop:
            torch.save(dict(model=net.state_dict(), optimizer=opt.state_dict(), iteration=done), ckpt_path + ".tmp")
            os.replace(ckpt_path + ".tmp", ckpt_path)
        if done % args.validate_every == 0 or done == args.iterations:
            per_class, per_group = validate(net, vset)
            mean = np.nanmean(per_class)
            print(f"validation {done}: class Dice {mean:.3f} group Dice {np.nanmean(per_group):.3f} | " +
                  " ".join(f"{n[:6]}={d:.2f}" for n, d in zip(C.MUSCLES, per_class)), flush=True)
            writer.writerow([done, "val_class_dice", mean] + per_class)
            writer.writerow([done, "val_group_dice", np.nanmean(per_group)] + per_group)
            torch.save(dict(model=net.state_dict(), iteration=done), os.path.join(args.run, f"weights_{done}.pt"))
        log.flush()


if __name__ == "__main__":
    main()
