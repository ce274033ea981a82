"""Attribute vocabulary and the Scene / ObjectGroup records.

A scene is a setting, a time of day and 0-2 object groups. Every value is validated at the
boundary (``from_dict`` and the constructors' ``validate``) so a bad record fails with a message
naming the field and the value.
"""
from __future__ import annotations

from dataclasses import dataclass, field

SETTINGS = ["mountains", "sea", "city", "desert", "meadow"]
TIMES = ["day", "sunset", "night"]
KINDS = ["house", "tree", "balloon", "boat"]  # balloon = hot-air balloon
COLORS = ["red", "orange", "yellow", "green", "blue", "purple", "white", "black"]
POSITIONS = ["left", "center", "right"]
SIZES = ["small", "large"]
COUNTS = [1, 2, 3]
MAX_GROUPS = 2

# Which kinds may appear in which setting. Boats only float on the sea; in the sea setting houses
# and trees stand on a sandy beach strip in the foreground; balloons fly in any sky.
ALLOWED_KINDS = {s: ["house", "tree", "balloon"] for s in SETTINGS}
ALLOWED_KINDS["sea"] = ["house", "tree", "balloon", "boat"]

_GROUP_FIELDS = {
    "kind": KINDS,
    "color": COLORS,
    "position": POSITIONS,
    "size": SIZES,
    "count": COUNTS,
}


def _check(name: str, value, allowed) -> None:
    if value not in allowed:
        raise ValueError(f"invalid {name}: {value!r} (expected one of {allowed})")


@dataclass
class ObjectGroup:
    kind: str
    color: str
    position: str
    size: str
    count: int

    def validate(self) -> "ObjectGroup":
        for name, allowed in _GROUP_FIELDS.items():
            value = getattr(self, name)
            if name == "count" and (isinstance(value, bool) or not isinstance(value, int)):
                raise ValueError(f"invalid count: {value!r} (expected an int in {COUNTS})")
            _check(name, value, allowed)
        return self

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "color": self.color,
            "position": self.position,
            "size": self.size,
            "count": self.count,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "ObjectGroup":
        if not isinstance(d, dict):
            raise ValueError(f"invalid object group: {d!r} (expected a dict)")
        missing = [k for k in _GROUP_FIELDS if k not in d]
        if missing:
            raise ValueError(f"object group missing field(s) {missing}: {d!r}")
        extra = [k for k in d if k not in _GROUP_FIELDS]
        if extra:
            raise ValueError(f"object group has unknown field(s) {extra}")
        return cls(**{k: d[k] for k in _GROUP_FIELDS}).validate()


@dataclass
class Scene:
    setting: str
    time: str
    objects: list = field(default_factory=list)
    seed: int = 0

    def validate(self) -> "Scene":
        _check("setting", self.setting, SETTINGS)
        _check("time", self.time, TIMES)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"invalid seed: {self.seed!r} (expected a non-negative int)")
        if not isinstance(self.objects, list) or len(self.objects) > MAX_GROUPS:
            raise ValueError(f"invalid objects: expected a list of at most {MAX_GROUPS} groups")
        seen = set()
        for g in self.objects:
            if not isinstance(g, ObjectGroup):
                raise ValueError(f"invalid objects entry: {g!r} (expected ObjectGroup)")
            g.validate()
            if g.position in seen:
                raise ValueError(f"invalid position: two groups share position {g.position!r}")
            seen.add(g.position)
            if g.kind not in ALLOWED_KINDS[self.setting]:
                raise ValueError(
                    f"invalid kind: {g.kind!r} cannot appear in setting {self.setting!r}"
                )
        return self

    def to_dict(self) -> dict:
        return {
            "setting": self.setting,
            "time": self.time,
            "objects": [g.to_dict() for g in self.objects],
            "seed": self.seed,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Scene":
        if not isinstance(d, dict):
            raise ValueError(f"invalid scene: {d!r} (expected a dict)")
        for k in ("setting", "time"):
            if k not in d:
                raise ValueError(f"scene missing field {k!r}")
        extra = [k for k in d if k not in ("setting", "time", "objects", "seed")]
        if extra:
            raise ValueError(f"scene has unknown field(s) {extra}")
        objs = d.get("objects", [])
        if not isinstance(objs, list):
            raise ValueError(f"invalid objects: {objs!r} (expected a list)")
        scene = cls(
            setting=d["setting"],
            time=d["time"],
            objects=[ObjectGroup.from_dict(o) for o in objs],
            seed=d.get("seed", 0),
        )
        return scene.validate()
