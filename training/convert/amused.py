"""Convert an aMUSEd checkpoint (diffusers folder layout) into a studio model package.

    python -m training.convert.amused --src ./amused-256 --out ./packages/amused-256

Reads transformer/ (UVit2DModel), vqvae/ (VQModel), text_encoder/ (CLIPTextModelWithProjection),
tokenizer/ (CLIP BPE) and scheduler/ (mask token id), checks every tensor against the config,
exports four ONNX graphs, checks each against the PyTorch modules on the same inputs in
onnxruntime, and writes the package atomically (docs/MODEL_PACKAGE.md, "CLIP text encoders and
micro-conditioning (aMUSEd)"). With --fp16 it also writes an fp16 copy of the transformer
(`stages.base.onnxFp16`: fp16 weights and arithmetic, float32 inputs and outputs) and checks its
logits against the fp32 transformer. See training/convert/README.md.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from training.muse.export import FORMAT, FORMAT_VERSION
from training.muse.onnx_utils import OPSET, PROTOBUF_LIMIT, check_parity, export_onnx, finalize_onnx, sha256_file

from .checkpoint import CheckpointError, load_component
from .package_check import validate_manifest
from .clip import ClipTextExport, ClipTokenizerInfo, engine_ids, load_text_encoder, load_tokenizer, reference_ids
from .uvit import AmusedBaseExport, AmusedBaseExportFp16, UVit2DConfig, UVit2DModel
from .vqmodel import VQDecoderExport, VQEncoderExport, VQModel, VQModelConfig

LICENSE = "OpenRAIL++-M (aMUSEd weights)"
# AmusedPipeline.__call__ defaults: num_inference_steps=12, guidance_scale=10.0 (constant),
# temperature=(2, 0) for the Gumbel confidence noise, tokens sampled from softmax(logits) (no
# logit temperature), micro_conditioning_aesthetic_score=6, micro_conditioning_crop_coord=(0, 0).
DEFAULTS = {"steps": 12, "guidance": 10.0, "guidanceRamp": "none", "temperature": 1.0, "confidenceNoise": 2.0}
MICRO_NAMES = ["width", "height", "cropTop", "cropLeft", "aestheticScore"]
AESTHETIC_SCORE = 6
PARITY_LIMIT = 1e-3          # converter refuses worse graphs (the tests hold tiny models to 1e-4)
TOKEN_MISMATCH_LIMIT = 0.01  # VQ encoder: fraction of token ids that may flip on near-ties
# fp16 transformer vs the fp32 one: max |logit error| / max |logit|. Tiny random checkpoints
# measure 1.4–4.1e-3 (the tests hold them to 1e-2); the real model is unmeasured, hence the margin.
FP16_PARITY_LIMIT = 0.05
BASE_FP16 = "transformer/base.fp16.onnx"
PROMPTS = ["a photo of a red cat at sunset", "",
           " ".join(["a painting of a small house by the sea, at night, with a big red balloon"] * 8)]


@dataclass
class AmusedCheckpoint:
    src: Path
    uvit_cfg: UVit2DConfig
    uvit: UVit2DModel
    vq_cfg: VQModelConfig
    vq: VQModel
    clip: torch.nn.Module
    clip_config: dict
    tok: ClipTokenizerInfo
    mask_token_id: int
    source_files: list[Path] = field(default_factory=list)

    @property
    def grid(self) -> tuple[int, int]:
        return (self.uvit_cfg.sample_size, self.uvit_cfg.sample_size)

    @property
    def image_size(self) -> tuple[int, int]:
        f = self.vq_cfg.downsample
        return (self.grid[0] * f, self.grid[1] * f)

    def micro_conditioning(self) -> list[float]:
        h, w = self.image_size
        # AmusedPipeline: [width, height, crop_coord[0], crop_coord[1], aesthetic_score]
        return [float(w), float(h), 0.0, 0.0, float(AESTHETIC_SCORE)]


def _read_json(path: Path) -> dict | None:
    if not path.is_file():
        return None
    try:
        d = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise CheckpointError(f"{path}: not valid JSON ({e})") from None
    if not isinstance(d, dict):
        raise CheckpointError(f"{path}: must hold a JSON object")
    return d


def load_amused(src: Path, variant: str | None = None) -> AmusedCheckpoint:
    src = Path(src)
    if not src.is_dir():
        raise CheckpointError(f"{src}: not a folder")
    index = _read_json(src / "model_index.json")
    if index is not None and index.get("_class_name") not in (None, "AmusedPipeline"):
        raise CheckpointError(f"{src / 'model_index.json'}: _class_name is {index.get('_class_name')!r}, "
                              f"expected 'AmusedPipeline'")
    for sub in ("transformer", "vqvae", "text_encoder", "tokenizer"):
        if not (src / sub).is_dir():
            raise CheckpointError(f"{src}: missing folder {sub}/ (expected the diffusers layout of an aMUSEd checkpoint)")

    uvit_cfg, uvit, uvit_files = load_component(src / "transformer", UVit2DConfig, "UVit2DModel", UVit2DModel, variant)
    vq_cfg, vq, vq_files = load_component(src / "vqvae", VQModelConfig, "VQModel", VQModel, variant)
    clip = load_text_encoder(src / "text_encoder", variant)
    cc = clip.config
    tok = load_tokenizer(src / "tokenizer", cc.max_position_embeddings)

    def bad(msg: str) -> CheckpointError:
        return CheckpointError(f"{src}: {msg}")

    if uvit_cfg.encoder_hidden_size != cc.hidden_size:
        raise bad(f"transformer encoder_hidden_size {uvit_cfg.encoder_hidden_size} != text_encoder hidden_size {cc.hidden_size}")
    if uvit_cfg.cond_embed_dim != cc.projection_dim:
        raise bad(f"transformer cond_embed_dim {uvit_cfg.cond_embed_dim} != text_encoder projection_dim {cc.projection_dim}")
    if uvit_cfg.codebook_size != vq_cfg.num_vq_embeddings:
        raise bad(f"transformer codebook_size {uvit_cfg.codebook_size} != vqvae num_vq_embeddings {vq_cfg.num_vq_embeddings}")
    if uvit_cfg.num_micro_conds != len(MICRO_NAMES):
        raise bad(f"transformer takes {uvit_cfg.num_micro_conds} micro-conditioning values "
                  f"(micro_cond_embed_dim / micro_cond_encode_dim); aMUSEd's are {len(MICRO_NAMES)}: {MICRO_NAMES}")
    vocab = json.loads(tok.tokenizer_json)["model"]["vocab"]
    top = max(vocab.values()) if isinstance(vocab, dict) else len(vocab) - 1
    if max(top, tok.pad_token_id, tok.eos_token_id, tok.bos_token_id) >= cc.vocab_size:
        raise bad(f"tokenizer ids reach {top}, beyond text_encoder vocab_size {cc.vocab_size}")

    sched = _read_json(src / "scheduler" / "scheduler_config.json") or {}
    mask = sched.get("mask_token_id", uvit_cfg.vocab_size - 1)
    if not isinstance(mask, int) or not uvit_cfg.codebook_size <= mask < uvit_cfg.vocab_size:
        raise bad(f"scheduler mask_token_id {mask!r} must be in [codebook_size {uvit_cfg.codebook_size}, "
                  f"vocab_size {uvit_cfg.vocab_size})")
    if sched.get("masking_schedule", "cosine") != "cosine":
        raise bad(f"scheduler masking_schedule {sched.get('masking_schedule')!r}: the studio decodes with the cosine schedule only")

    te_files = sorted((src / "text_encoder").glob("*.safetensors"))
    sources = [src / "model_index.json"] if index is not None else []
    for sub in ("transformer", "vqvae", "text_encoder"):
        sources.append(src / sub / "config.json")
    sources += uvit_files + vq_files + te_files
    sources += sorted(p for p in (src / "tokenizer").iterdir() if p.is_file())
    if (src / "scheduler" / "scheduler_config.json").is_file():
        sources.append(src / "scheduler" / "scheduler_config.json")
    return AmusedCheckpoint(src, uvit_cfg, uvit, vq_cfg, vq, clip, cc.to_dict(), tok, mask, sources)


def match_io(graph: Path, like: Path) -> None:
    """Gives `graph` exactly the input and output declarations (names, element types, dims) of
    `like`, after checking the names and element types agree: the fp16 transformer must be fed
    and read exactly like the fp32 one. Weights stay where they are (external data untouched)."""
    import onnx

    model = onnx.load(str(graph), load_external_data=False)
    ref = onnx.load(str(like), load_external_data=False)

    def inputs(m) -> list:
        inits = {i.name for i in m.graph.initializer}
        return [v for v in m.graph.input if v.name not in inits]

    def types(values) -> list[tuple[str, int]]:
        return [(v.name, v.type.tensor_type.elem_type) for v in values]

    for kind, got, want in (("inputs", inputs(model), inputs(ref)),
                            ("outputs", list(model.graph.output), list(ref.graph.output))):
        if types(got) != types(want):
            raise CheckpointError(f"{graph.name}: {kind} {types(got)} differ from {like.name}'s {types(want)}")
        for g, w in zip(got, want):
            g.type.CopyFrom(w.type)
    onnx.save_model(model, str(graph))


def fp16_agreement(path: Path, reference: torch.nn.Module, feeds: dict[str, torch.Tensor]) -> dict[str, float]:
    """The fp16 graph in onnxruntime (CPU) against the fp32 module in torch, on the same inputs:
    maxRelErr = max |Δlogit| / max |logit|, maxAbsErr = max |Δlogit|, argmaxAgreement = fraction
    of positions whose most likely token is the same."""
    import onnxruntime as ort

    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (got,) = sess.run(None, {k: v.numpy() for k, v in feeds.items()})
    del sess
    with torch.no_grad():
        want = reference(*feeds.values()).numpy()
    if got.shape != want.shape or got.dtype != np.float32:
        raise CheckpointError(f"{path.name}: logits {got.dtype} {list(got.shape)}, expected float32 {list(want.shape)}")
    diff = np.abs(got.astype(np.float64) - want.astype(np.float64))
    finite = bool(np.isfinite(got).all())
    return {"maxRelErr": float(diff.max() / max(float(np.abs(want).max()), 1e-12)) if finite else float("nan"),
            "maxAbsErr": float(diff.max()) if finite else float("nan"),
            "argmaxAgreement": float(np.mean(got.argmax(-1) == want.argmax(-1)))}


def default_name(src: Path) -> str:
    name = re.sub(r"[^a-z0-9-]+", "-", Path(src).resolve().name.lower()).strip("-")
    return name or "amused"


def convert(src: Path, out: Path, *, name: str | None = None, display_name: str | None = None,
            variant: str | None = None, fixture: bool = False, external_threshold: int = PROTOBUF_LIMIT,
            parity_limit: float = PARITY_LIMIT, fp16: bool = False, fp16_parity_limit: float = FP16_PARITY_LIMIT,
            seed: int = 0, log=print) -> dict[str, float]:
    """Writes the package to `out` (atomically: a failed conversion leaves `out` as it was).
    Returns {graph: parity error}; with `fp16`, "base_fp16" is the fp16 transformer's max
    relative error against the fp32 one (provenance.fp16 in the manifest has the details)."""
    log = log or (lambda *_: None)
    ck = load_amused(Path(src), variant)
    name = name or default_name(src)
    if not re.fullmatch(r"[a-z0-9-]+", name):
        raise CheckpointError(f"--name {name!r}: must match [a-z0-9-]+")
    log(f"loaded {src}: grid {ck.grid}, image {ck.image_size}, codebook {ck.uvit_cfg.codebook_size}, "
        f"mask token {ck.mask_token_id}")

    out = Path(out)
    tmp = out.with_name(out.name + ".partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    scratch = Path(tempfile.mkdtemp(prefix="amused-onnx-"))
    g = torch.Generator().manual_seed(seed)
    parity: dict[str, float] = {}
    external: dict[str, str] = {}
    fp16_stats: dict[str, float] = {}
    tok = ck.tok
    S = tok.max_length

    def export(key: str, rel: str, module: torch.nn.Module, feeds: dict[str, torch.Tensor], outputs: list[str],
               dynamic: dict[str, dict[int, str]], like: str | None = None) -> None:
        work = scratch / key
        work.mkdir()
        export_onnx(module, tuple(feeds.values()), work / "model.onnx", list(feeds), outputs, dynamic)
        if like is not None:
            match_io(work / "model.onnx", tmp / like)
        data = finalize_onnx(work / "model.onnx", tmp / rel, external_threshold)
        shutil.rmtree(work)
        if data is not None:
            external[rel] = str(data.relative_to(tmp)).replace(os.sep, "/")

    def emit(key: str, rel: str, module: torch.nn.Module, feeds: dict[str, torch.Tensor], outputs: list[str],
             dynamic: dict[str, dict[int, str]]) -> None:
        export(key, rel, module, feeds, outputs, dynamic)
        parity[key] = check_parity(tmp / rel, module, feeds)
        log(f"  {rel}: parity {parity[key]:.2e}")

    try:
        # Tokenizer: tokenizer.json must reproduce the pipeline's own tokenization.
        (tmp / "text_encoder").mkdir()
        (tmp / "text_encoder/tokenizer.json").write_text(tok.tokenizer_json)
        (tmp / "text_encoder/config.json").write_text(json.dumps(ck.clip_config, indent=2, default=str))
        want = reference_ids(ck.src / "tokenizer", PROMPTS, S)
        got = engine_ids(tok.tokenizer_json, PROMPTS, S, tok.pad_token_id)
        if not torch.equal(want, got):
            row = int((want != got).any(dim=1).nonzero()[0])
            raise CheckpointError(f"{ck.src / 'tokenizer'}: tokenizer.json does not reproduce the pipeline's "
                                  f"tokenization of {PROMPTS[row]!r}")

        # Text encoder: input_ids [B, S] -> hidden_states (penultimate), text_embeds.
        te = ClipTextExport(ck.clip)
        ids = got[:2].clone()
        emit("text_encoder", "text_encoder/model.onnx", te, {"input_ids": ids}, ["hidden_states", "text_embeds"],
             {"input_ids": {0: "batch"}, "hidden_states": {0: "batch"}, "text_embeds": {0: "batch"}})
        with torch.no_grad():
            text_states, pooled = te(ids)

        # VQ encoder / decoder, dynamic spatial size, pixels in [0, 1].
        f = ck.vq_cfg.downsample
        gh, gw = ck.grid
        K = ck.uvit_cfg.codebook_size
        px = torch.rand(2, 3, gh * f, gw * f, generator=g)
        emit("vq_encoder", "vqgan/encoder.onnx", VQEncoderExport(ck.vq), {"pixels": px}, ["tokens"],
             {"pixels": {0: "batch", 2: "height", 3: "width"}, "tokens": {0: "batch", 1: "rows", 2: "cols"}})
        toks = torch.randint(0, K, (2, gh, gw), generator=g)
        emit("vq_decoder", "vqgan/decoder.onnx", VQDecoderExport(ck.vq), {"tokens": toks}, ["pixels"],
             {"tokens": {0: "batch", 1: "rows", 2: "cols"}, "pixels": {0: "batch", 2: "height", 3: "width"}})

        # Transformer: half the positions masked; two different micro-conditioning rows.
        bt = torch.randint(0, K, (2, gh * gw), generator=g)
        bt[torch.rand(2, gh * gw, generator=g) < 0.5] = ck.mask_token_id
        mc = torch.tensor([ck.micro_conditioning(), [gw * f / 2, gh * f / 2, 8.0, 16.0, 5.0]])
        base_feeds = {"tokens": bt, "text_states": text_states, "pooled_text": pooled, "micro_conds": mc}
        base_dynamic = {"tokens": {0: "batch"}, "text_states": {0: "batch"}, "pooled_text": {0: "batch"},
                        "micro_conds": {0: "batch"}, "logits": {0: "batch"}}
        emit("base", "transformer/base.onnx", AmusedBaseExport(ck.uvit), base_feeds, ["logits"], base_dynamic)

        for key, err in parity.items():
            limit = TOKEN_MISMATCH_LIMIT if key == "vq_encoder" else parity_limit
            if not err <= limit:
                raise CheckpointError(f"{key}: ONNX output differs from PyTorch by {err:.3g} (limit {limit:g})")

        if fp16:
            # fp16 copy of the transformer: same I/O as base.onnx (float32), compared with the
            # fp32 module (which base.onnx matches to `parity_limit`) on the same inputs.
            export("base_fp16", BASE_FP16, AmusedBaseExportFp16(ck.uvit), base_feeds, ["logits"], base_dynamic,
                   like="transformer/base.onnx")
            fp16_stats = fp16_agreement(tmp / BASE_FP16, AmusedBaseExport(ck.uvit), base_feeds)
            parity["base_fp16"] = fp16_stats["maxRelErr"]
            log(f"  {BASE_FP16}: vs fp32 max rel {fp16_stats['maxRelErr']:.2e}, max abs "
                f"{fp16_stats['maxAbsErr']:.2e}, argmax agreement {fp16_stats['argmaxAgreement']:.4f}")
            if not fp16_stats["maxRelErr"] <= fp16_parity_limit:
                raise CheckpointError(f"base_fp16: fp16 logits differ from fp32 by {fp16_stats['maxRelErr']:.3g} of "
                                      f"the largest logit (limit {fp16_parity_limit:g}; NaN = non-finite logits)")

        files = sorted(str(q.relative_to(tmp)).replace(os.sep, "/") for q in tmp.rglob("*") if q.is_file())
        h, w = ck.image_size
        manifest = {
            "format": FORMAT,
            "formatVersion": FORMAT_VERSION,
            "name": name,
            "displayName": display_name or (f"aMUSEd {w}×{h}" + (" (fixture)" if fixture else "")),
            "description": ("Tiny random-weight checkpoint in aMUSEd's layout (tests only)." if fixture else
                            f"aMUSEd, Hugging Face's open reproduction of Muse: {w}×{h} in one stage, CLIP-L/14 "
                            f"text encoder, VQ-GAN f={f} with {K} codes. Converted from the diffusers checkpoint."),
            "fixture": fixture,
            "license": LICENSE,
            "provenance": {
                "source": f"diffusers AmusedPipeline checkpoint ({ck.src.resolve().name})",
                "converter": "python -m training.convert.amused",
                "variant": variant or "default",
                "sourceFiles": {str(p.relative_to(ck.src)).replace(os.sep, "/"):
                                {"sha256": sha256_file(p), "bytes": p.stat().st_size} for p in ck.source_files},
                "created": _dt.date.today().isoformat(),
                "opset": OPSET,
                "parity": parity,
                **({"fp16": {"graph": BASE_FP16, "comparedWith": "fp32 transformer (PyTorch)", **fp16_stats}}
                   if fp16 else {}),
            },
            "textEncoder": {"kind": "clip", "onnx": "text_encoder/model.onnx",
                            "tokenizer": "text_encoder/tokenizer.json", "config": "text_encoder/config.json",
                            "maxLength": S, "hiddenSize": int(ck.clip_config["hidden_size"]),
                            "projectionDim": int(ck.clip_config["projection_dim"]), "padTokenId": tok.pad_token_id},
            "vqgan": {"encoder": "vqgan/encoder.onnx", "decoder": "vqgan/decoder.onnx", "downsample": f,
                      "codebookSize": K, "pixelRange": [0, 1]},
            "stages": {"base": {"onnx": "transformer/base.onnx", **({"onnxFp16": BASE_FP16} if fp16 else {}),
                                "grid": [gh, gw], "imageSize": [h, w],
                                "maskTokenId": ck.mask_token_id,
                                # AmusedScheduler anneals the Gumbel noise as linspace(2, 0, T)[i].
                                "confidenceSchedule": "amused",
                                "microConditioning": {"names": MICRO_NAMES, "values": ck.micro_conditioning()},
                                "defaults": dict(DEFAULTS)}},
            **({"externalData": external} if external else {}),
            "files": {q: {"sha256": sha256_file(tmp / q), "bytes": (tmp / q).stat().st_size} for q in files},
        }
        validate_manifest(manifest)     # schemas/manifest.schema.json
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)
    log(f"wrote {out}")
    return parity


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.convert.amused", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--src", required=True, type=Path, help="aMUSEd checkpoint folder (diffusers layout)")
    ap.add_argument("--out", required=True, type=Path, help="package folder to write (replaced atomically)")
    ap.add_argument("--name", help="package id, [a-z0-9-]+ (default: from the --src folder name)")
    ap.add_argument("--display-name")
    ap.add_argument("--variant", help="weights variant to read, e.g. fp16 (default: the plain files, else fp16)")
    ap.add_argument("--fixture", action="store_true", help="mark the package as random test weights")
    ap.add_argument("--parity-limit", type=float, default=PARITY_LIMIT)
    ap.add_argument("--fp16", action="store_true",
                    help="also write an fp16 copy of the transformer (stages.base.onnxFp16, float32 I/O) for "
                         "WebGPU with shader-f16; the text encoder and VQ-GAN stay fp32")
    ap.add_argument("--fp16-parity-limit", type=float, default=FP16_PARITY_LIMIT,
                    help="largest accepted max |fp16 - fp32 logit| / max |logit| (default %(default)g)")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    a = ap.parse_args(argv)
    if a.threads:
        torch.set_num_threads(a.threads)
    try:
        convert(a.src, a.out, name=a.name, display_name=a.display_name, variant=a.variant, fixture=a.fixture,
                parity_limit=a.parity_limit, fp16=a.fp16, fp16_parity_limit=a.fp16_parity_limit)
    except CheckpointError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
