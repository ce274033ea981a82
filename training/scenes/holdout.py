"""Attribute combinations held out of training.

Each entry pairs two attribute values that are individually common in training but never
appear *together* in a training scene, so evaluation prompts containing them measure
compositional generalisation rather than memorisation:

- object pairs (kind x colour) must hold inside one group: a green balloon is held out, a green
  tree next to a red balloon is not;
- scene pairs (setting x time) hold for the whole scene.

Every part of every pair appears in training in other combinations (tested).
"""
from __future__ import annotations

from typing import NamedTuple, Union

from .schema import Scene


class HeldOutPair(NamedTuple):
    field_a: str
    value_a: str
    field_b: str
    value_b: str

    @property
    def name(self) -> str:
        return f"{self.field_a}={self.value_a}+{self.field_b}={self.value_b}"

    @property
    def is_object_pair(self) -> bool:
        return self.field_a in ("kind", "color", "size", "position", "count")


HELD_OUT = [
    HeldOutPair("kind", "balloon", "color", "green"),
    HeldOutPair("kind", "house", "color", "blue"),
    HeldOutPair("kind", "boat", "color", "yellow"),
    HeldOutPair("kind", "tree", "color", "purple"),
    HeldOutPair("setting", "desert", "time", "night"),
    HeldOutPair("setting", "city", "time", "sunset"),
]


def heldout_pairs_in(scene: Union[Scene, dict]) -> list:
    """Held-out pairs present in a Scene, a Scene.to_dict() or a caption's ``stated`` record.

    With a partial (stated) record only pairs whose both parts are stated count.
    """
    d = scene.to_dict() if isinstance(scene, Scene) else scene
    found = []
    for pair in HELD_OUT:
        if pair.is_object_pair:
            hit = any(
                g.get(pair.field_a) == pair.value_a and g.get(pair.field_b) == pair.value_b
                for g in d.get("objects", [])
            )
        else:
            hit = d.get(pair.field_a) == pair.value_a and d.get(pair.field_b) == pair.value_b
        if hit:
            found.append(pair)
    return found


def is_held_out(scene: Union[Scene, dict]) -> bool:
    return bool(heldout_pairs_in(scene))
