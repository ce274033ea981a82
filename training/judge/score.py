"""Scores generated images against the attributes their prompts state, with the attribute classifier.

    .venv/bin/python -m training.judge.score --prompts training/data/eval_prompts.json \
        --images DIR --run training/runs/scenes --out results.json [--grid grid.png]

DIR holds PNGs named ``{index:04d}_{seed}.png``: ``index`` into the prompts list, any number of
seeds per prompt. Each prompt entry is ``{"prompt", "attributes" (a caption's ``stated``
record), "heldout" (bool; computed from the attributes when absent), ...}``.

Matching rule (``score_one``), per image, for what the prompt states:

- setting, time: the predicted value equals the stated one.
- object groups: the classifier reports, per position (left/center/right), nothing or a group
  (kind, colour, size, count). Each stated group is matched to at most one predicted group *of
  its kind*, distinct stated groups to distinct positions, choosing the matching that shows the
  most stated attributes (ties: a stated position first, then left-to-right). Then for a group:
  kind is shown iff it was matched; colour/size/count (when stated) iff matched and equal there
  (binding: a red tree does not show "red house"); position (when stated) iff matched at the
  stated position. So a red house drawn in the centre instead of on the left shows kind, colour
  and count but not position: a position error is counted once, under "position".
  An unpositioned group is shown wherever its kind appears (not at a position already used by
  another stated group).
- strict variant (also reported): a positioned group is judged only at its stated position
  (a misplaced group shows nothing); unpositioned groups as above.

Report: fraction of stated attributes shown, overall (every stated attribute of every image
counts once) and per attribute type, for all images and split seen / held-out prompts; the
fraction of images showing everything; per held-out pair; and seed diversity: for each prompt
with >= 2 seeds, the mean over seed pairs of the mean absolute pixel difference (0-1 units, at the
images' own resolution), averaged over prompts.
"""
from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
from PIL import Image

from ..scenes.holdout import heldout_pairs_in
from ..scenes.schema import COLORS, COUNTS, KINDS, POSITIONS, SETTINGS, SIZES, TIMES

ATTR_TYPES = ["setting", "time", "kind", "color", "count", "size", "position"]
GROUP_FIELDS = {"kind": KINDS, "color": COLORS, "position": POSITIONS, "size": SIZES, "count": COUNTS}
SCENE_FIELDS = {"setting": SETTINGS, "time": TIMES}
NAME_RE = re.compile(r"^(\d+)_(\d+)\.png$")
GRID_ROWS, GRID_COLS, GRID_CELL, GRID_GAP = 16, 4, 256, 4


class PromptError(ValueError):
    """A prompts file entry with an unknown attribute name or value."""


# ---------------------------------------------------------------- validation

def _bad(index: int, field: str, msg: str) -> PromptError:
    return PromptError(f"prompt {index}: field {field!r}: {msg}")


def validate_stated(stated, index: int) -> dict:
    """Checks one ``attributes`` record; raises PromptError naming the prompt index and field."""
    if not isinstance(stated, dict):
        raise _bad(index, "attributes", f"expected a dict, got {stated!r}")
    for key, value in stated.items():
        if key in SCENE_FIELDS:
            if value not in SCENE_FIELDS[key]:
                raise _bad(index, key, f"unknown value {value!r} (expected one of {SCENE_FIELDS[key]})")
        elif key != "objects":
            raise _bad(index, key, "unknown attribute name (expected setting, time, objects)")
    objects = stated.get("objects", [])
    if not isinstance(objects, list):
        raise _bad(index, "objects", f"expected a list, got {objects!r}")
    if len(objects) > len(POSITIONS):
        raise _bad(index, "objects", f"{len(objects)} groups; at most {len(POSITIONS)} can be scored")
    seen_pos = {}
    for j, g in enumerate(objects):
        where = f"objects[{j}]"
        if not isinstance(g, dict):
            raise _bad(index, where, f"expected a dict, got {g!r}")
        for key, value in g.items():
            if key not in GROUP_FIELDS:
                raise _bad(index, f"{where}.{key}",
                           f"unknown attribute name (expected one of {list(GROUP_FIELDS)})")
            if key == "count" and (isinstance(value, bool) or not isinstance(value, int)):
                raise _bad(index, f"{where}.count", f"unknown value {value!r} (expected an int in {COUNTS})")
            if value not in GROUP_FIELDS[key]:
                raise _bad(index, f"{where}.{key}",
                           f"unknown value {value!r} (expected one of {GROUP_FIELDS[key]})")
        if "kind" not in g:
            raise _bad(index, f"{where}.kind", "missing (every stated group needs a kind)")
        if "position" in g:
            if g["position"] in seen_pos:
                raise _bad(index, f"{where}.position",
                           f"{g['position']!r} is also stated for objects[{seen_pos[g['position']]}]")
            seen_pos[g["position"]] = j
    return stated


def validate_prompts(prompts) -> list:
    """Validates a loaded prompts file; returns it with ``heldout`` filled in where absent."""
    if not isinstance(prompts, list):
        raise PromptError("prompts file: expected a JSON list of prompt entries")
    out = []
    for i, p in enumerate(prompts):
        if not isinstance(p, dict) or "attributes" not in p:
            raise _bad(i, "attributes", "missing (each entry needs an 'attributes' record)")
        validate_stated(p["attributes"], i)
        held = p.get("heldout")
        if held is None:
            held = bool(heldout_pairs_in(p["attributes"]))
        elif not isinstance(held, bool):
            raise _bad(i, "heldout", f"expected true/false, got {held!r}")
        out.append({**p, "heldout": held})
    return out


# ---------------------------------------------------------------- matching

def _as_slots(predicted) -> dict:
    """Accepts ``classifier.decode_prediction`` output or the raw {head: index} dict."""
    if "slots" in predicted:
        return predicted
    from .model import decode_prediction

    return decode_prediction(predicted)


def _group_checks(g: dict, slot_name, slot) -> dict:
    """{attr type: shown} for one stated group matched to (slot_name, slot) or (None, None)."""
    ok = slot is not None and slot["kind"] == g["kind"]
    checks = {"kind": ok}
    for key in ("color", "count", "size"):
        if key in g:
            checks[key] = ok and slot[key] == g[key]
    if "position" in g:
        checks["position"] = ok and slot_name == g["position"]
    return checks


def _match(groups: list, slots: dict, strict: bool) -> tuple[list, list]:
    """Best one-to-one matching of stated groups to predicted positions (or None)."""
    options = []
    for g in groups:
        cands = [p for p in POSITIONS if slots[p] is not None and slots[p]["kind"] == g["kind"]]
        if "position" in g:
            if strict:
                cands = [p for p in cands if p == g["position"]]
            else:  # try the stated position first (tie-break)
                cands.sort(key=lambda p: p != g["position"])
        options.append(cands + [None])
    best, best_score = None, -1
    for combo in itertools.product(*options):
        used = [p for p in combo if p is not None]
        if len(used) != len(set(used)):
            continue
        checks = [_group_checks(g, p, slots[p] if p else None) for g, p in zip(groups, combo)]
        score = sum(sum(c.values()) for c in checks)
        if score > best_score:
            best, best_score = (list(combo), checks), score
    return best


def score_one(stated: dict, predicted_slots: dict) -> dict:
    """Which stated attributes one image shows (pure; see the module docstring for the rule).

    stated: a prompt's ``attributes`` record. predicted_slots: ``decode_prediction`` output
    ({"setting", "time", "slots": {position: None | {kind, color, size, count}}}) or the raw
    ``classifier.predict`` dict. Returns {"shown": {type: [bool, ...]}, "strict": {type: [...]},
    "matched_positions": [position | None per stated group], "all_shown": bool}; every list holds
    one entry per stated attribute of that type (empty when the type is not stated).
    """
    pred = _as_slots(predicted_slots)
    out = {}
    for mode, strict in (("shown", False), ("strict", True)):
        res = {t: [] for t in ATTR_TYPES}
        for key in ("setting", "time"):
            if key in stated:
                res[key].append(pred[key] == stated[key])
        groups = stated.get("objects", [])
        positions, checks = _match(groups, pred["slots"], strict)
        for c in checks:
            for t, v in c.items():
                res[t].append(bool(v))
        out[mode] = res
        if not strict:
            out["matched_positions"] = positions
    out["all_shown"] = all(all(v) for v in out["strict"].values())
    return out


# ---------------------------------------------------------------- aggregation

class Tally:
    def __init__(self):
        self.shown = defaultdict(int)
        self.total = defaultdict(int)
        self.images = 0
        self.all_shown = 0

    def add(self, res: dict, mode: str) -> None:
        self.images += 1
        self.all_shown += bool(res["all_shown"])
        for t, vals in res[mode].items():
            self.shown[t] += sum(vals)
            self.total[t] += len(vals)

    def report(self) -> dict:
        tot = sum(self.total.values())
        return {
            "images": self.images,
            "overall": sum(self.shown.values()) / tot if tot else None,
            "stated_attributes": tot,
            "images_all_shown": self.all_shown / self.images if self.images else None,
            "per_attribute": {t: {"fraction": self.shown[t] / self.total[t] if self.total[t] else None,
                                  "shown": self.shown[t], "stated": self.total[t]}
                              for t in ATTR_TYPES},
        }


def mean_pairwise_distance(images: list) -> float | None:
    """Mean over pairs of the mean absolute pixel difference in 0-1 units; None for < 2 images.

    Images of different sizes are resized (BOX / bilinear) to the smallest one first.
    """
    if len(images) < 2:
        return None
    arrs = [np.asarray(im) for im in images]
    h = min(a.shape[0] for a in arrs)
    w = min(a.shape[1] for a in arrs)
    fl = []
    for a in arrs:
        if a.shape[:2] != (h, w):
            a = np.asarray(Image.fromarray(a).resize((w, h), Image.BOX))
        fl.append(a[..., :3].astype(np.float32) / 255.0)
    d = [float(np.abs(a - b).mean()) for a, b in itertools.combinations(fl, 2)]
    return float(np.mean(d))


def find_images(image_dir: Path, n_prompts: int, warn=print) -> dict:
    """{prompt index: [(seed, path), ...] sorted by seed} from ``{index:04d}_{seed}.png`` files."""
    found = defaultdict(list)
    for path in sorted(Path(image_dir).iterdir()):
        if path.suffix.lower() != ".png":
            continue
        m = NAME_RE.match(path.name)
        if not m:
            warn(f"score: skipping {path.name} (not named {{index:04d}}_{{seed}}.png)")
            continue
        idx, seed = int(m.group(1)), int(m.group(2))
        if idx >= n_prompts:
            raise PromptError(f"image {path.name}: prompt index {idx} is out of range "
                              f"(the prompts file has {n_prompts} entries)")
        found[idx].append((seed, path))
    return {i: sorted(v) for i, v in sorted(found.items())}


def load_png(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def make_grid(rows: list) -> np.ndarray:
    """rows: list of lists of images (or None) -> one uint8 grid, GRID_CELL px cells."""
    n_rows, n_cols = len(rows), max([len(r) for r in rows] + [1])
    step = GRID_CELL + GRID_GAP
    grid = np.full((n_rows * step + GRID_GAP, n_cols * step + GRID_GAP, 3), 255, dtype=np.uint8)
    for r, row in enumerate(rows):
        for c in range(n_cols):
            y, x = GRID_GAP + r * step, GRID_GAP + c * step
            im = row[c] if c < len(row) else None
            if im is None:
                grid[y:y + GRID_CELL, x:x + GRID_CELL] = 64
                continue
            if im.shape[:2] != (GRID_CELL, GRID_CELL):
                f = Image.BOX if im.shape[0] >= GRID_CELL else Image.NEAREST
                im = np.asarray(Image.fromarray(im).resize((GRID_CELL, GRID_CELL), f))
            grid[y:y + GRID_CELL, x:x + GRID_CELL] = im[..., :3]
    return grid


def score_images(prompts: list, image_dir: Path, predictor, grid_path: Path | None = None,
                 warn=print) -> dict:
    """Scores every image in image_dir. predictor: (N,H,W,3) uint8 -> list of prediction dicts
    (``classifier.predict`` output or ``decode_prediction`` form)."""
    prompts = validate_prompts(prompts)
    found = find_images(Path(image_dir), len(prompts), warn)
    if not found:
        raise SystemExit(f"no images named {{index:04d}}_{{seed}}.png in {image_dir}")
    tallies = {m: {s: Tally() for s in ("all", "seen", "heldout")} for m in ("shown", "strict")}
    pair_tally = defaultdict(Tally)
    div = {"all": [], "seen": [], "heldout": []}
    grid_rows = [[None] * GRID_COLS for _ in range(min(GRID_ROWS, len(prompts)))]
    firsts = []  # the first image of each prompt, for a grid of one seed per prompt
    per_image = []
    for idx, items in found.items():
        p = prompts[idx]
        imgs = [load_png(path) for _, path in items]
        preds = predictor(np.stack(imgs)) if len({im.shape for im in imgs}) == 1 else \
            [predictor(im[None])[0] for im in imgs]
        split = "heldout" if p["heldout"] else "seen"
        for (seed, path), pred in zip(items, preds):
            res = score_one(p["attributes"], pred)
            for mode in ("shown", "strict"):
                tallies[mode]["all"].add(res, mode)
                tallies[mode][split].add(res, mode)
            for name in p.get("heldout_pairs", []):
                pair_tally[name].add(res, "shown")
            per_image.append({"file": path.name, "prompt_index": idx, "seed": seed,
                              "all_shown": res["all_shown"],
                              "shown": sum(map(sum, res["shown"].values())),
                              "stated": sum(map(len, res["shown"].values()))})
        d = mean_pairwise_distance(imgs)
        if d is not None:
            div["all"].append(d)
            div[split].append(d)
        if idx < len(grid_rows):
            for c, im in enumerate(imgs[:GRID_COLS]):
                grid_rows[idx][c] = im
        if len(firsts) < GRID_ROWS * GRID_COLS:
            firsts.append(imgs[0])
    n_seeds = [len(v) for v in found.values()]
    if max(n_seeds) == 1:
        # One seed per prompt: consecutive prompts fill the rows instead of one column of four.
        grid_rows = [firsts[i:i + GRID_COLS] for i in range(0, len(firsts), GRID_COLS)]
    report = {
        "images": sum(n_seeds),
        "prompts_with_images": len(found),
        "prompts_in_file": len(prompts),
        "seeds_per_prompt": {"min": min(n_seeds), "max": max(n_seeds), "mean": float(np.mean(n_seeds))},
        "overall": tallies["shown"]["all"].report()["overall"],
        **{s: tallies["shown"][s].report() for s in ("all", "seen", "heldout")},
        "strict": {s: tallies["strict"][s].report() for s in ("all", "seen", "heldout")},
        "heldout_pairs": {k: {"images": t.images, "overall": t.report()["overall"],
                              "images_all_shown": t.report()["images_all_shown"]}
                          for k, t in sorted(pair_tally.items())},
        "diversity": {s: {"mean_pairwise_l1": float(np.mean(v)) if v else None, "prompts": len(v)}
                      for s, v in div.items()},
        "rule": ("setting/time: equal. Groups: each stated group matched one-to-one to a predicted "
                 "group of its kind (best matching); colour/size/count shown iff equal on the matched "
                 "group; position iff matched at the stated position. 'strict': positioned groups "
                 "judged only at their stated position."),
        "per_image": per_image,
    }
    if grid_path is not None:
        Path(grid_path).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(make_grid(grid_rows)).save(grid_path)
        report["grid"] = str(grid_path)
    return report


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--prompts", default="training/data/eval_prompts.json")
    ap.add_argument("--images", required=True, help="folder of {index:04d}_{seed}.png")
    ap.add_argument("--run", default="training/runs/scenes", help="folder with classifier.pt")
    ap.add_argument("--out", default="results.json")
    ap.add_argument("--grid", default=None,
                    help="write a PNG grid here: 16 prompts x 4 seeds, or 64 prompts 4 to a row with one seed each")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args(argv)
    try:
        prompts = validate_prompts(json.loads(Path(a.prompts).read_text()))
    except PromptError as e:
        raise SystemExit(f"{a.prompts}: {e}")
    import torch

    from .model import load_classifier, predict

    torch.set_num_threads(a.threads)
    model = load_classifier(Path(a.run))
    warn = lambda m: print(m, file=sys.stderr)  # noqa: E731
    try:
        report = score_images(prompts, Path(a.images), lambda x: predict(model, x), a.grid, warn)
    except PromptError as e:
        raise SystemExit(str(e))
    report["prompts_file"] = a.prompts
    report["classifier"] = str(Path(a.run) / "classifier.pt")
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(report, indent=1) + "\n")

    def pct(x):
        return "n/a" if x is None else f"{100 * x:.1f}%"

    print(f"{report['images']} images, {report['prompts_with_images']} prompts: "
          f"overall {pct(report['overall'])} (seen {pct(report['seen']['overall'])}, "
          f"held-out {pct(report['heldout']['overall'])}), strict {pct(report['strict']['all']['overall'])}, "
          f"all-shown {pct(report['all']['images_all_shown'])}")
    print("per attribute: " + ", ".join(f"{t} {pct(v['fraction'])}"
                                         for t, v in report["all"]["per_attribute"].items()))
    print(f"seed diversity (mean pairwise L1): {report['diversity']['all']['mean_pairwise_l1']}")
    print(f"wrote {a.out}" + (f" and {a.grid}" if a.grid else ""))


if __name__ == "__main__":
    main()
