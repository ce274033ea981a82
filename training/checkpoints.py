"""Weights-only copies of a transformers checkpoint, to carry a run to another machine.

    .venv/bin/python -m training.checkpoints --run training/runs/scenes --out training/checkpoints/scenes.pt
    .venv/bin/python -m training.checkpoints --run RUN --out OUT/ --bundle --dtype fp32   # a GPU run's results

A weights-only file holds the T5, base and super-res weights and the binding head's, when the run
has one (bf16 by default: half the bytes, and training keeps fp32 master weights again once it is
loaded), the configs and the step; no optimizer state. `train_transformers --init-from FILE`
continues from it with fresh optimizer moments and a short re-warm-up. `--bundle` writes a folder with that file as `transformers.pt`
plus what the export needs from the run (vq.pt, tokenizer.json, the logs and timings), so
`training.export_scenes --run OUT` builds a package from it.
"""
from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import torch

from .common import atomic_save, load_checkpoint
from .train_transformers import CKPT_KEYS

DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}


def pack_weights(src: Path, out: Path, dtype: str = "bf16") -> int:
    """Writes the weights-only file; returns its size in bytes."""
    st = load_checkpoint(src, "transformers", CKPT_KEYS)
    dt = DTYPES[dtype]
    packed = {"kind": "transformers", "step": st["step"], "configs": st["configs"], "weights_dtype": dtype,
              "world": st.get("world", 1), "precision": st.get("precision")}
    for part in ("t5", "base", "sr", "bind"):
        if part not in st:  # the binding head: absent in checkpoints saved before it existed
            continue
        packed[part] = {k: (v.to(dt) if v.is_floating_point() else v) for k, v in st[part].items()}
    atomic_save(packed, out)
    return out.stat().st_size


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", default="training/runs/scenes")
    ap.add_argument("--out", required=True)
    ap.add_argument("--dtype", default="bf16", choices=sorted(DTYPES))
    ap.add_argument("--bundle", action="store_true", help="write a folder the exporter can read")
    a = ap.parse_args(argv)
    run, out = Path(a.run), Path(a.out)
    if not a.bundle:
        n = pack_weights(run / "transformers.pt", out, a.dtype)
        print(f"wrote {out} ({n / 2**20:.1f} MiB, {a.dtype}, weights only)")
        return
    out.mkdir(parents=True, exist_ok=True)
    n = pack_weights(run / "transformers.pt", out / "transformers.pt", a.dtype)
    for name in ("vq.pt", "tokenizer.json", "timings.json", "transformers.log", "tokens.log", "vq_eval.json"):
        if (run / name).exists():
            shutil.copy(run / name, out / name)
            n += (out / name).stat().st_size
    print(f"wrote {out}/ ({n / 2**20:.1f} MiB)")


if __name__ == "__main__":
    main()
