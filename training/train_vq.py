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
from .muse.vq import VQConfig, VQModel


def psnr(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Per-image PSNR in dB for images in [-1, 1] (peak-to-peak 2)."""
    mse = ((a.clamp(-1, 1) - b) ** 2).flatten(1).mean(1)
    return 10 * torch.log10(4.0 / mse.clamp_min(1e-10))


@torch.no_grad()
def evaluate(vq: VQModel, imgs: np.ndarray, bs: int = 16) -> dict:
    vq.eval()
    ps, ps64, used = [], [], torch.zeros(vq.cfg.codebook_size, dtype=torch.bool)
    for i in range(0, len(imgs), bs):
        x = to_tensor(imgs[i:i + bs])
        ids = vq.encode(x)
        used[ids.flatten()] = True
        ps.append(psnr(vq.decode(ids), x))
        x64 = to_tensor(np.stack([downscale(im, 64) for im in imgs[i:i + bs]]))
        ids64 = vq.encode(x64)
        used[ids64.flatten()] = True
        ps64.append(psnr(vq.decode(ids64), x64))
    vq.train()
    return {"psnr_256": float(torch.cat(ps).mean()), "psnr_64": float(torch.cat(ps64).mean()),
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
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    run = Path(a.run)
    run.mkdir(parents=True, exist_ok=True)
    logf = open(run / "vq.log", "a")

    def log(msg: str) -> None:
        print(msg, flush=True)
        logf.write(msg + "\n")
        logf.flush()

    imgs, _ = render_pool(a.pool, seed=1, split="train", cache=run / "cache", log=log)
    torch.manual_seed(0)
    cfg = VQConfig()
    vq = VQModel(cfg)
    opt = torch.optim.Adam(vq.parameters(), lr=a.lr, betas=(0.9, 0.99))
    ckpt = run / "vq.pt"
    step = 0
    if ckpt.exists():
        st = torch.load(ckpt, map_location="cpu")
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
            torch.save({"model": vq.state_dict(), "opt": opt.state_dict(), "step": step,
                        "config": cfg.to_dict()}, ckpt.with_suffix(".tmp"))
            ckpt.with_suffix(".tmp").rename(ckpt)
    val, _ = render_pool(500, seed=99, split="any", cache=run / "cache", log=log)
    res = evaluate(vq, np.asarray(val))
    log("eval " + json.dumps(res))
    (run / "vq_eval.json").write_text(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
