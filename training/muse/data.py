"""Rendered data pools shared by the training scripts (cached as .npy under the run folder)."""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
from PIL import Image

from ..common import atomic_save_npy
from ..scenes.render import render
from ..scenes.sample import sample_scene


def downscale(img: np.ndarray, size: int) -> np.ndarray:
    """Area-average downscale (PIL BOX), the same filter used for base-stage images everywhere."""
    return np.asarray(Image.fromarray(img).resize((size, size), Image.BOX))


def render_pool(n: int, seed: int, split: str, cache: Path, log=print) -> tuple[np.ndarray, list[dict]]:
    """n scenes rendered at 256x256 (uint8 NHWC) with their attribute records; cached on disk."""
    cache.mkdir(parents=True, exist_ok=True)
    img_path = cache / f"pool_{split}_{seed}_{n}.npy"
    meta_path = cache / f"pool_{split}_{seed}_{n}.json"
    if img_path.exists() and meta_path.exists():
        return np.load(img_path, mmap_mode="r"), json.loads(meta_path.read_text())
    rng = np.random.default_rng(seed)
    imgs = np.empty((n, 256, 256, 3), dtype=np.uint8)
    scenes = []
    t = time.time()
    for i in range(n):
        s = sample_scene(rng, split=split)
        imgs[i] = render(s, 256)
        scenes.append(s.to_dict())
        if (i + 1) % 1000 == 0:
            log(f"rendered {i + 1}/{n} ({(time.time() - t) / (i + 1) * 1000:.1f} ms/scene)")
    atomic_save_npy(img_path, imgs)
    meta_path.write_text(json.dumps(scenes))
    return imgs, scenes


def to_tensor(batch: np.ndarray):
    import torch

    return torch.from_numpy(np.ascontiguousarray(batch)).permute(0, 3, 1, 2).float() / 127.5 - 1.0
