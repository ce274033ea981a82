"""Write the evaluation prompt set (deterministic for a given --seed and --n).

Every prompt states the setting, the time and each group's kind, colour and count (position most
of the time, size half of the time), so a classifier can score every generated image. About 40%
of prompts contain a held-out combination, cycling through HELD_OUT so each pair is covered.

    python -m training.scenes.make_eval_prompts --out training/data/eval_prompts.json --n 600 --seed 1234
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from .caption import caption
from .holdout import HELD_OUT, heldout_pairs_in
from .sample import sample_scene

HELDOUT_FRACTION = 0.4


def make_eval_prompts(n: int, seed: int) -> list:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        want = (i % 5) < round(HELDOUT_FRACTION * 5)
        if want:
            target = HELD_OUT[(i // 5 * 2 + i % 5) % len(HELD_OUT)]
            while True:  # rejection sampling; the rarest pair (yellow boat) needs ~100 draws
                scene = sample_scene(rng, split="any")
                if target in heldout_pairs_in(scene):
                    break
        else:
            scene = sample_scene(rng, split="train")
        text, stated = caption(scene, rng, style="eval")
        pairs = heldout_pairs_in(stated)
        out.append({
            "prompt": text,
            "attributes": stated,
            "heldout": bool(pairs),
            "heldout_pairs": [p.name for p in pairs],
        })
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="training/data/eval_prompts.json")
    ap.add_argument("--n", type=int, default=600)
    ap.add_argument("--seed", type=int, default=1234)
    args = ap.parse_args(argv)
    prompts = make_eval_prompts(args.n, args.seed)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(prompts, indent=1) + "\n")
    frac = sum(p["heldout"] for p in prompts) / len(prompts)
    print(f"wrote {len(prompts)} prompts to {args.out} ({frac:.0%} held-out)")


if __name__ == "__main__":
    main()
