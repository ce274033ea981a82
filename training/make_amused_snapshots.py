"""Writes the diffusers-layout aMUSEd snapshots that the committed converted fixtures
(tests/fixtures/amused-tiny, amused-tiny-512) were converted from, so the engine's direct
diffusers route (src/engine/diffusers) can be tested against the Python converter's output:

- tests/fixtures/amused-tiny-diffusers/      256-style, 16×16 tokens; also the `fp16` variant
                                             files (`*.fp16.safetensors`) beside the plain ones;
- tests/fixtures/amused-tiny-512-diffusers/  512-style with down/up-sampling, 32×32 tokens;
- tests/fixtures/amused-tiny-fp16/           the 256-style snapshot's fp16 variant files converted by
                                             the Python converter (`--variant fp16`), the reference
                                             for the direct route on fp16 files.

The same seeds as training/make_amused_fixtures.py; every source file is checked against the
sha256 the converted package records in `provenance.sourceFiles`, so a drift in torch's random
streams fails here instead of giving the tests two unrelated checkpoints.

    scripts/py.sh -m training.make_amused_snapshots [--out tests/fixtures]
"""
from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import torch

from .convert.amused import convert
from .convert.amused_fixture import write_tiny_amused
from .convert.package_check import check_package
from .muse.onnx_utils import sha256_file

SNAPSHOTS = (("amused-tiny", False, 16, 0), ("amused-tiny-512", True, 32, 1))


def add_fp16_variant(src: Path) -> list[str]:
    """Writes `<stem>.fp16.safetensors` beside each component's weights (tensors cast to fp16, the
    way the Hub's `fp16` variant files are made)."""
    from safetensors.torch import load_file, save_file

    written = []
    for sub, stem in (("transformer", "diffusion_pytorch_model"), ("vqvae", "diffusion_pytorch_model"),
                      ("text_encoder", "model")):
        tensors = load_file(str(src / sub / f"{stem}.safetensors"))
        out = src / sub / f"{stem}.fp16.safetensors"
        save_file({k: v.half().contiguous() for k, v in tensors.items()}, str(out), metadata={"format": "pt"})
        written.append(f"{sub}/{out.name}")
    return written


def check_against_package(src: Path, pkg: Path) -> None:
    recorded = json.loads((pkg / "manifest.json").read_text())["provenance"]["sourceFiles"]
    for rel, info in recorded.items():
        got = sha256_file(src / rel)
        if got != info["sha256"]:
            raise SystemExit(f"{src / rel}: sha256 {got} differs from the one {pkg}/manifest.json records "
                             f"({info['sha256']}): the snapshot is not the converted fixture's source")


def build(out_root: Path) -> None:
    for name, downsample, grid, seed in SNAPSHOTS:
        dst = out_root / f"{name}-diffusers"
        shutil.rmtree(dst, ignore_errors=True)
        write_tiny_amused(dst, downsample=downsample, grid=grid, seed=seed)
        check_against_package(dst, out_root / name)
        if not downsample:
            add_fp16_variant(dst)
            convert(dst, out_root / f"{name}-fp16", name=f"{name}-fp16", fixture=True, variant="fp16",
                    display_name="aMUSEd-layout tiny fixture, 256 px, from the fp16 variant files (random weights)")
            check_package(out_root / f"{name}-fp16")
            print("wrote", out_root / f"{name}-fp16")
        print("wrote", dst)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="tests/fixtures", type=Path, help="folder holding the converted fixtures")
    a = ap.parse_args()
    torch.set_num_threads(1)
    build(a.out)


if __name__ == "__main__":
    main()
