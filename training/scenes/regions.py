"""Which image tokens a scene's objects cover (for weighting the transformers' loss toward them).

A token counts as an object token when its f x f pixel patch changes by more than `threshold`
(0-255, any channel) between the scene and the same scene with no objects. Rendering keeps every
group's random stream independent of the others (render.py), so the background is the same in
both renders and the difference is the objects alone (with their shadows).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .render import render
from .schema import Scene

THRESHOLD = 24
# The tokens.npz key that holds the marks (N, (size/f)^2) uint8; older files lack it.
OBJECTS_KEY = "base_objects"


def has_object_marks(tokens_npz: Path) -> bool:
    """Whether a tokens.npz carries the object marks (files from before they existed do not)."""
    with np.load(tokens_npz) as data:
        return OBJECTS_KEY in data.files


def object_tokens(scene: Scene, size: int, f: int, threshold: int = THRESHOLD) -> np.ndarray:
    """(size/f, size/f) bool: the tokens of a `size` px image that the scene's objects change."""
    if size % f:
        raise ValueError(f"object_tokens: size {size} is not a multiple of the token size {f}")
    g = size // f
    if not scene.objects:
        return np.zeros((g, g), dtype=bool)
    full = render(scene, size).astype(np.int16)
    empty = render(Scene(scene.setting, scene.time, [], scene.seed), size).astype(np.int16)
    changed = np.abs(full - empty).max(-1) > threshold
    return changed.reshape(g, f, g, f).any(axis=(1, 3))


def object_tokens_batch(job: tuple[list[dict], int, int]) -> np.ndarray:
    """(len(scenes), (size/f)^2) uint8 for a chunk of scene dicts (a picklable pool job)."""
    scenes, size, f = job
    return np.stack([object_tokens(Scene.from_dict(s), size, f).reshape(-1) for s in scenes]).astype(np.uint8)
