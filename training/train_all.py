"""Retrains the whole embedded model family from scratch, resumably, and exports it.

    npm run train            (= .venv/bin/python -m training.train_all)
    npm run train -- --steps 20000     # run again with more steps: continues where it stopped

Stages run in order; each is skipped when its output exists and resumes from its checkpoint
when interrupted: VQ tokenizer -> token dataset + caption tokenizer -> edit pairs (with
--edit-pairs) -> T5 + base + super-res ->
attribute classifier (the judge; skipped while `training/judge/classifier.pt` exists) -> export
to models/scenes (atomic). Wall time per stage and the precision used are recorded in
run/timings.json for the model card.

A new machine without the run folder continues from the committed weights-only checkpoint
(`training/checkpoints/scenes.pt`, when present) instead of step 0; see training/README.md.
"""
from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .common import atomic_write_text, cpu_has_bf16
from .scenes.regions import has_object_marks

COMMITTED_CHECKPOINT = Path("training/checkpoints/scenes.pt")
# The shipped recipe's training flags where it differs from train_transformers' own defaults
# (docs/MODEL_CARD.md "Training"): npm run train's defaults here, and what training/train_gpu.sh
# passes (recipe_flags), so the two entry points cannot drift apart.
RECIPE = {"--bind-weight": "1", "--edit-pairs": "0.25"}


def recipe_flags() -> list[str]:
    return [x for flag_value in RECIPE.items() for x in flag_value]


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def stage(name: str, args: list[str], done: Path, run: Path, force: bool = False) -> None:
    timings_path = run / "timings.json"
    timings = json.loads(timings_path.read_text()) if timings_path.exists() else {}
    if done.exists() and not force:
        print(f"[train] {name}: done ({done})", flush=True)
        return
    print(f"[train] {name}: python -m {' '.join(args)}", flush=True)
    t = time.time()
    subprocess.run([sys.executable, "-m", *args], check=True)
    timings[name] = timings.get(name, 0.0) + (time.time() - t)
    timings["hardware"] = {"cpu": cpu_name(), "bf16": cpu_has_bf16()}
    atomic_write_text(timings_path, json.dumps(timings, indent=2))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", default="training/runs/scenes")
    ap.add_argument("--out", default="models/scenes")
    ap.add_argument("--vq-steps", default="2500")
    ap.add_argument("--vq-from-package", default=None,
                    help="reuse the VQ of an exported package instead of training one (same architecture)")
    ap.add_argument("--steps", default="14000", help="transformer steps (raise it to train further)")
    ap.add_argument("--decay-frac", default=None,
                    help="share of the transformer steps over which the learning rate decays at the end "
                         "(train_transformers' default 0.2)")
    ap.add_argument("--bind-weight", default=RECIPE["--bind-weight"],
                    help="weight of the text encoder's binding loss (training/muse/binding.py; 0 = off)")
    ap.add_argument("--position-bias", default=None, choices=["local", "t5"],
                    help="start of a new text encoder's position bias (train_transformers' default: local)")
    ap.add_argument("--text-warmup", default=None,
                    help="steps training a new text encoder alone on the binding loss first (default 0)")
    ap.add_argument("--position-slopes", default=None,
                    help="a new text encoder's local start, one slope per head (train_transformers' default: "
                         "1/4 to 2)")
    ap.add_argument("--edit-pairs", type=float, default=float(RECIPE["--edit-pairs"]),
                    help="share of each base batch shown at one time of day and captioned at another "
                         "(training/build_edit_pairs.py, built first; 0 = none)")
    ap.add_argument("--precision", default="auto", choices=["auto", "bf16", "fp32"])
    ap.add_argument("--judge", default="training/judge", help="folder of the attribute classifier")
    ap.add_argument("--classifier-steps", default="1200")
    ap.add_argument("--classifier-vq-n", default="600", help="renders the judge also sees VQ-reconstructed")
    a = ap.parse_args()
    run = Path(a.run)
    run.mkdir(parents=True, exist_ok=True)
    vq = ["training.train_vq", "--run", a.run, "--steps", a.vq_steps]
    vq_package = a.vq_from_package
    if vq_package is None and COMMITTED_CHECKPOINT.exists() and not (run / "vq.pt").exists():
        # The committed transformers were trained on the tokens of the embedded package's VQ; a
        # freshly trained VQ would give other codes and the checkpoint would be worthless.
        vq_package = "models/scenes"
        print(f"[train] vq: continuing {COMMITTED_CHECKPOINT}, so the VQ is the one of {vq_package}", flush=True)
    if vq_package:
        vq += ["--from-package", vq_package]
    stage("vq", vq, run / "vq_eval.json", run)
    tokens = run / "tokens.npz"
    # A tokens.npz from before object masks existed is upgraded in place (build_tokens adds them).
    stage("tokens", ["training.build_tokens", "--run", a.run], tokens, run,
          force=tokens.exists() and not has_object_marks(tokens))
    if a.edit_pairs > 0:
        stage("edit_pairs", ["training.build_edit_pairs", "--run", a.run], run / "edit_pairs.npz", run)
    tr = ["training.train_transformers", "--run-dir", a.run, "--steps", a.steps, "--precision", a.precision]
    for flag, value in (("--decay-frac", a.decay_frac), ("--bind-weight", a.bind_weight),
                        ("--position-bias", a.position_bias), ("--text-warmup", a.text_warmup),
                        ("--position-slopes", a.position_slopes), ("--edit-pairs", a.edit_pairs)):
        if value is not None:
            tr += [flag, str(value)]
    done = run / "transformers.done"
    finished = json.loads(done.read_text())["steps"] if done.exists() else -1
    if not (run / "transformers.pt").exists() and COMMITTED_CHECKPOINT.exists():
        tr += ["--init-from", str(COMMITTED_CHECKPOINT)]
    stage("transformers", tr, done, run, force=finished != int(a.steps))
    # The judge reads renders, not the generator, so one trained judge serves every retrain; it is
    # trained in the run folder (it needs the run's VQ) and then copied to --judge.
    judge = Path(a.judge)
    if not (judge / "classifier.pt").exists():
        stage("classifier", ["training.judge.train", "--run", a.run, "--steps", a.classifier_steps,
                             "--vq-n", a.classifier_vq_n], run / "classifier_eval.json", run)
        judge.mkdir(parents=True, exist_ok=True)
        for f in ("classifier.pt", "classifier_eval.json"):
            shutil.copy(run / f, judge / f)
    export_done = Path(a.out) / "manifest.json"
    stale = export_done.exists() and export_done.stat().st_mtime < (run / "transformers.pt").stat().st_mtime
    stage("export", ["training.export_scenes", "--run", a.run, "--out", a.out], export_done, run, force=stale)


if __name__ == "__main__":
    main()
