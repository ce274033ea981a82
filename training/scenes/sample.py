"""Random scene sampling.

Group count: ~15% none, ~50% one, ~35% two. In the sea setting boats are favoured (they exist
nowhere else). Held-out combinations are rejected *per part* (setting x time, then each group) so
the split "train" keeps the group-count distribution intact.
"""
from __future__ import annotations

import numpy as np

from .holdout import heldout_pairs_in
from .schema import ALLOWED_KINDS, COLORS, COUNTS, POSITIONS, SETTINGS, SIZES, TIMES, ObjectGroup, Scene

_GROUP_COUNT_P = [0.15, 0.50, 0.35]
_MAX_TRIES = 1000


def _pick(rng: np.random.Generator, seq):
    return seq[int(rng.integers(len(seq)))]


def _kind_probs(setting: str) -> tuple:
    kinds = ALLOWED_KINDS[setting]
    if "boat" in kinds:
        p = np.array([0.55 / (len(kinds) - 1)] * (len(kinds) - 1) + [0.45])
        return kinds, p
    return kinds, np.full(len(kinds), 1.0 / len(kinds))


def sample_scene(rng: np.random.Generator, split: str = "train") -> Scene:
    """A random valid scene. split="train" never contains a held-out pair; "any" may."""
    if split not in ("train", "any"):
        raise ValueError(f"invalid split: {split!r} (expected 'train' or 'any')")
    train = split == "train"

    for _ in range(_MAX_TRIES):
        setting, time = _pick(rng, SETTINGS), _pick(rng, TIMES)
        if not (train and heldout_pairs_in({"setting": setting, "time": time})):
            break
    n_groups = int(rng.choice(3, p=_GROUP_COUNT_P))
    positions = list(rng.permutation(len(POSITIONS))[:n_groups])
    kinds, kind_p = _kind_probs(setting)
    groups = []
    for pi in positions:
        for _ in range(_MAX_TRIES):
            g = ObjectGroup(
                kind=kinds[int(rng.choice(len(kinds), p=kind_p))],
                color=_pick(rng, COLORS),
                position=POSITIONS[int(pi)],
                size=_pick(rng, SIZES),
                count=_pick(rng, COUNTS),
            )
            if not (train and heldout_pairs_in({"objects": [g.to_dict()]})):
                break
        groups.append(g)
    # Keep groups in left-to-right order: captions read naturally and labels do not care.
    groups.sort(key=lambda g: POSITIONS.index(g.position))
    seed = int(rng.integers(0, 2**31 - 1))
    return Scene(setting=setting, time=time, objects=groups, seed=seed).validate()
