"""Edit pairs: the same scene at another time of day, shown at one time and scored at the other."""
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from training import build_edit_pairs
from training.build_edit_pairs import other_time
from training.common import Run, atomic_save
from training.muse.vq import VQConfig, VQModel
from training.scenes.holdout import is_held_out
from training.scenes.regions import object_tokens
from training.scenes.sample import sample_scene
from training.scenes.schema import TIMES
from training.train_transformers import load_edit_pairs, with_edit_pairs

from training.tests.test_train_transformers import launch, tiny_run


def test_the_other_time_keeps_every_object_where_it_was_and_is_never_held_out():
    rng = np.random.default_rng(0)
    scenes = [sample_scene(rng, "train") for _ in range(200)]
    alt = [other_time(s, rng) for s in scenes]
    assert all(a.time != s.time and not is_held_out(a) for s, a in zip(scenes, alt))
    assert all(a.setting == s.setting and a.objects == s.objects for s, a in zip(scenes, alt))
    assert {a.time for a in alt} == set(TIMES)
    # Objects are drawn from their own random streams: the tokens they cover do not move (a
    # token at an object's edge can count or not as its colour nears the night's background).
    for s, a in zip(scenes[:12], alt[:12]):
        day, other = object_tokens(s, 64, 8), object_tokens(a, 64, 8)
        assert (day & other).sum() >= 0.8 * (day | other).sum()


def _run_with_vq(folder: Path) -> Path:
    run = tiny_run(folder)  # 320 scenes, base tokens of 32 px images (4x4)
    vq = VQModel(VQConfig(channels=(8, 8, 8, 8), codebook_size=16, code_dim=4))
    atomic_save({"kind": "vq", "model": vq.state_dict(), "step": 0, "config": vq.cfg.to_dict()}, run / "vq.pt")
    return run


def test_pairs_are_rendered_tokenised_and_fed_to_training(tmp_path: Path):
    run = _run_with_vq(tmp_path / "run")
    build_edit_pairs.main(["--run", str(run), "--n", "24", "--threads", "1"])
    scenes = json.loads((run / "scenes.json").read_text())
    with np.load(run / "edit_pairs.npz") as d:
        assert list(d["index"]) == list(range(24)) and d["base"].shape == (24, 16)
        assert d["base"].min() >= 0 and d["base"].max() < 16
        assert all(TIMES[t] != scenes[i]["time"] for i, t in zip(d["index"], d["time"]))

    with np.load(run / "tokens.npz") as d:
        base_tok = torch.from_numpy(d["base"].astype(np.int64))
    pairs = load_edit_pairs(Run(run, "t"), 0.5, scenes, base_tok, torch.device("cpu"))
    bi = np.arange(100, 104)
    src, target, captioned = with_edit_pairs(bi.copy(), base_tok, pairs, 2, len(scenes), np.random.default_rng(0))
    # The first rows are ordinary; the last two show a pair's scene and are scored at its other time.
    assert torch.equal(src[:2], base_tok[100:102]) and torch.equal(target[:2], src[:2])
    assert list(captioned[:2]) == [100, 101]
    for row, c in zip((2, 3), captioned[2:]):
        p = c - len(scenes)
        i = pairs.index[p]
        assert torch.equal(src[row], base_tok[i]) and torch.equal(target[row], pairs.base[p])
        assert pairs.scenes[p]["time"] != scenes[i]["time"]
        assert {k: v for k, v in pairs.scenes[p].items() if k != "time"} == \
            {k: v for k, v in scenes[i].items() if k != "time"}

    launch(run, "--steps", "2", "--edit-pairs", "0.5")
    assert "edit pairs: 24 scenes at another time of day, 50% of each base batch" in \
        (run / "transformers.log").read_text()


def test_bad_pairs_are_refused_with_a_message(tmp_path: Path):
    run = _run_with_vq(tmp_path / "run")
    p = launch(run, "--steps", "2", "--edit-pairs", "0.5", check=False)
    assert p.returncode != 0 and "training.build_edit_pairs" in p.stderr
    for share in ("1.5", "-0.1"):
        p = launch(run, "--steps", "2", "--edit-pairs", share, check=False)
        assert p.returncode != 0 and "between 0 and 1" in p.stderr
    with pytest.raises(SystemExit, match="--n must be between 1 and 64"):
        build_edit_pairs.main(["--run", str(run), "--n", "300"])
    # Pairs from the validation scenes, or another token grid, do not fit the tokens.
    np.savez(run / "edit_pairs.npz", index=np.array([300]), base=np.zeros((1, 16), np.int16),
             time=np.array([0], np.int8), base_size=32)
    p = launch(run, "--steps", "2", "--edit-pairs", "0.5", check=False)
    assert p.returncode != 0 and "does not fit tokens.npz" in p.stderr
    assert not (run / "transformers.pt").exists()
