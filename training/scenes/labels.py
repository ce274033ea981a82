"""Fixed-slot classification targets for the attribute classifier (one head per key).

Slots: "setting", "time", and per position p in POSITIONS: "p.kind" (0 = none, 1..4 = KINDS),
"p.color", "p.size", "p.count" (0..2 for counts 1..3). -1 means "no target" (use it as the
loss's ignore_index): an empty position has kind 0 and -1 for the rest.

``stated_labels`` maps a caption's ``stated`` record onto the same keys, only for what is stated.
A stated group without a position cannot be slotted: the first such group goes under "any.kind",
"any.color", "any.size", "any.count" (a scorer should accept a match at any position); further
unpositioned groups are ignored.
"""
from __future__ import annotations

from .schema import COLORS, COUNTS, KINDS, POSITIONS, SETTINGS, SIZES, TIMES, Scene

LABEL_SPACES = {"setting": len(SETTINGS), "time": len(TIMES)}
for _p in POSITIONS:
    LABEL_SPACES[f"{_p}.kind"] = len(KINDS) + 1
    LABEL_SPACES[f"{_p}.color"] = len(COLORS)
    LABEL_SPACES[f"{_p}.size"] = len(SIZES)
    LABEL_SPACES[f"{_p}.count"] = len(COUNTS)


def _group_slots(prefix: str, g: dict) -> dict:
    out = {}
    if "kind" in g:
        out[f"{prefix}.kind"] = KINDS.index(g["kind"]) + 1
    if "color" in g:
        out[f"{prefix}.color"] = COLORS.index(g["color"])
    if "size" in g:
        out[f"{prefix}.size"] = SIZES.index(g["size"])
    if "count" in g:
        out[f"{prefix}.count"] = COUNTS.index(g["count"])
    return out


def scene_labels(scene: Scene) -> dict:
    labels = {"setting": SETTINGS.index(scene.setting), "time": TIMES.index(scene.time)}
    for p in POSITIONS:
        labels.update({f"{p}.kind": 0, f"{p}.color": -1, f"{p}.size": -1, f"{p}.count": -1})
    for g in scene.objects:
        labels.update(_group_slots(g.position, g.to_dict()))
    return labels


def stated_labels(stated: dict) -> dict:
    labels = {}
    if "setting" in stated:
        labels["setting"] = SETTINGS.index(stated["setting"])
    if "time" in stated:
        labels["time"] = TIMES.index(stated["time"])
    any_done = False
    for g in stated.get("objects", []):
        if "position" in g:
            labels.update(_group_slots(g["position"], g))
        elif not any_done:
            labels.update(_group_slots("any", g))
            any_done = True
    return labels
