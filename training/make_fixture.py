"""Builds the tiny random-weight test fixture package at tests/fixtures/tiny.

It uses the same model classes and exporter as the real model, so it has the real package
contract by construction; only the sizes are tiny and the weights random. It is a test fixture,
marked `"fixture": true` in its manifest: the studio never presents it as a model.

    .venv/bin/python -m training.make_fixture [--out tests/fixtures/tiny]
"""
from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import torch

from .muse.export import PackageParts, export_package
from .muse.text import make_t5, t5_config, train_tokenizer
from .muse.transformer import MaskedTransformer, StageConfig
from .muse.vq import VQConfig, VQModel

WORDS = {
    "count": ["a", "one", "two", "three"],
    "color": ["red", "orange", "yellow", "green", "blue", "purple", "white", "black"],
    "kind": ["house", "tree", "hot-air balloon", "boat"],
    "setting": ["over the sea", "in the mountains", "above the city", "in the desert", "on a meadow"],
    "time": ["at sunset", "at night", "by day"],
}


def corpus() -> list[str]:
    return [" ".join(p) for p in itertools.product(*WORDS.values())]


def build(out: Path) -> dict:
    torch.manual_seed(1234)
    tok = train_tokenizer(corpus(), vocab_size=96)
    K = 64
    text_dim = 32
    tcfg = t5_config(tok.get_vocab_size(), d_model=text_dim, layers=1, heads=2, d_ff=64)
    parts = PackageParts(
        name="tiny-fixture",
        display_name="Tiny test fixture (random weights)",
        description="Random-weight package with the real contract, for tests only. Its images are noise.",
        license="MIT (test fixture)",
        fixture=True,
        vq=VQModel(VQConfig(channels=(8, 8, 8, 8), res_blocks=1, codebook_size=K, code_dim=4)),
        t5=make_t5(tcfg),
        t5_config=tcfg.to_dict(),
        tokenizer_json=tok.to_str(),
        max_length=16,
        base=MaskedTransformer(StageConfig(grid=(4, 4), codebook_size=K, dim=32, heads=2, layers=1,
                                           text_dim=text_dim)),
        super_res=MaskedTransformer(StageConfig(grid=(8, 8), codebook_size=K, dim=32, heads=2, layers=2,
                                                text_dim=text_dim, low_res_grid=(4, 4), window=4)),
        base_defaults={"steps": 6, "guidance": 3.0, "guidanceRamp": "linear", "temperature": 1.0,
                       "confidenceNoise": 4.5},
        super_res_defaults={"steps": 4, "guidance": 2.0, "guidanceRamp": "none", "temperature": 1.0,
                            "confidenceNoise": 2.0},
        provenance={"source": "training/make_fixture.py (random initialisation, seed 1234)"},
    )
    return export_package(parts, out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="tests/fixtures/tiny")
    a = ap.parse_args()
    parity = build(Path(a.out))
    print("wrote", a.out, "parity (max relative error):", parity)


if __name__ == "__main__":
    main()
