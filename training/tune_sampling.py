"""Chooses a package's sampling defaults by measuring them: a small sweep through the engine.

    .venv/bin/python -m training.tune_sampling --package models/scenes --limit 100 \
        --grid '{"base": {"temperature": [0.3, 0.5, 1.0], "guidance": [3, 4, 6]}}' \
        --out training/runs/scenes/sampling.json

Every setting of the grid (the product of the listed values; stage settings not listed keep the
package's defaults) generates the first `--limit` evaluation prompts at the same seeds through
`training.eval` (the TypeScript engine on onnxruntime-node) and is scored by the judge. Diversity
is measured alongside, on `--diversity-prompts` prompts, so a setting that wins on fidelity by
drawing every seed alike can be seen and refused (`--min-diversity`). Writes every row and the
best setting as `{"base": {...}, "superRes": {...}}`, the file `export_scenes --defaults` reads.
"""
from __future__ import annotations

import argparse
import itertools
import json
import tempfile
from pathlib import Path

from .common import atomic_write_text
from .eval import main as eval_main

STAGES = ("base", "superRes")


def settings_grid(grid: dict) -> list[dict]:
    """The product of the grid's value lists, as stage-override dicts, in a stable order."""
    axes: list[tuple[str, str, list]] = []
    for stage in STAGES:
        for name, values in sorted(grid.get(stage, {}).items()):
            if not isinstance(values, list) or not values:
                raise SystemExit(f"--grid: {stage}.{name} must be a non-empty list of values")
            axes.append((stage, name, values))
    unknown = set(grid) - set(STAGES)
    if unknown:
        raise SystemExit(f"--grid: unknown stage(s) {sorted(unknown)} (use {list(STAGES)})")
    rows = []
    for combo in itertools.product(*(values for _, _, values in axes)):
        s: dict = {}
        for (stage, name, _), v in zip(axes, combo):
            s.setdefault(stage, {})[name] = v
        rows.append(s)
    return rows


def best(rows: list[dict], min_diversity: float) -> dict:
    """Highest overall fidelity among rows whose seed diversity is at least `min_diversity`."""
    ok = [r for r in rows if r["diversity"] is None or r["diversity"] >= min_diversity]
    if not ok:
        raise SystemExit(f"no setting reached diversity {min_diversity}; lower --min-diversity or widen the grid")
    return max(ok, key=lambda r: (r["overall"], r["heldout"]))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--package", default="models/scenes")
    ap.add_argument("--prompts", default="training/data/eval_prompts.json")
    ap.add_argument("--limit", type=int, default=100)
    ap.add_argument("--diversity-prompts", type=int, default=12)
    ap.add_argument("--min-diversity", type=float, default=0.04,
                    help="refuse settings whose seeds differ less than this (mean pixel distance)")
    ap.add_argument("--grid", required=True, help="JSON: stage -> setting -> list of values")
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    try:
        grid = json.loads(a.grid)
    except json.JSONDecodeError as e:
        raise SystemExit(f"--grid is not JSON: {e}") from None
    rows = []
    for s in settings_grid(grid):
        with tempfile.TemporaryDirectory(prefix="muse-tune-") as tmp:
            eval_main(["--package", a.package, "--prompts", a.prompts, "--limit", str(a.limit),
                       "--diversity-prompts", str(a.diversity_prompts), "--guidance-prompts", "0",
                       "--settings", json.dumps(s), "--out", tmp])
            r = json.loads((Path(tmp) / "results.json").read_text())
        m = r["main"]
        rows.append({"settings": s, "overall": m["overall"], "heldout": m["heldout"]["overall"],
                     "all_shown": m["all"]["images_all_shown"],
                     "per_attribute": {t: v["fraction"] for t, v in m["all"]["per_attribute"].items()},
                     "diversity": r["diversity"]["all"]["mean_pairwise_l1"] if "diversity" in r else None,
                     "seconds_per_image": r["seconds_per_image_node"]})
        print(json.dumps({k: rows[-1][k] for k in ("settings", "overall", "heldout", "diversity")}), flush=True)
        # Every finished row is kept, so a long sweep that is stopped still has its results.
        atomic_write_text(Path(a.out), json.dumps({"rows": rows}, indent=1) + "\n")
    chosen = best(rows, a.min_diversity)
    out = {"rows": rows, "chosen": chosen, **chosen["settings"]}
    atomic_write_text(Path(a.out), json.dumps(out, indent=1) + "\n")
    print("chosen:", json.dumps(chosen["settings"]), "overall", chosen["overall"])


if __name__ == "__main__":
    main()
