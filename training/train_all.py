"""Retrains the whole embedded model family from scratch, resumably, and exports it.

    npm run train            (= .venv/bin/python -m training.train_all)

Stages run in order; each is skipped when its output exists and resumes from its checkpoint
when interrupted: VQ tokenizer -> token dataset + caption tokenizer -> T5 + base + super-res ->
attribute classifier -> export to models/scenes (atomic) . Wall time per stage is recorded in
run/timings.json for the model card.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path


def stage(name: str, args: list[str], done: Path, run: Path) -> None:
    timings_path = run / "timings.json"
    timings = json.loads(timings_path.read_text()) if timings_path.exists() else {}
    if done.exists():
        print(f"[train] {name}: done ({done})", flush=True)
        return
    print(f"[train] {name}: python -m {' '.join(args)}", flush=True)
    t = time.time()
    subprocess.run([sys.executable, "-m", *args], check=True)
    timings[name] = timings.get(name, 0.0) + (time.time() - t)
    timings_path.write_text(json.dumps(timings, indent=2))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", default="training/runs/scenes")
    ap.add_argument("--out", default="models/scenes")
    ap.add_argument("--vq-steps", default="2500")
    ap.add_argument("--steps", default="1700", help="transformer steps")
    ap.add_argument("--classifier-steps", default="1200")
    ap.add_argument("--classifier-vq-n", default="600", help="renders the judge also sees VQ-reconstructed")
    a = ap.parse_args()
    run = Path(a.run)
    run.mkdir(parents=True, exist_ok=True)
    stage("vq", ["training.train_vq", "--run", a.run, "--steps", a.vq_steps], run / "vq_eval.json", run)
    stage("tokens", ["training.build_tokens", "--run", a.run], run / "tokens.npz", run)
    stage("transformers", ["training.train_transformers", "--run", a.run, "--steps", a.steps],
          run / "transformers.done", run)
    stage("classifier", ["training.train_classifier", "--run", a.run, "--steps", a.classifier_steps,
                        "--vq-n", a.classifier_vq_n],
          run / "classifier_eval.json", run)
    stage("export", ["training.export_scenes", "--run", a.run, "--out", a.out], Path(a.out) / "manifest.json", run)


if __name__ == "__main__":
    main()
