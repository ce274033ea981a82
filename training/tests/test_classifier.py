"""Fast tests for the attribute classifier and the scorer (no trained model needed)."""
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from training.judge.model import (
    HEAD_KEYS, AttributeClassifier, augment, classifier_loss, decode_prediction, labels_array,
    predict, to_input,
)
from training.scenes import LABEL_SPACES, ObjectGroup, Scene
from training.judge.score import (
    PromptError, mean_pairwise_distance, score_images, score_one, validate_prompts,
    validate_stated,
)

ROOT = Path(__file__).resolve().parents[2]
torch.set_num_threads(1)


def _scene(objects=(), setting="meadow", time_="day", seed=5):
    return Scene(setting, time_, [ObjectGroup(*o) for o in objects], seed)


def _pred(slots=None, setting="meadow", time_="day"):
    """Hand-made prediction in decode_prediction form; slots: {position: (kind, color, size, count)}."""
    slots = slots or {}
    out = {p: None for p in ("left", "center", "right")}
    for p, (k, c, s, n) in slots.items():
        out[p] = {"kind": k, "color": c, "size": s, "count": n}
    return {"setting": setting, "time": time_, "slots": out}


# ---------------------------------------------------------------- model, labels, loss

@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return AttributeClassifier().eval()


def test_head_keys_and_logit_shapes(model):
    assert HEAD_KEYS == list(LABEL_SPACES)
    with torch.no_grad():
        out = model(torch.zeros(2, 3, 128, 128))
    assert set(out) == set(LABEL_SPACES)
    for k, n in LABEL_SPACES.items():
        assert out[k].shape == (2, n)


def test_labels_array_marks_empty_positions():
    lab = labels_array([_scene([("house", "red", "left", "large", 2)]).to_dict(), _scene()])
    assert lab.shape == (2, len(HEAD_KEYS))
    row = dict(zip(HEAD_KEYS, lab[0]))
    assert row["left.kind"] == 1 and row["left.count"] == 1 and row["left.size"] == 1
    assert row["center.kind"] == 0 and row["center.color"] == -1 and row["right.count"] == -1
    assert (lab[1][[HEAD_KEYS.index(f"{p}.kind") for p in ("left", "center", "right")]] == 0).all()


def test_loss_ignores_minus_one_targets():
    torch.manual_seed(1)
    logits = {k: torch.randn(4, n, requires_grad=True) for k, n in LABEL_SPACES.items()}
    t = torch.zeros(4, len(HEAD_KEYS), dtype=torch.long)
    j = HEAD_KEYS.index("left.color")
    t[:2, j] = -1
    t[:, HEAD_KEYS.index("right.size")] = -1  # a head with no valid target: contributes 0, not NaN
    loss, parts = classifier_loss(logits, t)
    assert torch.isfinite(loss) and parts["right.size"] == 0.0
    manual = sum(torch.nn.functional.cross_entropy(logits[k], t[:, i]) for i, k in enumerate(HEAD_KEYS)
                 if k not in ("left.color", "right.size"))
    manual = manual + torch.nn.functional.cross_entropy(logits["left.color"][2:], t[2:, j])
    assert torch.allclose(loss, manual)
    loss.backward()
    assert logits["left.color"].grad[:2].abs().sum() == 0  # ignored rows get no gradient
    assert logits["right.size"].grad is None  # skipped entirely
    assert logits["left.color"].grad[2:].abs().sum() > 0


def test_predict_and_input_sizes(model):
    imgs = np.random.default_rng(0).integers(0, 256, (3, 256, 256, 3), dtype=np.uint8)
    preds = predict(model, imgs)
    assert len(preds) == 3 and set(preds[0]) == set(LABEL_SPACES)
    assert all(0 <= p[k] < LABEL_SPACES[k] for p in preds for k in p)
    assert predict(model, imgs[:, ::4, ::4]) is not None  # 64x64 inputs are upscaled
    assert to_input(imgs[0]).shape == (128, 128, 3)
    assert to_input(imgs[0, ::4, ::4]).shape == (128, 128, 3)
    d = decode_prediction(preds[0])
    assert set(d["slots"]) == {"left", "center", "right"}


def test_augment_keeps_shape_range_and_is_seeded():
    x = torch.rand(5, 3, 128, 128) * 2 - 1
    a = augment(x, torch.Generator().manual_seed(3))
    b = augment(x, torch.Generator().manual_seed(3))
    assert a.shape == x.shape and a.min() >= -1 and a.max() <= 1 and torch.equal(a, b)
    # Shift only: every output is a crop of the edge-padded input, at most 4 px away.
    y = augment(x[:1], torch.Generator().manual_seed(0), brightness=0, offset=0, lowres_p=0)
    pad = torch.nn.functional.pad(x[:1], (4, 4, 4, 4), mode="replicate")
    assert any(torch.equal(y[0], pad[0, :, dy:dy + 128, dx:dx + 128]) for dy in range(9) for dx in range(9))


# ---------------------------------------------------------------- matching rules

def _frac(res, mode="shown"):
    return {t: (sum(v), len(v)) for t, v in res[mode].items() if v}


def test_score_one_all_correct():
    stated = {"setting": "sea", "time": "night", "objects": [
        {"kind": "boat", "count": 2, "color": "red", "position": "left", "size": "small"}]}
    res = score_one(stated, _pred({"left": ("boat", "red", "small", 2)}, "sea", "night"))
    assert _frac(res) == {"setting": (1, 1), "time": (1, 1), "kind": (1, 1), "color": (1, 1),
                          "count": (1, 1), "size": (1, 1), "position": (1, 1)}
    assert res["all_shown"] and res["matched_positions"] == ["left"]


def test_score_one_misplaced_group_counts_position_once():
    stated = {"setting": "meadow", "time": "day",
              "objects": [{"kind": "house", "count": 1, "color": "red", "position": "left"}]}
    res = score_one(stated, _pred({"center": ("house", "red", "large", 1)}))
    assert _frac(res) == {"setting": (1, 1), "time": (1, 1), "kind": (1, 1), "color": (1, 1),
                          "count": (1, 1), "position": (0, 1)}
    # strict: a positioned group is judged only at its stated position
    assert _frac(res, "strict") == {"setting": (1, 1), "time": (1, 1), "kind": (0, 1),
                                    "color": (0, 1), "count": (0, 1), "position": (0, 1)}
    assert not res["all_shown"]


def test_score_one_colour_is_bound_to_kind():
    stated = {"objects": [{"kind": "house", "count": 1, "color": "red", "position": "left"}]}
    res = score_one(stated, _pred({"left": ("tree", "red", "large", 1)}))
    assert _frac(res) == {"kind": (0, 1), "color": (0, 1), "count": (0, 1), "position": (0, 1)}
    res = score_one(stated, _pred({"left": ("house", "blue", "large", 1)}))
    assert _frac(res) == {"kind": (1, 1), "color": (0, 1), "count": (1, 1), "position": (1, 1)}


def test_score_one_unpositioned_group_any_position():
    stated = {"objects": [{"kind": "house", "count": 2, "color": "red"}]}
    pred = _pred({"left": ("house", "blue", "small", 2), "right": ("house", "red", "small", 3)})
    res = score_one(stated, pred)
    # best single match: right shows kind + colour (2) vs left kind + count (2) -> tie, left first
    assert _frac(res)["kind"] == (1, 1) and sum(_frac(res)[t][0] for t in ("color", "count")) == 1
    pred = _pred({"right": ("house", "red", "small", 2)})
    assert _frac(score_one(stated, pred)) == {"kind": (1, 1), "color": (1, 1), "count": (1, 1)}
    assert score_one(stated, pred)["all_shown"]
    assert _frac(score_one(stated, _pred({"right": ("tree", "red", "small", 2)})))["kind"] == (0, 1)


def test_score_one_one_to_one_matching():
    # "a green balloon and two yellow balloons on the right": only the yellow ones are drawn.
    stated = {"objects": [{"kind": "balloon", "count": 1, "color": "green"},
                          {"kind": "balloon", "count": 2, "color": "yellow", "position": "right"}]}
    res = score_one(stated, _pred({"right": ("balloon", "yellow", "large", 2)}))
    assert res["shown"]["kind"] == [False, True]
    assert res["matched_positions"] == [None, "right"]
    both = _pred({"right": ("balloon", "yellow", "large", 2), "left": ("balloon", "green", "small", 1)})
    res = score_one(stated, both)
    assert res["all_shown"] and res["matched_positions"] == ["left", "right"]


def test_score_one_setting_time_and_raw_prediction_format():
    stated = {"setting": "desert", "time": "night", "objects": []}
    raw = {k: 0 for k in LABEL_SPACES}  # setting 0 = mountains, time 0 = day, all positions empty
    raw.update(setting=3, time=2)
    res = score_one(stated, raw)
    assert _frac(res) == {"setting": (1, 1), "time": (1, 1)} and res["all_shown"]
    raw["time"] = 1
    assert _frac(score_one(stated, raw))["time"] == (0, 1)
    assert all(v == [] for v in score_one({}, raw)["shown"].values())


# ---------------------------------------------------------------- prompt validation

def test_eval_prompts_file_is_valid():
    prompts = json.loads((ROOT / "training/data/eval_prompts.json").read_text())
    assert len(validate_prompts(prompts)) == len(prompts)


@pytest.mark.parametrize("attrs, field", [
    ({"setting": "jungle"}, "'setting'"),
    ({"time": "noon"}, "'time'"),
    ({"weather": "rain"}, "'weather'"),
    ({"objects": [{"kind": "house", "color": "pink"}]}, "'objects[0].color'"),
    ({"objects": [{"kind": "car"}]}, "'objects[0].kind'"),
    ({"objects": [{"kind": "tree", "count": "2"}]}, "'objects[0].count'"),
    ({"objects": [{"kind": "tree", "count": 4}]}, "'objects[0].count'"),
    ({"objects": [{"kind": "tree", "shape": "round"}]}, "'objects[0].shape'"),
    ({"objects": [{"color": "red"}]}, "'objects[0].kind'"),
    ({"objects": [{"kind": "tree", "position": "left"}, {"kind": "house", "position": "left"}]},
     "'objects[1].position'"),
])
def test_unknown_attribute_errors_name_index_and_field(attrs, field):
    prompts = [{"prompt": "ok", "attributes": {"setting": "sea"}, "heldout": False}] * 3
    prompts = prompts + [{"prompt": "bad", "attributes": attrs, "heldout": False}]
    with pytest.raises(PromptError) as e:
        validate_prompts(prompts)
    assert "prompt 3" in str(e.value) and field in str(e.value)
    with pytest.raises(PromptError):
        validate_stated(attrs, 3)


def test_heldout_filled_in_when_absent():
    p = validate_prompts([{"attributes": {"setting": "desert", "time": "night"}},
                          {"attributes": {"setting": "desert", "time": "day"}}])
    assert [x["heldout"] for x in p] == [True, False]


# ---------------------------------------------------------------- diversity and the whole pipeline

def test_mean_pairwise_distance():
    black = np.zeros((8, 8, 3), np.uint8)
    white = np.full((8, 8, 3), 255, np.uint8)
    gray = np.full((8, 8, 3), 51, np.uint8)  # 0.2
    assert mean_pairwise_distance([black]) is None
    assert mean_pairwise_distance([black, black]) == 0.0
    assert mean_pairwise_distance([black, white]) == pytest.approx(1.0)
    assert mean_pairwise_distance([black, gray, white]) == pytest.approx((0.2 + 1.0 + 0.8) / 3)
    big_white = np.full((16, 16, 3), 255, np.uint8)
    assert mean_pairwise_distance([black, big_white]) == pytest.approx(1.0)


def test_score_images_end_to_end_with_fake_predictor(tmp_path):
    prompts = [
        {"prompt": "a", "heldout": False, "attributes": {"setting": "meadow", "time": "day", "objects": [
            {"kind": "house", "count": 1, "color": "red", "position": "left"}]}},
        {"prompt": "b", "heldout": True, "heldout_pairs": ["setting=desert+time=night"],
         "attributes": {"setting": "desert", "time": "night", "objects": []}},
    ]
    imgs = tmp_path / "imgs"
    imgs.mkdir()
    for name, v in [("0000_1.png", 0), ("0000_2.png", 255), ("0001_7.png", 10)]:
        Image.fromarray(np.full((32, 32, 3), v, np.uint8)).save(imgs / name)
    (imgs / "notes.txt").write_text("ignored")

    def fake(batch):  # bright images "show" the house, dark ones nothing; always meadow at day
        return [_pred({"left": ("house", "red", "large", 1)}) if im.mean() > 128 else _pred()
                for im in batch]

    rep = score_images(prompts, imgs, fake, tmp_path / "grid.png", warn=lambda m: None)
    assert rep["images"] == 3 and rep["prompts_with_images"] == 2
    assert rep["seen"]["per_attribute"]["kind"] == {"fraction": 0.5, "shown": 1, "stated": 2}
    assert rep["seen"]["images_all_shown"] == 0.5
    assert rep["heldout"]["overall"] == 0.0 and rep["heldout"]["images"] == 1
    assert rep["overall"] == pytest.approx((6 + 2) / (2 * 6 + 2))
    assert rep["diversity"]["seen"]["mean_pairwise_l1"] == pytest.approx(1.0)
    assert rep["diversity"]["heldout"]["prompts"] == 0
    assert rep["heldout_pairs"]["setting=desert+time=night"]["images"] == 1
    grid = np.asarray(Image.open(tmp_path / "grid.png"))
    assert grid.shape == (2 * 260 + 4, 4 * 260 + 4, 3)

    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(imgs / "0005_1.png")
    with pytest.raises(PromptError, match="0005_1.png"):
        score_images(prompts, imgs, fake)


def test_grid_of_one_seed_per_prompt_puts_prompts_side_by_side(tmp_path):
    """With one image per prompt, the grid holds consecutive prompts in each row (no empty columns)."""
    prompts = [{"prompt": str(i), "heldout": False, "attributes": {"setting": "meadow", "time": "day", "objects": []}}
               for i in range(6)]
    imgs = tmp_path / "imgs"
    imgs.mkdir()
    for i in range(6):
        Image.fromarray(np.full((32, 32, 3), 40 * i, np.uint8)).save(imgs / f"{i:04d}_1.png")
    score_images(prompts, imgs, lambda batch: [_pred() for _ in batch], tmp_path / "grid.png", warn=lambda m: None)
    grid = np.asarray(Image.open(tmp_path / "grid.png"))
    assert grid.shape == (2 * 260 + 4, 4 * 260 + 4, 3)
    cell = lambda r, c: grid[4 + r * 260 + 128, 4 + c * 260 + 128]  # noqa: E731
    assert [int(cell(0, c)[0]) for c in range(4)] == [0, 40, 80, 120]
    assert [int(cell(1, c)[0]) for c in range(2)] == [160, 200]
    assert int(cell(1, 2)[0]) == 64  # the empty cells stay grey
