"""Measures the exported package's prompt fidelity (npm run eval).

    npm run eval [-- --prompts FILE.json] [--package models/scenes] [--seeds 2] [--limit N]

1. generates every prompt through the studio's own TypeScript engine on onnxruntime-node
   (src/cli/evalBatch.ts) at the package's default settings, `--seeds` images per prompt;
2. scores the images with the attribute classifier (training/score.py): fraction of stated
   attributes shown, seen vs held-out combinations, seed diversity, a sample grid;
3. repeats on the first `--guidance-limit` prompts with guidance 1 (no guidance) to show what
   classifier-free guidance buys.
Writes `--out`/results.json (and grid.png) and prints a summary.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .score import main as score_main

ROOT = Path(__file__).resolve().parent.parent


def generate(prompts: Path, package: Path, out: Path, seeds: int, limit: int | None, guidance: float | None) -> float:
    cmd = ["npx", "tsx", "src/cli/evalBatch.ts", "--prompts", str(prompts), "--out", str(out),
           "--model", str(package), "--seeds", str(seeds)]
    if limit is not None:
        cmd += ["--limit", str(limit)]
    if guidance is not None:
        cmd += ["--guidance", str(guidance), "--sr-guidance", str(guidance)]
    t = time.time()
    subprocess.run(cmd, check=True, cwd=ROOT)
    return time.time() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--prompts", default="training/data/eval_prompts.json")
    ap.add_argument("--package", default="models/scenes")
    ap.add_argument("--run", default="training/judge", help="folder holding classifier.pt")
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--guidance-limit", type=int, default=150, help="prompts for the guidance-1 run (0: skip)")
    ap.add_argument("--out", default="docs/eval")
    a = ap.parse_args()
    if not (Path(a.package) / "manifest.json").exists():
        raise SystemExit(f"no model package at {a.package} (manifest.json missing): run npm run train first")
    if not (Path(a.run) / "classifier.pt").exists():
        raise SystemExit(f"no attribute classifier at {a.run}/classifier.pt: run "
                         f"python -m training.train_classifier --run {a.run}")
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="muse-eval-"))
    try:
        secs = generate(Path(a.prompts), Path(a.package), work / "default", a.seeds, a.limit, None)
        score_main(["--prompts", a.prompts, "--images", str(work / "default"), "--run", a.run,
                    "--out", str(out / "results.json"), "--grid", str(out / "grid.png")])
        report = {"default": json.loads((out / "results.json").read_text()),
                  "generation_seconds": secs, "seeds": a.seeds, "prompts_file": a.prompts}
        if a.guidance_limit > 0:
            generate(Path(a.prompts), Path(a.package), work / "g1", 1, a.guidance_limit, 1.0)
            score_main(["--prompts", a.prompts, "--images", str(work / "g1"), "--run", a.run,
                        "--out", str(work / "g1.json")])
            shutil.rmtree(work / "default")
            generate(Path(a.prompts), Path(a.package), work / "default1", 1, a.guidance_limit, None)
            score_main(["--prompts", a.prompts, "--images", str(work / "default1"), "--run", a.run,
                        "--out", str(work / "d1.json")])
            report["guidance_comparison"] = {
                "prompts": a.guidance_limit,
                "guidance_1": json.loads((work / "g1.json").read_text())["overall"],
                "default_guidance": json.loads((work / "d1.json").read_text())["overall"],
            }
        for row in ("default",):
            report[row].pop("images", None)
        (out / "results.json").write_text(json.dumps(report, indent=2))
        print(json.dumps({k: v for k, v in report.items() if k != "default"}, indent=2))
        print(json.dumps(report["default"].get("overall"), indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
