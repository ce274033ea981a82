"""Export a trained model family to a studio model package (docs/MODEL_PACKAGE.md).

The package is written into a temporary sibling folder and renamed into place only after every
graph has been exported and checked against torch, so a half-written export never replaces a
good one.
"""
from __future__ import annotations

import copy
import datetime as _dt
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import torch

from training.convert.package_check import validate_manifest

from .atlas import write_preview_atlas
from .onnx_utils import (OPSET, check_parity, export_onnx as _export, round_to_fp16, sha256_file as _sha256,
                         store_weights_fp16)
from .text import EOS_ID, PAD_ID, T5Export
from .transformer import BaseExport, MaskedTransformer, SuperResExport
from .vq import VQDecoderExport, VQEncoderExport, VQModel

FORMAT = "muse-studio-package"
FORMAT_VERSION = 1


@dataclass
class PackageParts:
    name: str
    display_name: str
    description: str
    license: str
    fixture: bool
    vq: VQModel
    t5: torch.nn.Module            # transformers T5EncoderModel
    t5_config: dict
    tokenizer_json: str
    max_length: int
    base: MaskedTransformer
    super_res: MaskedTransformer | None
    base_defaults: dict
    super_res_defaults: dict | None
    provenance: dict = field(default_factory=dict)
    # Every word of the training captions (textEncoder.knownWords); None for open-vocabulary encoders.
    known_words: list[str] | None = None
    # "fp16": the text encoder's and transformers' weights are rounded to float16 and stored so
    # (half the bytes; compute stays float32, see onnx_utils.store_weights_fp16). The VQ graphs
    # stay float32: they are small and decode every pixel.
    weight_storage: str = "fp32"


def _token_parity(path: Path, vq: VQModel, px: torch.Tensor) -> float:
    """VQ encoder parity: the graph's codes must be as close to the latent as torch's.

    Comparing ids directly fails on near-ties (two codes within float rounding of each other),
    which are common in an untrained codebook; comparing the similarity of the chosen codes is
    exact about what matters and still catches a wrong graph.
    """
    import onnxruntime as ort

    got = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"pixels": px.numpy()})[0]
    with torch.no_grad():
        z = vq.encode_latent(px)
        sims = torch.einsum("bchw,kc->bkhw", z, vq.normalized_codebook())
        want = sims.max(dim=1).values
        have = sims.gather(1, torch.from_numpy(got).long()[:, None]).squeeze(1)
    return float((want - have).abs().max())


def _stored(parts: PackageParts, module: torch.nn.Module) -> torch.nn.Module:
    """The module as the package stores it: a float16-rounded copy under fp16 weight storage."""
    if parts.weight_storage == "fp32":
        return module
    if parts.weight_storage != "fp16":
        raise ValueError(f"weight_storage must be fp32 or fp16, got {parts.weight_storage!r}")
    module = copy.deepcopy(module)
    round_to_fp16(module)
    return module


def _export_stored(parts: PackageParts, module: torch.nn.Module, args: tuple, path: Path, inputs: list[str],
                   outputs: list[str], dynamic: dict[str, dict[int, str]]) -> None:
    """Exports a module made by `_stored` and stores its weights as the package asks."""
    _export(module, args, path, inputs, outputs, dynamic)
    if parts.weight_storage == "fp16":
        store_weights_fp16(path)


def export_package(parts: PackageParts, out_dir: Path, seed: int = 0) -> dict:
    """Writes the package to out_dir atomically; returns {graph: parity error}."""
    out_dir = Path(out_dir)
    tmp = out_dir.with_name(out_dir.name + ".partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    g = torch.Generator().manual_seed(seed)
    f = parts.vq.cfg.downsample
    K = parts.vq.cfg.codebook_size
    S = parts.max_length
    D = parts.t5_config["d_model"]
    parity: dict[str, float] = {}

    # Text encoder, in the Transformers.js layout.
    te = T5Export(_stored(parts, parts.t5))
    ids = torch.randint(3, parts.t5_config["vocab_size"], (2, S), generator=g)
    am = torch.ones(2, S, dtype=torch.long)
    ids[1, 5:] = PAD_ID
    ids[1, 4] = EOS_ID
    am[1, 5:] = 0
    p = tmp / "text_encoder/onnx/encoder_model.onnx"
    _export_stored(parts, te, (ids, am), p, ["input_ids", "attention_mask"], ["last_hidden_state"],
            {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
             "last_hidden_state": {0: "batch", 1: "sequence"}})
    parity["text_encoder"] = check_parity(p, te, {"input_ids": ids, "attention_mask": am})
    (tmp / "text_encoder/tokenizer.json").write_text(parts.tokenizer_json)
    (tmp / "text_encoder/config.json").write_text(json.dumps(parts.t5_config, indent=2))
    with torch.no_grad():
        text_states = te(ids, am)

    # VQ encoder and decoder (dynamic spatial size: one tokenizer serves both stages).
    bh, bw = parts.base.cfg.grid
    px = torch.rand(2, 3, bh * f, bw * f, generator=g) * 2 - 1
    enc = VQEncoderExport(parts.vq)
    p = tmp / "vqgan/encoder.onnx"
    _export(enc, (px,), p, ["pixels"], ["tokens"],
            {"pixels": {0: "batch", 2: "height", 3: "width"}, "tokens": {0: "batch", 1: "rows", 2: "cols"}})
    parity["vq_encoder"] = _token_parity(p, parts.vq, px)
    dec = VQDecoderExport(parts.vq)
    toks = torch.randint(0, K, (2, bh, bw), generator=g)
    p = tmp / "vqgan/decoder.onnx"
    _export(dec, (toks,), p, ["tokens"], ["pixels"],
            {"tokens": {0: "batch", 1: "rows", 2: "cols"}, "pixels": {0: "batch", 2: "height", 3: "width"}})
    parity["vq_decoder"] = check_parity(p, dec, {"tokens": toks})

    # Transformers: half the positions masked, as mid-decoding.
    def masked_tokens(n: int) -> torch.Tensor:
        t = torch.randint(0, K, (2, n), generator=g)
        t[torch.rand(2, n, generator=g) < 0.5] = K
        return t

    base = BaseExport(_stored(parts, parts.base))
    bt = masked_tokens(bh * bw)
    p = tmp / "transformer/base.onnx"
    _export_stored(parts, base, (bt, text_states, am), p, ["tokens", "text_states", "text_mask"], ["logits"],
            {"tokens": {0: "batch"}, "text_states": {0: "batch"}, "text_mask": {0: "batch"}, "logits": {0: "batch"}})
    parity["base"] = check_parity(p, base, {"tokens": bt, "text_states": text_states, "text_mask": am})

    stages: dict = {
        "base": {"onnx": "transformer/base.onnx", "grid": [bh, bw], "imageSize": [bh * f, bw * f],
                 "maskTokenId": K, "defaults": parts.base_defaults},
    }
    if parts.super_res is not None:
        sh, sw = parts.super_res.cfg.grid
        sr = SuperResExport(_stored(parts, parts.super_res))
        st = masked_tokens(sh * sw)
        lt = torch.randint(0, K, (2, bh * bw), generator=g)
        p = tmp / "transformer/super_res.onnx"
        _export_stored(parts, sr, (st, lt, text_states, am), p, ["tokens", "low_res_tokens", "text_states", "text_mask"],
                ["logits"], {"tokens": {0: "batch"}, "low_res_tokens": {0: "batch"}, "text_states": {0: "batch"},
                             "text_mask": {0: "batch"}, "logits": {0: "batch"}})
        parity["super_res"] = check_parity(p, sr, {"tokens": st, "low_res_tokens": lt,
                                                    "text_states": text_states, "text_mask": am})
        stages["superRes"] = {"onnx": "transformer/super_res.onnx", "grid": [sh, sw],
                              "imageSize": [sh * f, sw * f], "maskTokenId": K, "lowResGrid": [bh, bw],
                              "defaults": parts.super_res_defaults}

    files = sorted(str(q.relative_to(tmp)).replace(os.sep, "/") for q in tmp.rglob("*") if q.is_file())
    manifest = {
        "format": FORMAT,
        "formatVersion": FORMAT_VERSION,
        "name": parts.name,
        "displayName": parts.display_name,
        "description": parts.description,
        "fixture": parts.fixture,
        "license": parts.license,
        "provenance": {**parts.provenance, "created": _dt.date.today().isoformat(), "opset": OPSET,
                       "parity": parity, "weightStorage": parts.weight_storage},
        "textEncoder": {"kind": "t5", "onnx": "text_encoder/onnx/encoder_model.onnx",
                        "tokenizer": "text_encoder/tokenizer.json", "config": "text_encoder/config.json",
                        "maxLength": S, "hiddenSize": D, "padTokenId": PAD_ID,
                        **({"knownWords": sorted(parts.known_words)} if parts.known_words is not None else {})},
        "vqgan": {"encoder": "vqgan/encoder.onnx", "decoder": "vqgan/decoder.onnx", "downsample": f,
                  "codebookSize": K, "pixelRange": [-1, 1]},
        "stages": stages,
        "files": {q: {"sha256": _sha256(tmp / q), "bytes": (tmp / q).stat().st_size} for q in files},
    }
    if parts.super_res is not None:
        write_preview_atlas(tmp, manifest)
    validate_manifest(manifest)     # schemas/manifest.schema.json: never write a package the studio refuses
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    if out_dir.exists():
        shutil.rmtree(out_dir)
    tmp.rename(out_dir)
    return parity
