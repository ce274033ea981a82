"""What a user of the embedded Scenes model sees, measured with the attribute classifier (the judge).

Images are made by the studio's own TypeScript engine through its command-line tools
(`npm run generate`'s batch sibling and `npm run edit`), so these tests cover the whole path a
user takes. Seeds are fixed, so results are deterministic on a given ONNX Runtime build.
Skipped when the trained package or the judge is absent.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from training.scenes.render import render
from training.scenes.schema import ObjectGroup, Scene

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models/scenes"
JUDGE = ROOT / "training/judge"

pytestmark = pytest.mark.skipif(
    not (MODEL / "manifest.json").exists() or not (JUDGE / "classifier.pt").exists(),
    reason="needs the trained package (models/scenes) and the judge (training/judge/classifier.pt)")


@pytest.fixture(scope="module")
def judge():
    import torch

    from training.judge.model import decode_prediction, load_classifier, predict

    torch.set_num_threads(2)
    model = load_classifier(JUDGE)
    return lambda img: decode_prediction(predict(model, np.asarray(img)[None, ..., :3])[0])


def node(script: str, *args: str) -> None:
    subprocess.run(["npx", "tsx", script, *args], check=True, cwd=ROOT, capture_output=True)


def kind_at(pred: dict, position: str) -> str | None:
    """The object kind the judge reads at a slot (left, center, right); None where it sees none."""
    return (pred["slots"][position] or {}).get("kind")


def load(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


PROMPTS = [
    ("a red hot-air balloon over the sea at sunset",
     {"setting": "sea", "time": "sunset", "objects": [{"kind": "balloon", "color": "red", "count": 1}]}),
    ("two white houses on the left in a meadow during the day",
     {"setting": "meadow", "time": "day", "objects": [{"kind": "house", "color": "white", "count": 2, "position": "left"}]}),
    ("a blue boat in the center by the sea at night",
     {"setting": "sea", "time": "night", "objects": [{"kind": "boat", "color": "blue", "count": 1, "position": "center"}]}),
    ("an orange tree on the right in the desert during the day",
     {"setting": "desert", "time": "day", "objects": [{"kind": "tree", "color": "orange", "count": 1, "position": "right"}]}),
    ("mountains at night",
     {"setting": "mountains", "time": "night", "objects": []}),
    ("a yellow hot-air balloon above a city during the day",
     {"setting": "city", "time": "day", "objects": [{"kind": "balloon", "color": "yellow", "count": 1}]}),
    ("a purple house in the center in the mountains at sunset",
     {"setting": "mountains", "time": "sunset", "objects": [{"kind": "house", "color": "purple", "count": 1, "position": "center"}]}),
    ("three green trees on the left in a meadow at sunset",
     {"setting": "meadow", "time": "sunset", "objects": [{"kind": "tree", "color": "green", "count": 3, "position": "left"}]}),
]


def test_generated_images_show_what_the_prompt_states(tmp_path: Path, judge):
    """The scene and its objects: kind, colour and place are drawn as stated (docs/MODEL_CARD.md).

    Measured with this package: 39 of 42 stated attributes shown (every setting, time, kind,
    colour and position; count 4 of 7). The floors leave a little room for other ONNX Runtime
    builds and guard against regressions of what the model delivers.
    """
    from training.judge.score import score_one

    prompts = tmp_path / "prompts.json"
    prompts.write_text(json.dumps([{"prompt": p, "attributes": a} for p, a in PROMPTS]))
    node("src/cli/evalBatch.ts", "--prompts", str(prompts), "--out", str(tmp_path / "img"), "--seeds", "1")
    shown: dict[str, list[bool]] = {}
    for i, (_, stated) in enumerate(PROMPTS):
        (img,) = sorted((tmp_path / "img").glob(f"{i:04d}_*.png"))
        for t, vals in score_one(stated, judge(load(img)))["shown"].items():
            shown.setdefault(t, []).extend(vals)
    scene = shown["setting"] + shown["time"]
    everything = [v for vals in shown.values() for v in vals]
    assert sum(scene) / len(scene) >= 0.85, shown
    assert sum(everything) / len(everything) >= 0.8, shown
    for t in ("kind", "color", "position"):
        assert sum(shown[t]) >= len(shown[t]) - 1, (t, shown)


def _edit(tmp_path: Path, image: np.ndarray, prompt: str, seed: int, mask: np.ndarray | None = None,
          strength: float | None = None) -> list[np.ndarray]:
    src = tmp_path / "in.png"
    Image.fromarray(image).save(src)
    args = ["--image", str(src), "--prompt", prompt, "--seed", str(seed), "--count", "3",
            "--out", str(tmp_path / "out.png"), "--model", str(MODEL)]
    if mask is not None:
        Image.fromarray(mask).save(tmp_path / "mask.png")
        args += ["--mask", str(tmp_path / "mask.png")]
    if strength is not None:
        args += ["--strength", str(strength)]
    node("src/cli/edit.ts", *args)
    return [load(tmp_path / n) for n in ("out.png", "out-2.png", "out-3.png")]


def test_inpainting_replaces_a_house_with_a_balloon_and_keeps_the_rest(tmp_path: Path, judge):
    house = Scene(setting="meadow", time="day", seed=5,
                  objects=[ObjectGroup(kind="house", color="red", position="left", size="large", count=1)])
    original = render(house, 256)
    empty = render(Scene(setting="meadow", time="day", seed=5, objects=[]), 256)
    ys, xs = np.nonzero(np.abs(original.astype(int) - empty.astype(int)).sum(-1) > 0)
    # The house's columns from the top of the sky down to its base: room for a balloon.
    mask = np.zeros((256, 256), np.uint8)
    mask[: ys.max() + 4, max(xs.min() - 8, 0): xs.max() + 9] = 255
    results = _edit(tmp_path, original, "a yellow hot-air balloon on the left above a meadow during the day",
                    seed=11, mask=mask)
    keep = mask == 0
    # Grow the kept region's complement by the feather (1/64 of 256 = 4 px) before comparing.
    from scipy.ndimage import binary_dilation

    outside = ~binary_dilation(~keep, iterations=5)
    for r in results:
        assert np.array_equal(r[outside], original[outside]), "pixels outside the mask changed"
    # Measured with this package: all three variations show a yellow balloon on the left.
    preds = [judge(r) for r in results]
    balloons = sum(kind_at(p, "left") == "balloon" for p in preds)
    assert balloons >= 2, preds
    assert all(p["setting"] == "meadow" and p["time"] == "day" for p in preds), preds


def test_edit_by_text_turns_day_into_night_and_keeps_the_layout(tmp_path: Path, judge):
    day = Scene(setting="mountains", time="day", seed=8,
                objects=[ObjectGroup(kind="tree", color="green", position="center", size="large", count=1)])
    original = render(day, 256)
    results = _edit(tmp_path, original, "a green tree in the center in the mountains at night", seed=3,
                    strength=0.6)
    preds = [judge(r) for r in results]
    assert sum(p["time"] == "night" for p in preds) >= 2, preds
    assert sum(p["setting"] == "mountains" for p in preds) >= 2, preds
    # The objects are kept: measured with this package, the green tree stays in the centre in all
    # three variations (and nothing is added elsewhere).
    trees = sum(kind_at(p, "center") == "tree" for p in preds)
    assert trees >= 2, preds
