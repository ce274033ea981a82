"""Renders scenes again at another time of day and tokenises them: pairs that teach the base
stage to let the caption outweigh the image it is shown, which mask-free editing needs.

    .venv/bin/python -m training.build_edit_pairs --run training/runs/scenes [--n 8000]

Writes run/edit_pairs.npz: `index` (n,) the scene each pair starts from (the first n scenes of
run/tokens.npz, all inside the training range), `base` (n, tokens) the base tokens of the same
scene at `time` (n,), an index into scenes.schema.TIMES, never the scene's own time and never a
held-out setting-time pair. The renderer draws objects from their own random streams, so the
objects and the land stay where they were; only the light, the sky and the colours of the time
change (training/README "Edit pairs").

Why: an "at night" edit re-masks part of a day image and resamples it under the new caption. A
base stage that learned to read the time of day from the tokens it can see keeps the day, as
every local-start text encoder's did (training/README "The text encoder's position bias").
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

from .build_tokens import _imap, _render_chunk, load_vq, vq_encoder
from .common import Run, atomic_savez
from .muse.data import to_tensor
from .scenes.holdout import is_held_out
from .scenes.schema import TIMES, Scene

PAIRS_FILE = "edit_pairs.npz"
VALIDATION_SCENES = 256  # the last base scenes of tokens.npz: train_transformers validates on them


def other_time(scene: Scene, rng: np.random.Generator) -> Scene:
    """The scene at a time of day other than its own, never a held-out combination."""
    d = scene.to_dict()
    options = [t for t in TIMES if t != scene.time and not is_held_out({**d, "time": t})]
    return Scene.from_dict({**d, "time": options[int(rng.integers(len(options)))]})


@torch.no_grad()
def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", default="training/runs/scenes")
    ap.add_argument("--n", type=int, default=8000, help="pairs, from the first n scenes")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workers", type=int, default=1, help="processes that render scenes (GPU machines: all cores)")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    run = Run(a.run, "edit_pairs")
    run.need("tokens.npz", "scenes.json", "vq.pt", hint="run training.build_tokens first")
    with np.load(run.path("tokens.npz")) as data:
        size, n_base = int(data["base_size"]), data["base"].shape
    scenes = [Scene.from_dict(s) for s in json.loads(run.path("scenes.json").read_text())]
    if len(scenes) != n_base[0]:
        raise SystemExit(f"scenes.json has {len(scenes)} scenes but tokens.npz {n_base[0]}: rebuild the tokens")
    if not 0 < a.n <= len(scenes) - VALIDATION_SCENES:
        raise SystemExit(f"--n must be between 1 and {len(scenes) - VALIDATION_SCENES} (the training scenes)")
    vq = load_vq(run.dir)
    enc = vq_encoder(vq, run, a.threads)
    rng = np.random.default_rng(4)
    alt = [other_time(s, rng) for s in scenes[:a.n]]
    base = np.empty((a.n, n_base[1]), dtype=np.int16)
    t, chunk = time.time(), 64
    starts = range(0, a.n, chunk)
    for i, (_, small) in zip(starts, _imap(_render_chunk, ((alt[i:i + chunk], size) for i in starts), a.workers)):
        base[i:i + len(small)] = enc.encode(to_tensor(small)).reshape(len(small), -1).numpy()
        if (i + len(small)) % 2048 < chunk or i + len(small) == a.n:
            run.log(f"edit pairs {i + len(small)}/{a.n} ({time.time() - t:.0f}s)")
    atomic_savez(run.path(PAIRS_FILE), index=np.arange(a.n), base=base,
                 time=np.array([TIMES.index(s.time) for s in alt], dtype=np.int8), base_size=size)
    run.log(f"wrote {run.path(PAIRS_FILE)}: {a.n} pairs in {time.time() - t:.0f}s")


if __name__ == "__main__":
    main()
