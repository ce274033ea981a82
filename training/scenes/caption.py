"""Natural, varied captions built from a scene's true parameters.

``caption(scene, rng)`` returns ``(text, stated)``: ``stated`` records exactly what the text
states, in the Scene.to_dict() schema with unstated fields absent. A mentioned group always
states its kind and count; colour, size and position may be left free; a group, the setting or
the time may be left out altogether. ``stated["objects"]`` lists only mentioned groups, so an
empty list means "nothing said about objects", not "no objects".

Styles: "train" (varied, partial), "full" (states everything), "eval" (states setting, time and
every group's kind, colour and count; position most of the time; size half of the time).
"""
from __future__ import annotations

import re

import numpy as np

from .schema import COLORS, Scene

KIND_NOUNS = {
    "house": [("house", "houses"), ("cottage", "cottages"), ("little house", "little houses")],
    "tree": [("tree", "trees")],
    "balloon": [("hot-air balloon", "hot-air balloons"), ("hot air balloon", "hot air balloons"),
                ("balloon", "balloons")],
    "boat": [("boat", "boats"), ("sailboat", "sailboats"), ("sailing boat", "sailing boats")],
}
SETTING_PREP = {
    "mountains": ["in the mountains", "in front of a mountain range", "among the peaks"],
    "sea": ["by the sea", "by the ocean", "at the seaside"],
    "city": ["in the city", "in front of a city skyline", "in a town"],
    "desert": ["in the desert", "among the dunes", "in the desert dunes"],
    "meadow": ["in a meadow", "in a field", "on a grassy meadow"],
}
SETTING_NP = {
    "mountains": ["mountains", "a mountain range", "mountain peaks"],
    "sea": ["the sea", "the ocean", "a calm sea"],
    "city": ["a city", "a city skyline", "a town"],
    "desert": ["a desert", "desert dunes", "sand dunes"],
    "meadow": ["a meadow", "a field", "a grassy meadow"],
}
TIME_PREP = {
    "day": ["during the day", "in the daytime", "on a sunny day"],
    "sunset": ["at sunset", "at dusk", "in the evening"],
    "night": ["at night", "on a starry night", "at nighttime"],
}
SIZE_WORDS = {"small": ["small", "little", "tiny"], "large": ["large", "big", "huge"]}
POSITION_PHRASES = {
    "left": ["on the left", "to the left", "on the left side"],
    "center": ["in the center", "in the middle", "in the centre"],
    "right": ["on the right", "to the right", "on the right side"],
}
COUNT_WORDS = {1: ["a", "one"], 2: ["two", "a pair of"], 3: ["three"]}
PREFIXES = ["", "", "", "a picture of ", "an illustration of ", "a painting of "]

# Synonym lists per attribute value, for tests and scorers that look for mentions in text.
MENTIONS = {
    "kind": {k: [s for s, _ in v] for k, v in KIND_NOUNS.items()},
    "setting": {"mountains": ["mountain", "peaks"], "sea": ["sea", "ocean"], "city": ["city", "town"],
                "desert": ["desert", "dunes"], "meadow": ["meadow", "field"]},
    "time": {"day": ["day"], "sunset": ["sunset", "dusk", "evening"], "night": ["night"]},
    "size": SIZE_WORDS,
    "position": {"left": ["left"], "center": ["center", "middle", "centre"], "right": ["right"]},
    "count": {1: ["a ", "an ", "one"], 2: ["two", "pair"], 3: ["three"]},
}

_P_TRAIN = {"time": 0.12, "setting": 0.08, "second_group": 0.15,
            "color": 0.08, "size": 0.35, "position": 0.25}


def _pick(rng, seq):
    return seq[int(rng.integers(len(seq)))]


def _group_phrase(g, rng, say_color, say_size, say_pos):
    nouns = KIND_NOUNS[g.kind]
    if say_size:  # avoid "a small little house" / "a large little house"
        nouns = [n for n in nouns if not n[0].startswith("little")]
    noun = _pick(rng, nouns)[0 if g.count == 1 else 1]
    size_words = [w for w in SIZE_WORDS[g.size] if w not in noun]
    count = _pick(rng, COUNT_WORDS[g.count])
    size = _pick(rng, size_words) if say_size else ""
    pos = _pick(rng, POSITION_PHRASES[g.position]) if say_pos else ""
    if say_color and rng.random() < 0.12:  # "a large balloon in red"
        words = [count, size, noun, "in", g.color]
    else:
        words = [count, size, g.color if say_color else "", noun]
    phrase = " ".join(w for w in words if w)
    if pos:
        phrase = f"{phrase} {pos}"
    return phrase


MAX_WORDS = 25

# Words the templates below add around the phrases ("... with a boat", "a and b", "a balloon in red",
# "a" becoming "an" before a vowel).
_TEMPLATE_WORDS = ["with", "and", "in", "an"]


def vocabulary() -> list[str]:
    """Every word a caption can contain, lower case, sorted (punctuation is not a word).

    The package writes it as ``textEncoder.knownWords`` so the studio can name the words of a
    prompt the model never saw: the tokenizer cannot tell, it spells unseen words in letters.
    """
    phrases: list[str] = list(_TEMPLATE_WORDS) + list(COLORS) + PREFIXES
    for table in (SETTING_PREP, SETTING_NP, TIME_PREP, SIZE_WORDS, POSITION_PHRASES, COUNT_WORDS):
        for options in table.values():
            phrases += options
    for nouns in KIND_NOUNS.values():
        for singular, plural in nouns:
            phrases += [singular, plural]
    words = {w for ph in phrases for w in re.findall(r"[a-z][a-z-]*", ph.lower())}
    return sorted(words)


def caption(scene: Scene, rng: np.random.Generator, full: bool = False, style: str = "train"):
    """(text, stated) for a scene; see module docstring for styles.

    Captions over MAX_WORDS words are redrawn (style "full" may exceed it slightly).
    """
    if full:
        style = "full"
    for _ in range(20):
        text, stated = _caption(scene, rng, style)
        if len(text.split()) <= MAX_WORDS:
            break
    return text, stated


def _caption(scene: Scene, rng: np.random.Generator, style: str):
    if style not in ("train", "full", "eval"):
        raise ValueError(f"invalid style: {style!r} (expected 'train', 'full' or 'eval')")
    p = {k: 0.0 for k in _P_TRAIN} if style == "full" else dict(_P_TRAIN)
    if style == "eval":
        p.update(color=0.0, time=0.0, setting=0.0, second_group=0.0, position=0.15, size=0.5)

    groups = list(scene.objects)
    if len(groups) == 2 and rng.random() < p["second_group"]:
        groups = [groups[int(rng.integers(2))]]
    if len(groups) == 2 and rng.random() < 0.3:
        groups = groups[::-1]
    say_setting = not groups or rng.random() >= p["setting"]
    say_time = rng.random() >= p["time"]

    stated = {}
    if say_setting:
        stated["setting"] = scene.setting
    if say_time:
        stated["time"] = scene.time
    stated["objects"] = []
    phrases = []
    for g in groups:
        flags = {k: rng.random() >= p[k] for k in ("color", "size", "position")}
        phrases.append(_group_phrase(g, rng, flags["color"], flags["size"], flags["position"]))
        rec = {"kind": g.kind, "count": g.count}
        for k, on in flags.items():
            if on:
                rec[k] = getattr(g, k)
        stated["objects"].append(rec)

    time_p = _pick(rng, TIME_PREP[scene.time]) if say_time else ""
    objs = " and ".join(phrases)
    if not phrases:
        np_ = _pick(rng, SETTING_NP[scene.setting])
        text = _pick(rng, [f"{np_} {time_p}", f"{time_p}, {np_}" if time_p else np_,
                           f"{_pick(rng, PREFIXES)}{np_} {time_p}"])
    else:
        set_p = _pick(rng, SETTING_PREP[scene.setting]) if say_setting else ""
        templates = [
            f"{objs} {set_p} {time_p}",
            f"{objs} {time_p} {set_p}",
            f"{time_p}, {objs} {set_p}" if time_p else f"{objs} {set_p}",
        ]
        if say_setting:
            np_ = _pick(rng, SETTING_NP[scene.setting])
            templates.append(f"{_pick(rng, PREFIXES)}{np_} {time_p} with {objs}")
        text = _pick(rng, templates)
    text = re.sub(r"\s+", " ", text).strip(" ,")
    text = re.sub(r"\ba ([aeiou])", r"an \1", text)
    return text, stated
