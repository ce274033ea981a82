"""Trains the T5 text encoder, the base and the super-res masked transformers together (resumable).

    .venv/bin/python -m training.train_transformers --run training/runs/scenes [--steps 3000]

Each step draws a base batch (8x8 tokens of 64x64 images) and a super-res batch (32x32 tokens
of 256x256 images with the 8x8 tokens as condition), captions them afresh (varied phrasing,
partial descriptions), replaces ~10% of captions by "" for classifier-free guidance, masks
tokens with Muse's cosine schedule (a fifth of samples inside a random rectangle, so inpainting
and outpainting work zero-shot), and minimises label-smoothed cross-entropy on masked tokens.
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

from .muse.text import encode_batch, make_t5, t5_config
from .muse.transformer import MaskedTransformer, StageConfig
from .scenes.caption import caption
from .scenes.schema import Scene
from tokenizers import Tokenizer

MAX_LEN = 32
COND_DROP = 0.1
RECT_FRACTION = 0.2
LABEL_SMOOTHING = 0.1


def configs(vocab: int) -> dict:
    return {
        "t5": t5_config(vocab, d_model=256, layers=2, heads=4, d_ff=768).to_dict(),
        "base": StageConfig(grid=(8, 8), codebook_size=1024, dim=256, heads=4, layers=4, text_dim=256).to_dict(),
        "super_res": StageConfig(grid=(32, 32), codebook_size=1024, dim=128, heads=4, layers=4, text_dim=256,
                                 low_res_grid=(8, 8), window=8).to_dict(),
    }


def mask_tokens(tokens: torch.Tensor, grid: tuple[int, int], mask_id: int, g: torch.Generator):
    """Returns (inputs with mask ids, bool mask of positions to predict)."""
    b, n = tokens.shape
    rows, cols = grid
    # Muse's cosine masking rate: r = cos(pi/2 * u), u ~ U(0, 1).
    r = torch.cos(math.pi / 2 * torch.rand(b, generator=g))
    region = torch.ones(b, rows, cols, dtype=torch.bool)
    rect = torch.rand(b, generator=g) < RECT_FRACTION
    for i in rect.nonzero().flatten().tolist():
        h = int(torch.randint(1, rows + 1, (1,), generator=g))
        w = int(torch.randint(1, cols + 1, (1,), generator=g))
        y = int(torch.randint(0, rows - h + 1, (1,), generator=g))
        x = int(torch.randint(0, cols - w + 1, (1,), generator=g))
        region[i] = False
        region[i, y:y + h, x:x + w] = True
    region = region.reshape(b, n)
    size = region.sum(1)
    k = torch.clamp((r * size).ceil().long(), min=1)
    score = torch.rand(b, n, generator=g).masked_fill(~region, 2.0)
    order = score.argsort(1)
    mask = torch.zeros(b, n, dtype=torch.bool)
    ranks = torch.empty_like(order)
    ranks.scatter_(1, order, torch.arange(n).expand(b, n))
    mask = ranks < k[:, None]
    return tokens.masked_fill(mask, mask_id), mask


def masked_ce(logits: torch.Tensor, target: torch.Tensor, mask: torch.Tensor):
    lg = logits[mask]
    tg = target[mask]
    loss = F.cross_entropy(lg, tg, label_smoothing=LABEL_SMOOTHING)
    acc = (lg.argmax(-1) == tg).float().mean()
    return loss, acc


class Captioner:
    def __init__(self, scenes: list[dict], tok: Tokenizer, seed: int):
        self.scenes = [Scene.from_dict(s) for s in scenes]
        self.tok = tok
        self.rng = np.random.default_rng(seed)

    def __call__(self, idx: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        texts = []
        for i in idx:
            if self.rng.random() < COND_DROP:
                texts.append("")
            else:
                texts.append(caption(self.scenes[i], self.rng, full=self.rng.random() < 0.3)[0])
        return encode_batch(self.tok, texts, MAX_LEN)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", default="training/runs/scenes")
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--base-batch", type=int, default=64)
    ap.add_argument("--sr-batch", type=int, default=8)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    run = Path(a.run)
    for need in ("tokens.npz", "scenes.json", "tokenizer.json"):
        if not (run / need).exists():
            raise SystemExit(f"missing {run / need}: run training.build_tokens first")
    data = np.load(run / "tokens.npz")
    base_tok = torch.from_numpy(data["base"].astype(np.int64))
    sr_tok = torch.from_numpy(data["sr"].astype(np.int64))
    scenes = json.loads((run / "scenes.json").read_text())
    tok = Tokenizer.from_file(str(run / "tokenizer.json"))
    cfgs = configs(tok.get_vocab_size())
    from transformers import T5Config

    t5 = make_t5(T5Config.from_dict(cfgs["t5"]))
    base = MaskedTransformer(StageConfig.from_dict(cfgs["base"]))
    sr = MaskedTransformer(StageConfig.from_dict(cfgs["super_res"]))
    params = [*t5.parameters(), *base.parameters(), *sr.parameters()]
    opt = torch.optim.AdamW(params, lr=a.lr, betas=(0.9, 0.98), weight_decay=0.02)
    ckpt = run / "transformers.pt"
    step = 0
    if ckpt.exists():
        st = torch.load(ckpt, map_location="cpu")
        t5.load_state_dict(st["t5"]), base.load_state_dict(st["base"]), sr.load_state_dict(st["sr"])
        opt.load_state_dict(st["opt"])
        step = st["step"]
        print(f"resumed at step {step}", flush=True)
    logf = open(run / "transformers.log", "a")

    def log(msg: str) -> None:
        print(msg, flush=True)
        logf.write(msg + "\n")
        logf.flush()

    log(f"params: t5 {sum(p.numel() for p in t5.parameters()) / 1e6:.2f}M base "
        f"{sum(p.numel() for p in base.parameters()) / 1e6:.2f}M super-res {sum(p.numel() for p in sr.parameters()) / 1e6:.2f}M")
    # Hold out the last 256 scenes of each set to watch generalisation.
    nb, ns = len(base_tok) - 256, len(sr_tok) - 64
    g = torch.Generator().manual_seed(10_000 + step)
    rng = np.random.default_rng(20_000 + step)
    cap = Captioner(scenes, tok, seed=30_000 + step)
    K = base.cfg.codebook_size
    warm = 200
    t0 = time.time()
    stats: list[list[float]] = []
    while step < a.steps:
        lr = a.lr * min(1.0, (step + 1) / warm) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * step / a.steps)))
        for gp in opt.param_groups:
            gp["lr"] = lr
        bi = rng.integers(0, nb, a.base_batch)
        si = rng.integers(0, ns, a.sr_batch)
        ids, am = cap(np.concatenate([bi, si]))
        text = t5(input_ids=ids, attention_mask=am).last_hidden_state
        xb, mb = mask_tokens(base_tok[bi], base.cfg.grid, K, g)
        lb, ab = masked_ce(base(xb, text[: len(bi)], am[: len(bi)]), base_tok[bi], mb)
        xs, ms = mask_tokens(sr_tok[si], sr.cfg.grid, K, g)
        ls, as_ = masked_ce(sr(xs, text[len(bi):], am[len(bi):], base_tok[si]), sr_tok[si], ms)
        loss = lb + ls
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step += 1
        stats.append([lb.item(), ab.item(), ls.item(), as_.item()])
        if step % 50 == 0:
            m = np.mean(stats, 0)
            stats = []
            log(f"step {step} base loss {m[0]:.3f} acc {m[1]:.3f} | sr loss {m[2]:.3f} acc {m[3]:.3f} | "
                f"lr {lr:.2e} {(time.time() - t0) / 50:.2f}s/step")
            t0 = time.time()
        if step % 200 == 0 or step == a.steps:
            state = {"t5": t5.state_dict(), "base": base.state_dict(), "sr": sr.state_dict(),
                     "opt": opt.state_dict(), "step": step, "configs": cfgs}
            torch.save(state, ckpt.with_suffix(".tmp"))
            ckpt.with_suffix(".tmp").rename(ckpt)
    with torch.no_grad():
        t5.eval(), base.eval(), sr.eval()
        vb = torch.arange(nb, len(base_tok))
        ids, am = cap(vb.numpy())
        text = t5(input_ids=ids, attention_mask=am).last_hidden_state
        xb, mb = mask_tokens(base_tok[vb], base.cfg.grid, K, g)
        lb, ab = masked_ce(base(xb, text, am), base_tok[vb], mb)
        log(f"val base loss {lb.item():.3f} acc {ab.item():.3f}")
    (run / "transformers.done").write_text(json.dumps({"steps": step}))


if __name__ == "__main__":
    main()
