"""Tokenises rendered scenes with the trained VQ model and trains the caption tokenizer.

    .venv/bin/python -m training.build_tokens --run training/runs/scenes

Writes run/tokens.npz (base 8x8 tokens for many scenes; super-res 32x32 tokens for a subset),
run/scenes.json (their attribute records) and run/tokenizer.json. Only the "train" split is
used, so held-out attribute combinations never reach the transformers.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from .muse.data import downscale, to_tensor
from .muse.text import train_tokenizer
from .muse.vq import VQConfig, VQModel
from .scenes.caption import caption
from .scenes.render import render
from .scenes.sample import sample_scene
from .scenes.schema import Scene


def load_vq(run: Path) -> VQModel:
    ckpt = run / "vq.pt"
    if not ckpt.exists():
        raise SystemExit(f"missing VQ checkpoint {ckpt}: run training.train_vq first")
    st = torch.load(ckpt, map_location="cpu")
    vq = VQModel(VQConfig.from_dict(st["config"]))
    vq.load_state_dict(st["model"])
    return vq.eval()


@torch.no_grad()
def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", default="training/runs/scenes")
    ap.add_argument("--base", type=int, default=30000, help="scenes tokenised at 64x64")
    ap.add_argument("--sr", type=int, default=6000, help="of which also tokenised at 256x256")
    ap.add_argument("--vocab", type=int, default=384)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    run = Path(a.run)
    out = run / "tokens.npz"
    if out.exists():
        print(f"{out} exists; nothing to do")
        return
    vq = load_vq(run)
    rng = np.random.default_rng(2)
    scenes: list[Scene] = [sample_scene(rng, split="train") for _ in range(a.base)]
    base = np.empty((a.base, 64), dtype=np.int16)
    sr = np.empty((a.sr, 1024), dtype=np.int16)
    t = time.time()
    chunk = 64
    for i in range(0, a.base, chunk):
        imgs = np.stack([render(s, 256) for s in scenes[i:i + chunk]])
        small = np.stack([downscale(im, 64) for im in imgs])
        base[i:i + len(imgs)] = vq.encode(to_tensor(small)).reshape(len(imgs), -1).numpy()
        if i < a.sr:
            n = min(len(imgs), a.sr - i)
            sr[i:i + n] = vq.encode(to_tensor(imgs[:n])).reshape(n, -1).numpy()
        if (i // chunk) % 20 == 0:
            print(f"tokenised {i + len(imgs)}/{a.base} ({time.time() - t:.0f}s)", flush=True)
    cap_rng = np.random.default_rng(3)
    corpus = [caption(s, cap_rng)[0] for s in scenes] + [caption(s, cap_rng, full=True)[0] for s in scenes[:5000]]
    tok = train_tokenizer(corpus, vocab_size=a.vocab)
    (run / "tokenizer.json").write_text(tok.to_str())
    (run / "scenes.json").write_text(json.dumps([s.to_dict() for s in scenes]))
    np.savez(run / "tokens.tmp.npz", base=base, sr=sr)
    (run / "tokens.tmp.npz").rename(out)
    lens = [len(tok.encode(c).ids) for c in corpus[:2000]]
    print(f"done in {time.time() - t:.0f}s; vocab {tok.get_vocab_size()}; caption tokens mean "
          f"{np.mean(lens):.1f} max {max(lens)}")


if __name__ == "__main__":
    main()
