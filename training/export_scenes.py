"""Exports the trained Scenes family from a run folder to a studio model package.

    .venv/bin/python -m training.export_scenes --run training/runs/scenes --out models/scenes
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch
from transformers import T5Config

from .build_tokens import load_vq
from .muse.atlas import add_preview_atlas
from .muse.export import PackageParts, export_package
from .muse.text import make_t5
from .muse.transformer import MaskedTransformer, StageConfig
from .common import load_checkpoint
from .scenes.caption import vocabulary
from .train_transformers import CKPT_KEYS, MAX_LEN

# Sampling defaults chosen by looking at a sweep on the trained model (docs/MODEL_CARD.md): with
# token accuracies of ~31% (base) and ~54% (super-res), sampling at temperature 1 scatters wrong
# tokens over the image as coloured speckle; low temperatures keep the scene clean. Super-res
# guidance 1 (no unconditional pass, half the super-res compute) scored 59.8% of stated attributes
# against 58.6% with guidance 2 on the first 200 evaluation prompts, same seeds.
BASE_DEFAULTS = {"steps": 12, "guidance": 4.0, "guidanceRamp": "linear", "temperature": 0.5,
                 "confidenceNoise": 4.5}
SUPER_RES_DEFAULTS = {"steps": 8, "guidance": 1.0, "guidanceRamp": "none", "temperature": 0.2,
                      "confidenceNoise": 2.0}


def load_parts(run: Path, defaults_file: Path | None = None, checkpoint: Path | None = None,
               weight_storage: str = "fp16", training_command: str = "npm run train") -> PackageParts:
    ckpt = checkpoint or run / "transformers.pt"
    if not ckpt.exists():
        raise SystemExit(f"missing checkpoint {ckpt}: run training.train_transformers first")
    st = load_checkpoint(ckpt, "transformers", CKPT_KEYS)
    cfgs = st["configs"]
    t5 = make_t5(T5Config.from_dict(cfgs["t5"]))
    t5.load_state_dict(st["t5"])
    base = MaskedTransformer(StageConfig.from_dict(cfgs["base"]))
    base.load_state_dict(st["base"])
    sr = MaskedTransformer(StageConfig.from_dict(cfgs["super_res"]))
    sr.load_state_dict(st["sr"])
    bd, sd = dict(BASE_DEFAULTS), dict(SUPER_RES_DEFAULTS)
    if defaults_file is not None:
        tuned = json.loads(defaults_file.read_text())
        bd.update(tuned.get("base", {}))
        sd.update(tuned.get("superRes", {}))
    timings = run / "timings.json"
    return PackageParts(
        name="scenes",
        display_name="Scenes (embedded)",
        description="Small Muse-style model trained from scratch on the procedurally rendered Scenes domain: "
                    "mountains, sea, city, desert, meadow; day, sunset, night; houses, trees, hot-air "
                    "balloons and boats in eight colours.",
        license="MIT (trained by this repository's own pipeline on its own renders)",
        fixture=False,
        vq=load_vq(run),
        t5=t5.eval(),
        t5_config=cfgs["t5"],
        tokenizer_json=(run / "tokenizer.json").read_text(),
        max_length=MAX_LEN,
        base=base.eval(),
        super_res=sr.eval(),
        base_defaults=bd,
        super_res_defaults=sd,
        known_words=vocabulary(),
        weight_storage=weight_storage,
        provenance={"source": "training/ (npm run train)", "trainingCommand": training_command,
                    "steps": st["step"],
                    "wallSeconds": json.loads(timings.read_text()) if timings.exists() else None},
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", default="training/runs/scenes")
    ap.add_argument("--add-preview-atlas", metavar="PACKAGE", default=None,
                    help="only give an exported package its super-res preview atlas (graphs untouched), then stop")
    ap.add_argument("--out", default="models/scenes")
    ap.add_argument("--defaults", default=None, help="JSON with tuned sampling defaults per stage")
    ap.add_argument("--checkpoint", default=None,
                    help="transformer weights to export (default run/transformers.pt; e.g. run/keep/step004000.pt)")
    # fp16 keeps the package under its 40 MB budget (the 16x16 base alone is 28 MB in float32);
    # the weights were trained in bf16 autocast, whose products carry fewer bits than float16 holds.
    ap.add_argument("--weight-storage", choices=("fp16", "fp32"), default="fp16",
                    help="how the text encoder's and transformers' weights are stored (compute is float32 either way)")
    ap.add_argument("--training-command", default="npm run train",
                    help="how these weights are reproduced, for the manifest's provenance "
                         "(e.g. with the --steps and --decay-frac of a shorter schedule)")
    a = ap.parse_args()
    if a.add_preview_atlas:
        print("wrote", add_preview_atlas(Path(a.add_preview_atlas)))
        return
    torch.set_num_threads(2)
    parts = load_parts(Path(a.run), Path(a.defaults) if a.defaults else None,
                       Path(a.checkpoint) if a.checkpoint else None, a.weight_storage, a.training_command)
    parity = export_package(parts, Path(a.out))
    print("exported", a.out, "parity:", parity)
    bad = {k: v for k, v in parity.items() if v >= 1e-4}
    if bad:
        raise SystemExit(f"ONNX/torch parity above 1e-4: {bad}")


if __name__ == "__main__":
    main()
