"""Fast tests for the procedural Scenes domain (training/scenes)."""
import json
from pathlib import Path

import numpy as np
import pytest

from training.scenes import (
    COLORS, HELD_OUT, KINDS, LABEL_SPACES, POSITIONS, SETTINGS, TIMES, ObjectGroup, Scene,
    caption, downscale, heldout_pairs_in, is_held_out, render, sample_scene, scene_labels,
    stated_labels,
)
import re

from training.scenes.caption import MENTIONS, vocabulary
from training.scenes.make_eval_prompts import make_eval_prompts

ROOT = Path(__file__).resolve().parents[2]


def _scene(objects=(), setting="meadow", time_="day", seed=5):
    return Scene(setting, time_, [ObjectGroup(*o) for o in objects], seed)


@pytest.fixture(scope="module")
def train_scenes():
    rng = np.random.default_rng(0)
    return [sample_scene(rng, "train") for _ in range(2000)]


def test_render_shape_dtype_and_determinism():
    s = _scene([("house", "red", "left", "large", 2)], "sea", "sunset")
    a, b = render(s), render(s)
    assert a.shape == (256, 256, 3) and a.dtype == np.uint8
    assert np.array_equal(a, b)
    other = Scene.from_dict({**s.to_dict(), "seed": 6})
    assert not np.array_equal(a, render(other))
    small = render(s, size=64)
    assert small.shape == (64, 64, 3) and small.dtype == np.uint8
    assert downscale(a, 64).shape == (64, 64, 3)


@pytest.mark.parametrize("kind,setting,time_", [
    ("house", "city", "night"), ("tree", "desert", "day"),
    ("balloon", "mountains", "sunset"), ("boat", "sea", "night"),
])
def test_group_changes_pixels_in_its_region_only(kind, setting, time_):
    base = _scene([], setting, time_)
    with_obj = _scene([(kind, "black", "right", "small", 1)], setting, time_)
    diff = np.abs(render(base).astype(int) - render(with_obj).astype(int)).sum(-1)
    assert diff[:, 256 * 2 // 3:].mean() > 2.0  # right third changed
    assert diff[:, : 256 // 3].max() == 0  # left third untouched (independent random streams)


def test_all_colours_differ_at_night():
    imgs = [render(_scene([("balloon", c, "center", "large", 1)], "meadow", "night")) for c in COLORS]
    crop = [im[40:110, 100:156].reshape(-1, 3).astype(float).mean(0) for im in imgs]
    for i in range(len(COLORS)):
        for j in range(i + 1, len(COLORS)):
            assert np.abs(crop[i] - crop[j]).max() > 12, (COLORS[i], COLORS[j])


def test_train_split_never_holds_out(train_scenes):
    assert not any(is_held_out(s) for s in train_scenes)


def test_heldout_parts_appear_in_training(train_scenes):
    dicts = [s.to_dict() for s in train_scenes]
    for pair in HELD_OUT:
        for f, v in ((pair.field_a, pair.value_a), (pair.field_b, pair.value_b)):
            if pair.is_object_pair:
                hit = any(g[f] == v for d in dicts for g in d["objects"])
            else:
                hit = any(d[f] == v for d in dicts)
            assert hit, (pair.name, f, v)


def test_any_split_reaches_heldout_and_distribution():
    rng = np.random.default_rng(2)
    scenes = [sample_scene(rng, "any") for _ in range(2000)]
    assert {p for s in scenes for p in heldout_pairs_in(s)} == set(HELD_OUT)
    counts = np.bincount([len(s.objects) for s in scenes], minlength=3) / len(scenes)
    assert abs(counts[0] - 0.15) < 0.04 and abs(counts[1] - 0.5) < 0.05
    for s in scenes:
        assert len({g.position for g in s.objects}) == len(s.objects)
        assert all(g.kind != "boat" or s.setting == "sea" for g in s.objects)


def test_dict_round_trip_and_validation():
    s = _scene([("boat", "yellow", "left", "small", 3), ("balloon", "green", "right", "large", 1)], "sea")
    assert Scene.from_dict(json.loads(json.dumps(s.to_dict()))) == s
    bad = [
        ({"setting": "moon"}, "setting"),
        ({"time": "noon"}, "time"),
        ({"objects": [{**s.to_dict()["objects"][0], "color": "pink"}]}, "color"),
        ({"objects": [{**s.to_dict()["objects"][0], "count": 4}]}, "count"),
        ({"setting": "city"}, "kind"),  # boats only at sea
        ({"objects": [s.to_dict()["objects"][0]] * 2}, "position"),
    ]
    for patch, word in bad:
        with pytest.raises(ValueError, match=word):
            Scene.from_dict({**s.to_dict(), **patch})


def _mentioned(text, field, value):
    return any(w in text for w in MENTIONS[field][value])


def test_captions_state_what_stated_says():
    rng = np.random.default_rng(3)
    seen_partial = False
    for _ in range(400):
        s = sample_scene(rng, "any")
        text, stated = caption(s, rng)
        assert len(text.split()) <= 25, text
        assert text == text.lower()
        for f in ("setting", "time"):
            if f in stated:
                assert stated[f] == getattr(s, f) and _mentioned(text, f, stated[f]), (text, stated)
        truth = {g.kind + g.position: g.to_dict() for g in s.objects}
        for g in stated["objects"]:
            assert "kind" in g and _mentioned(text, "kind", g["kind"]), (text, stated)
            assert any(all(t[k] == v for k, v in g.items()) for t in truth.values())
            for f in ("color", "size", "position"):
                if f in g:
                    assert g[f] in text or _mentioned(text, f, g[f]), (text, stated)
        seen_partial |= len(stated) < 3 or any(len(g) < 5 for g in stated["objects"])
    assert seen_partial


def test_vocabulary_is_exactly_the_words_captions_use():
    # The package's textEncoder.knownWords: the studio names prompt words outside it as not understood.
    rng = np.random.default_rng(5)
    used = set()
    for i in range(3000):
        s = sample_scene(rng, "any")
        text, _ = caption(s, rng, style=("train", "full", "eval")[i % 3])
        used |= set(re.findall(r"[a-z][a-z-]*", text))
    assert used == set(vocabulary())
    manifest = json.loads((ROOT / "models/scenes/manifest.json").read_text())
    assert manifest["textEncoder"]["knownWords"] == vocabulary()


def test_full_caption_states_everything():
    rng = np.random.default_rng(4)
    for _ in range(100):
        s = sample_scene(rng, "any")
        _, stated = caption(s, rng, full=True)
        full = s.to_dict()
        del full["seed"]
        key = lambda g: g["position"]  # noqa: E731
        stated["objects"].sort(key=key)
        full["objects"].sort(key=key)
        assert stated == full


def test_labels():
    s = _scene([("tree", "purple", "center", "small", 3)], "desert", "night")
    lab = scene_labels(s)
    assert set(lab) == set(LABEL_SPACES)
    assert lab["setting"] == SETTINGS.index("desert") and lab["time"] == TIMES.index("night")
    assert lab["center.kind"] == KINDS.index("tree") + 1 and lab["center.count"] == 2
    assert lab["left.kind"] == 0 and lab["left.color"] == -1
    for k, v in lab.items():
        assert -1 <= v < LABEL_SPACES[k]
    st = stated_labels({"time": "day", "objects": [{"kind": "boat", "color": "red", "count": 1},
                                                   {"kind": "tree", "position": "left", "count": 2}]})
    assert st == {"time": 0, "any.kind": 4, "any.color": 0, "any.count": 0,
                  "left.kind": 2, "left.count": 1}
    assert set(POSITIONS) == {"left", "center", "right"}


def test_eval_prompts_file():
    data = json.loads((ROOT / "training/data/eval_prompts.json").read_text())
    assert len(data) >= 500
    frac = sum(d["heldout"] for d in data) / len(data)
    assert 0.3 < frac < 0.5
    for d in data:
        a = d["attributes"]
        assert a["setting"] in SETTINGS and a["time"] in TIMES and d["prompt"]
        for g in a["objects"]:
            assert g["kind"] in KINDS and g["color"] in COLORS
        assert d["heldout"] == is_held_out(a)
    assert make_eval_prompts(30, 1234) == make_eval_prompts(30, 1234)


def test_object_tokens_cover_the_objects_where_they_stand():
    from training.scenes.regions import object_tokens

    assert not object_tokens(_scene(), 128, 8).any()
    left = object_tokens(_scene([("house", "red", "left", "large", 1)]), 128, 8)
    right = object_tokens(_scene([("balloon", "blue", "right", "small", 1)]), 128, 8)
    assert left.shape == (16, 16) and left.any() and right.any()
    cols_l, cols_r = left.any(0).nonzero()[0], right.any(0).nonzero()[0]
    assert cols_l.max() < 8 <= cols_r.min()
    # Houses stand on the ground, balloons fly in the upper half of the sky.
    assert left.any(1).nonzero()[0].min() >= 8 and right.any(1).nonzero()[0].max() < 8
    # A small object covers a small part of the image.
    assert right.mean() < 0.1


def test_an_old_tokens_file_gains_object_marks_in_place(tmp_path):
    """build_tokens on a tokens.npz from before the object marks: the marks are added (those of the
    scenes in scenes.json, in order), the tokens are kept bit for bit, and a second run does nothing."""
    from training import build_tokens
    from training.scenes.regions import OBJECTS_KEY, has_object_marks, object_tokens

    rng = np.random.default_rng(4)
    scenes = [sample_scene(rng, "train") for _ in range(5)] + [_scene()]
    (tmp_path / "scenes.json").write_text(json.dumps([s.to_dict() for s in scenes]))
    base = rng.integers(0, 384, (6, 256)).astype(np.int16)
    sr = rng.integers(0, 384, (3, 1024)).astype(np.int16)
    np.savez(tmp_path / "tokens.npz", base=base, sr=sr, base_size=128)
    assert not has_object_marks(tmp_path / "tokens.npz")

    build_tokens.main(["--run", str(tmp_path)])
    with np.load(tmp_path / "tokens.npz") as d:
        assert np.array_equal(d["base"], base) and np.array_equal(d["sr"], sr) and int(d["base_size"]) == 128
        marks = d[OBJECTS_KEY]
    assert marks.shape == (6, 256) and marks.dtype == np.uint8
    for s, m in zip(scenes, marks):
        assert np.array_equal(m, object_tokens(s, 128, 8).reshape(-1))
    assert marks[-1].sum() == 0 and marks[:-1].any()

    before = (tmp_path / "tokens.npz").stat().st_mtime_ns
    build_tokens.main(["--run", str(tmp_path)])
    assert (tmp_path / "tokens.npz").stat().st_mtime_ns == before


def test_object_marks_are_refused_for_scenes_that_do_not_match_the_tokens(tmp_path):
    from training import build_tokens

    rng = np.random.default_rng(5)
    (tmp_path / "scenes.json").write_text(json.dumps([sample_scene(rng, "train").to_dict()]))
    np.savez(tmp_path / "tokens.npz", base=np.zeros((2, 256), np.int16), sr=np.zeros((1, 1024), np.int16),
             base_size=128)
    with pytest.raises(SystemExit, match="2 base images but scenes.json has 1"):
        build_tokens.main(["--run", str(tmp_path)])
    with np.load(tmp_path / "tokens.npz") as d:
        assert "base_objects" not in d.files


def test_placement_captions_say_the_same_scene_with_the_group_moved():
    from training.scenes.placement import placement_captions

    caps = placement_captions(12, seed=3)
    assert set(caps) == set(POSITIONS) and all(len(v) == 12 for v in caps.values())
    assert caps == placement_captions(12, seed=3)
    side = {"left": re.compile(r"\b(left)\b"), "right": re.compile(r"\b(right)\b"),
            "center": re.compile(r"\b(centre|center|middle)\b")}
    for left, centre, right in zip(caps["left"], caps["center"], caps["right"]):
        for p, text in (("left", left), ("center", centre), ("right", right)):
            assert side[p].search(text), text
        # Only the position's words differ: the rest of the wording is kept.
        words = [set(t.split()) for t in (left, centre, right)]
        assert len(words[0] ^ words[1]) <= 6 and len(words[0] ^ words[2]) <= 4, (left, centre, right)


def test_placement_score_reads_where_the_prompt_moves_the_prediction():
    from training.scenes.placement import placement_score

    rng = np.random.default_rng(0)
    grid, vocab = (16, 16), 32

    def logp(x):
        return x - np.log(np.exp(x).sum(-1, keepdims=True))

    centre = rng.normal(size=(4, 256, vocab))

    def moved(cols):
        x = centre.copy().reshape(4, 16, 16, vocab)
        x[:, :, cols] += rng.normal(scale=2.0, size=x[:, :, cols].shape)
        return logp(x.reshape(4, 256, vocab))

    def score(left_cols, right_cols):
        return placement_score({"left": moved(left_cols), "center": logp(centre), "right": moved(right_cols)}, grid)

    placed = score(slice(0, 5), slice(11, 16))
    assert placed.score > 0.99 and placed.left > 0.99 and placed.right > 0.99
    swapped = score(slice(11, 16), slice(0, 5))
    assert swapped.score < 0.01
    even = score(slice(0, 16), slice(0, 16))
    assert even.even == 5 / 16 and abs(even.score - even.even) < 0.05
    assert str(even).endswith("; even 0.31)")
    # A prompt that moves nothing gives no share to anywhere in particular, not a division by zero.
    same = placement_score({"left": logp(centre), "center": logp(centre), "right": logp(centre)}, grid)
    assert same.score == 0.0
