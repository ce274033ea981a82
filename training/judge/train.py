"""Trains the attribute classifier (the judge used by training/judge/score.py); resumable.

    .venv/bin/python -m training.judge.train --run training/runs/scenes [--steps 1500]

Data: renders of split "any" (every attribute combination, held-out pairs included: the judge
must recognise what the generator was never shown), 256x256 BOX-downscaled to 128x128, cached
in run/cache. With ``--vq`` (default: on when run/vq.pt exists) ~1500 of those renders are also
encoded and decoded once by the VQ tokenizer at 256x256 (cached, keyed by a hash of vq.pt) and
make up ~30% of every batch, so the judge is not thrown by decoded-image artefacts.
Augmentation keeps labels: translations of at most 4 px, light brightness jitter, and a 2x
down/up-sampling blur on 15% of images. No flips (left/right are labels).

Writes run/classifier.pt (every 250 steps and at the end), run/classifier.log, and after
training run/classifier_eval.json: per-head and per-attribute accuracy on 500 held-out renders
(another seed, split "any"), on their VQ reconstructions (when run/vq.pt exists) and on their
64x64 versions upscaled back (what a base-stage-only image looks like). Colour, size and count
heads are scored only where the position is occupied; kind over all positions.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import time
from pathlib import Path

import numpy as np
import torch

from ..common import Run, atomic_save_npy, atomic_write_text, load_checkpoint
from .model import (
    HEAD_KEYS, IGNORE, AttributeClassifier, ClassifierConfig, augment, batch_tensor, classifier_loss,
    labels_array, predict_indices, save_classifier,
)
from ..muse.data import downscale, render_pool
from ..scenes.render import render
from ..scenes.sample import sample_scene
from ..scenes.schema import Scene

TRAIN_SEED = 21  # pool seeds: VQ trains on seed 1 ("train"), its eval uses 99
EVAL_SEED = 23
TARGET = 0.97
ATTRIBUTES = ["setting", "time", "kind", "color", "size", "count"]


def build_pool(n: int, seed: int, cache: Path, log=print) -> tuple[np.ndarray, np.ndarray, list]:
    """n scenes of split "any" as 128x128 uint8 images, their label rows and scene records (cached)."""
    cache.mkdir(parents=True, exist_ok=True)
    stem = cache / f"cls_pool_any_{seed}_{n}"
    img_path, lab_path, meta_path = (stem.with_suffix(s) for s in (".npy", ".labels.npy", ".json"))
    if img_path.exists() and lab_path.exists() and meta_path.exists():
        return np.load(img_path), np.load(lab_path), json.loads(meta_path.read_text())
    rng = np.random.default_rng(seed)
    imgs = np.empty((n, 128, 128, 3), dtype=np.uint8)
    scenes = []
    t = time.time()
    for i in range(n):
        s = sample_scene(rng, split="any")
        imgs[i] = downscale(render(s, 256), 128)
        scenes.append(s.to_dict())
        if (i + 1) % 2000 == 0 or i + 1 == n:
            log(f"pool: rendered {i + 1}/{n} ({(time.time() - t) / (i + 1) * 1000:.1f} ms/scene)")
    labels = labels_array(scenes)
    # Images last: their file is what marks the cached pool complete.
    atomic_save_npy(lab_path, labels)
    atomic_write_text(meta_path, json.dumps(scenes))
    atomic_save_npy(img_path, imgs)
    return imgs, labels, scenes


def file_hash(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


@torch.no_grad()
def vq_reconstruct(vq, imgs256, log=print, bs: int = 8) -> np.ndarray:
    """256x256 uint8 renders (array or iterable of arrays) -> VQ encode/decode -> 128x128 uint8."""
    from ..muse.data import to_tensor

    imgs256 = list(imgs256) if not isinstance(imgs256, np.ndarray) else imgs256
    out = np.empty((len(imgs256), 128, 128, 3), dtype=np.uint8)
    t = time.time()
    for i in range(0, len(imgs256), bs):
        x = to_tensor(np.stack(imgs256[i:i + bs]))
        rec = vq.decode(vq.encode(x)).clamp(-1, 1)
        rec = ((rec + 1) * 127.5 + 0.5).to(torch.uint8).permute(0, 2, 3, 1).numpy()
        out[i:i + len(rec)] = [downscale(r, 128) for r in rec]
        done = i + len(rec)
        if done % 200 < bs or done == len(imgs256):
            log(f"vq: reconstructed {done}/{len(imgs256)} ({(time.time() - t) / done:.2f} s/image)")
    return out


def cached_vq_recon(run: Path, tag: str, scenes_or_imgs, log=print) -> np.ndarray:
    """VQ reconstructions cached as run/cache/cls_vq_{tag}_{hash of vq.pt}.npy."""
    from ..build_tokens import load_vq

    path = run / "cache" / f"cls_vq_{tag}_{file_hash(run / 'vq.pt')}.npy"
    if path.exists():
        return np.load(path)
    vq = load_vq(run)
    if isinstance(scenes_or_imgs, np.ndarray):
        imgs256 = scenes_or_imgs
    else:  # scene records: re-render (deterministic from the seed)
        imgs256 = [render(Scene.from_dict(s), 256) for s in scenes_or_imgs]
    rec = vq_reconstruct(vq, imgs256, log=log)
    atomic_save_npy(path, rec)
    return rec


def accuracy_report(pred: np.ndarray, labels: np.ndarray) -> dict:
    """Per-head and per-attribute accuracy; heads with -1 targets are scored where target != -1
    (colour/size/count of occupied positions); kind over all positions."""
    heads, correct, total = {}, {a: 0 for a in ATTRIBUTES}, {a: 0 for a in ATTRIBUTES}
    for j, k in enumerate(HEAD_KEYS):
        valid = labels[:, j] != IGNORE
        n = int(valid.sum())
        c = int((pred[valid, j] == labels[valid, j]).sum())
        heads[k] = {"accuracy": c / n if n else None, "n": n}
        attr = k.split(".")[-1]
        correct[attr] += c
        total[attr] += n
    attrs = {a: {"accuracy": correct[a] / total[a] if total[a] else None, "n": total[a]}
             for a in ATTRIBUTES}
    all_right = np.all((pred == labels) | (labels == IGNORE), axis=1)
    return {"images": len(labels), "attributes": attrs, "heads": heads,
            "all_heads_correct": float(all_right.mean()) if len(labels) else None}


def evaluate(model, imgs128: np.ndarray, labels: np.ndarray) -> dict:
    return accuracy_report(predict_indices(model, imgs128), labels.astype(np.int64))


def lowres(imgs128: np.ndarray) -> np.ndarray:
    """128 -> 64 (BOX) -> 128 (bilinear): a base-stage-only image as score.py would see it."""
    from PIL import Image

    return np.stack([np.asarray(Image.fromarray(downscale(im, 64)).resize((128, 128), Image.BILINEAR))
                     for im in imgs128])


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", default="training/runs/scenes")
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--pool", type=int, default=16000, help="clean renders in the training pool")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--vq", action=argparse.BooleanOptionalAction, default=None,
                    help="mix VQ reconstructions into batches (default: on when run/vq.pt exists)")
    ap.add_argument("--vq-n", type=int, default=1500, help="renders reconstructed by the VQ once")
    ap.add_argument("--vq-frac", type=float, default=0.3, help="share of each batch from VQ recons")
    ap.add_argument("--eval-n", type=int, default=500)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    run = Path(a.run)
    run.mkdir(parents=True, exist_ok=True)
    cache = run / "cache"
    have_vq = (run / "vq.pt").exists()
    use_vq = have_vq if a.vq is None else a.vq
    if use_vq and not have_vq:
        raise SystemExit(f"--vq given but {run / 'vq.pt'} is missing: train the VQ first or pass --no-vq")
    log = Run(run, "classifier").log
    log(f"judge.train: steps {a.steps} batch {a.batch} pool {a.pool} vq {use_vq} "
        f"(n {a.vq_n}, frac {a.vq_frac}) threads {a.threads}")
    imgs, labels, scenes = build_pool(a.pool, TRAIN_SEED, cache, log)
    vq_imgs = vq_labels = None
    n_vq_batch = 0
    if use_vq:
        n = min(a.vq_n, len(scenes))
        vq_imgs = cached_vq_recon(run, f"train_{TRAIN_SEED}_{a.pool}_{n}", scenes[:n], log)
        vq_labels = labels[:n]
        n_vq_batch = int(round(a.batch * a.vq_frac))

    torch.manual_seed(0)
    model = AttributeClassifier(ClassifierConfig())
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=1e-4)
    ckpt = run / "classifier.pt"
    step = 0
    if ckpt.exists():
        st = load_checkpoint(ckpt, "classifier", ("model", "step"))
        model.load_state_dict(st["model"])
        if "opt" in st:
            opt.load_state_dict(st["opt"])
        step = st["step"]
        log(f"resumed at step {step}")
    rng = np.random.default_rng(1000 + step)
    g = torch.Generator().manual_seed(1000 + step)
    vq_tag = file_hash(run / "vq.pt") if use_vq else None

    def save() -> None:
        save_classifier(ckpt, model, opt=opt.state_dict(), step=step, vq_hash=vq_tag,
                        pool=a.pool, vq_frac=a.vq_frac if use_vq else 0.0)

    model.train()
    t0, run_loss, run_acc, n_log = time.time(), 0.0, 0.0, 0
    while step < a.steps:
        lr = a.lr * min(1.0, (step + 1) / 50) * 0.5 * (1 + math.cos(math.pi * step / a.steps))
        for gp in opt.param_groups:
            gp["lr"] = lr
        idx = rng.integers(0, len(imgs), a.batch - n_vq_batch)
        xb, yb = imgs[idx], labels[idx]
        if n_vq_batch:
            vidx = rng.integers(0, len(vq_imgs), n_vq_batch)
            xb = np.concatenate([xb, vq_imgs[vidx]])
            yb = np.concatenate([yb, vq_labels[vidx]])
        x = augment(batch_tensor(xb), g)
        y = torch.from_numpy(yb.astype(np.int64))
        logits = model(x)
        loss, _ = classifier_loss(logits, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        with torch.no_grad():
            pred = torch.stack([logits[k].argmax(1) for k in HEAD_KEYS], 1)
            valid = y != IGNORE
            run_acc += float(((pred == y) & valid).sum() / valid.sum())
        run_loss += float(loss.detach())
        n_log += 1
        if step % 50 == 0 or step == a.steps:
            log(f"step {step} loss {run_loss / n_log:.4f} acc {run_acc / n_log:.4f} lr {lr:.2e} "
                f"{(time.time() - t0) / n_log:.3f}s/step")
            t0, run_loss, run_acc, n_log = time.time(), 0.0, 0.0, 0
        if step % 250 == 0 or step == a.steps:
            save()

    # ---- evaluation on held-out renders (another seed), their VQ reconstructions, and low-res
    val256, val_scenes = render_pool(a.eval_n, seed=EVAL_SEED, split="any", cache=cache, log=log)
    val256 = np.asarray(val256)
    val_labels = labels_array(val_scenes)
    val128 = np.stack([downscale(im, 128) for im in val256])
    model.eval()
    res = {"steps": step, "train_pool": a.pool, "vq_mix": {"used": use_vq, "n": a.vq_n if use_vq else 0,
           "frac": a.vq_frac if use_vq else 0.0, "vq_hash": vq_tag},
           "eval_seed": EVAL_SEED, "target": TARGET}
    res["renders"] = evaluate(model, val128, val_labels)
    if have_vq:
        rec = cached_vq_recon(run, f"eval_{EVAL_SEED}_{a.eval_n}", val256, log)
        res["vq_recon"] = evaluate(model, rec, val_labels)
        res["vq_recon"]["vq_hash"] = file_hash(run / "vq.pt")
    res["lowres64"] = evaluate(model, lowres(val128), val_labels)
    below = []
    for name in ("renders", "vq_recon"):
        if name in res:
            below += [f"{name}:{k}" for k, v in res[name]["attributes"].items()
                      if v["accuracy"] is not None and v["accuracy"] < TARGET]
            below += [f"{name}:{k}" for k, v in res[name]["heads"].items()
                      if "." in k and v["accuracy"] is not None and v["accuracy"] < TARGET]
    res["below_target"] = below
    atomic_write_text(run / "classifier_eval.json", json.dumps(res, indent=2) + "\n")
    for name in ("renders", "vq_recon", "lowres64"):
        if name in res:
            accs = " ".join(f"{k} {v['accuracy']:.3f}" for k, v in res[name]["attributes"].items()
                            if v["accuracy"] is not None)
            log(f"eval {name}: {accs} all-heads {res[name]['all_heads_correct']:.3f}")
    log(f"below target {TARGET}: {below if below else 'none'}")


if __name__ == "__main__":
    main()
