"""Measures the exported package's prompt fidelity (npm run eval).

    npm run eval [-- --prompts FILE.json] [--package models/scenes] [--limit N]

Every image is generated through the studio's own TypeScript engine on onnxruntime-node
(src/cli/evalBatch.ts), so what is measured is what users get. Seeds depend only on the prompt's
index (1000 + 16·i, plus k for the k-th extra seed), so runs can share images:

1. main: every prompt, one seed, default settings -> fidelity overall, seen vs held-out
   combinations, per attribute, a sample grid;
2. diversity: the first `--diversity-prompts` prompts with `--diversity-seeds` seeds -> mean
   pairwise pixel distance between seeds of one prompt;
3. guidance: the first `--guidance-prompts` prompts again with guidance 1 on both stages (no
   guidance), scored against the same prompts' images from run 1 -> what guidance buys.

Writes `--out`/results.json and `--out`/grid.png and prints a summary.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from .judge.score import main as score_main

ROOT = Path(__file__).resolve().parent.parent


def generate(a, out: Path, seeds: int = 1, limit: int | None = None, guidance: float | None = None) -> float:
    cmd = ["npx", "tsx", "src/cli/evalBatch.ts", "--prompts", a.prompts, "--out", str(out),
           "--model", a.package, "--seeds", str(seeds)]
    if limit is not None:
        cmd += ["--limit", str(limit)]
    if guidance is not None:
        cmd += ["--guidance", str(guidance), "--sr-guidance", str(guidance)]
    if getattr(a, "settings", None):
        cmd += ["--settings", a.settings]
    t = time.time()
    subprocess.run(cmd, check=True, cwd=ROOT)
    return time.time() - t


def score(a, images: Path, out: Path, grid: Path | None = None) -> dict:
    args = ["--prompts", a.prompts, "--images", str(images), "--run", a.judge, "--out", str(out)]
    if grid is not None:
        args += ["--grid", str(grid)]
    score_main(args)
    report = json.loads(out.read_text())
    report.pop("per_image", None)
    return report


def first_n(src: Path, dst: Path, n: int) -> Path:
    """Copies the images of prompts 0..n-1 (file names start with the zero-padded index)."""
    dst.mkdir(parents=True, exist_ok=True)
    for p in src.glob("*.png"):
        if int(p.name.split("_")[0]) < n:
            shutil.copy(p, dst / p.name)
    return dst


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--prompts", default="training/data/eval_prompts.json")
    ap.add_argument("--package", default="models/scenes")
    ap.add_argument("--judge", default="training/judge", help="folder holding the classifier.pt judge")
    ap.add_argument("--limit", type=int, default=None, help="only the first N prompts")
    ap.add_argument("--diversity-prompts", type=int, default=60)
    ap.add_argument("--diversity-seeds", type=int, default=3)
    ap.add_argument("--guidance-prompts", type=int, default=150)
    ap.add_argument("--out", default="docs/eval")
    ap.add_argument("--settings", default=None,
                    help='JSON stage overrides for every image, e.g. \'{"base": {"temperature": 1.0}}\'')
    a = ap.parse_args(argv)
    if not (Path(a.package) / "manifest.json").exists():
        raise SystemExit(f"no model package at {a.package} (manifest.json missing): run npm run train first")
    if not (Path(a.judge) / "classifier.pt").exists():
        raise SystemExit(f"no attribute classifier at {a.judge}/classifier.pt: run "
                         f"python -m training.judge.train --run {a.judge}")
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="muse-eval-"))
    try:
        secs = generate(a, work / "main", limit=a.limit)
        n_main = len(list((work / "main").glob("*.png")))
        report: dict = {"package": a.package, "prompts_file": a.prompts, "settings": a.settings,
                        "seconds_per_image_node": secs / max(n_main, 1),
                        "main": score(a, work / "main", work / "main.json", out / "grid.png")}
        if a.diversity_prompts > 0:
            generate(a, work / "div", seeds=a.diversity_seeds, limit=a.diversity_prompts)
            d = score(a, work / "div", work / "div.json")
            report["diversity"] = {"prompts": a.diversity_prompts, "seeds": a.diversity_seeds, **d["diversity"]}
        if a.guidance_prompts > 0:
            n = min(a.guidance_prompts, n_main)
            generate(a, work / "g1", limit=n, guidance=1.0)
            report["guidance"] = {
                "prompts": n,
                "guidance_1": score(a, work / "g1", work / "g1.json")["all"],
                "default": score(a, first_n(work / "main", work / "main_n", n), work / "mn.json")["all"],
            }
        (out / "results.json").write_text(json.dumps(report, indent=1) + "\n")
        m = report["main"]
        print(json.dumps({"overall": m["overall"], "seen": m["seen"]["overall"], "heldout": m["heldout"]["overall"],
                          "diversity": report.get("diversity"),
                          "guidance_1_overall": report.get("guidance", {}).get("guidance_1", {}).get("overall"),
                          "default_overall_same_prompts": report.get("guidance", {}).get("default", {}).get("overall")},
                         indent=1))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
