"""Trains the VQ image tokenizer on rendered scenes (resumable).

    .venv/bin/python -m training.train_vq --run training/runs/scenes [--steps 3000]

Batches mix 64x64 crops of 256x256 renders (what the super-res stage tokenises, 32x32 tokens
per image) with whole renders downscaled to 64x64 (what the base stage tokenises, 8x8 tokens).
"""
from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .muse.data import downscale, render_pool, to_tensor
from .common import Run, atomic_save, load_checkpoint
from .muse.vq import VQConfig, VQModel, vq_from_package


def psnr(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Per-image PSNR in dB for images in [-1, 1] (peak-to-peak 2)."""
    mse = ((a.clamp(-1, 1) - b) ** 2).flatten(1).mean(1)
    return 10 * torch.log10(4.0 / mse.clamp_min(1e-10))


@torch.no_grad()
def evaluate(vq: VQModel, imgs: np.ndarray, bs: int = 16, sizes: tuple[int, ...] = (64, 128, 256)) -> dict:
    """Mean PSNR of encode -> decode at each image size the stages use, and codebook usage."""
    vq.eval()
    ps: dict[int, list[torch.Tensor]] = {s: [] for s in sizes}
    used = torch.zeros(vq.cfg.codebook_size, dtype=torch.bool)
    for i in range(0, len(imgs), bs):
        for s in sizes:
            chunk = imgs[i:i + bs]
            x = to_tensor(chunk if s == chunk.shape[1] else np.stack([downscale(im, s) for im in chunk]))
            ids = vq.encode(x)
            used[ids.flatten()] = True
            ps[s].append(psnr(vq.decode(ids), x))
    vq.train()
    return {**{f"psnr_{s}": float(torch.cat(v).mean()) for s, v in ps.items()},
            "codebook_usage": float(used.float().mean()), "images": len(imgs)}


def batch(imgs: np.ndarray, rng: np.random.Generator, crops: int, wholes: int) -> torch.Tensor:
    idx = rng.integers(0, len(imgs), crops + wholes)
    out = np.empty((crops + wholes, 64, 64, 3), dtype=np.uint8)
    for j, i in enumerate(idx[:crops]):
        y, x = rng.integers(0, 256 - 64 + 1, 2) // 8 * 8  # token-aligned, as at inference
        out[j] = imgs[i, y:y + 64, x:x + 64]
    for j, i in enumerate(idx[crops:]):
        out[crops + j] = downscale(imgs[i], 64)
    return to_tensor(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", default="training/runs/scenes")
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--pool", type=int, default=3000)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--from-package", default=None,
                    help="reuse the VQ of an exported package (e.g. models/scenes) instead of training one")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    run = Run(a.run, "vq")
    log = run.log
    ckpt = run.path("vq.pt")
    if a.from_package:
        vq = vq_from_package(a.from_package)
        atomic_save({"kind": "vq", "model": vq.state_dict(), "step": 0, "config": vq.cfg.to_dict(),
                     "from_package": a.from_package}, ckpt)
        log(f"VQ recovered from {a.from_package} (weights checked against its graphs)")
        val, _ = render_pool(500, seed=99, split="any", cache=run.path("cache"), log=log)
        res = {**evaluate(vq, np.asarray(val)), "from_package": a.from_package}
        log("eval " + json.dumps(res))
        run.write_json("vq_eval.json", res)
        return

    imgs, _ = render_pool(a.pool, seed=1, split="train", cache=run.path("cache"), log=log)
    torch.manual_seed(0)
    cfg = VQConfig()
    vq = VQModel(cfg)
    opt = torch.optim.Adam(vq.parameters(), lr=a.lr, betas=(0.9, 0.99))
    step = 0
    if ckpt.exists():
        st = load_checkpoint(ckpt, "vq", ("model", "opt", "step"))
        vq.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
        step = st["step"]
        log(f"resumed at step {step}")
    rng = np.random.default_rng(1000 + step)
    usage = torch.zeros(cfg.codebook_size)
    t0 = time.time()
    while step < a.steps:
        lr = a.lr * min(1.0, (step + 1) / 100) * 0.5 * (1 + math.cos(math.pi * step / a.steps))
        for gp in opt.param_groups:
            gp["lr"] = lr
        x = batch(imgs, rng, crops=20, wholes=12)
        rec, ids, commit, cbl, z = vq(x)
        mse = F.mse_loss(rec, x)
        loss = mse + 0.1 * F.l1_loss(rec, x) + 0.25 * commit + cbl
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        usage += torch.bincount(ids.flatten(), minlength=cfg.codebook_size).float()
        if step % 100 == 0:
            # Re-seed codes nobody chose in the last 100 steps from current encoder outputs.
            dead = (usage == 0).nonzero().flatten()
            if len(dead) and step < a.steps * 0.8:
                zs = z.detach().permute(0, 2, 3, 1).reshape(-1, cfg.code_dim)
                pick = zs[torch.randint(0, len(zs), (len(dead),))]
                with torch.no_grad():
                    vq.codebook[dead] = pick + 0.01 * torch.randn_like(pick)
            p = float(10 * torch.log10(4.0 / mse.detach()))
            log(f"step {step} loss {loss.item():.4f} psnr {p:.2f} lr {lr:.2e} dead {len(dead)} "
                f"{(time.time() - t0) / 100:.2f}s/step")
            usage.zero_()
            t0 = time.time()
        if step % 250 == 0 or step == a.steps:
            atomic_save({"kind": "vq", "model": vq.state_dict(), "opt": opt.state_dict(), "step": step,
                         "config": cfg.to_dict()}, ckpt)
    val, _ = render_pool(500, seed=99, split="any", cache=run.path("cache"), log=log)
    res = evaluate(vq, np.asarray(val))
    log("eval " + json.dumps(res))
    run.write_json("vq_eval.json", res)


if __name__ == "__main__":
    main()
