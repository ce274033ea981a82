"""aMUSEd's text side: transformers' CLIPTextModelWithProjection (CLIP-L/14 in the real model) and
the CLIP byte-level BPE tokenizer.

aMUSEd's pipeline tokenizes with padding="max_length" (77) and truncation, runs the encoder with
NO attention mask (only CLIP's causal mask) and output_hidden_states=True, and uses
`hidden_states[-2]` (the output of the second-to-last encoder layer, before the final layer
norm) as the transformer's encoder_hidden_states and `text_embeds` (the projected pooled output)
as its pooled condition. The exported graph reproduces exactly that.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch

from .checkpoint import CheckpointError, fmt_shape


@dataclass
class ClipTokenizerInfo:
    tokenizer_json: str
    max_length: int
    pad_token_id: int
    bos_token_id: int
    eos_token_id: int


def load_text_encoder(folder: Path, variant: str | None):
    """CLIPTextModelWithProjection from a transformers folder (config.json + model.safetensors),
    float32, failing on any missing, unexpected or mis-shaped tensor."""
    from transformers import CLIPTextConfig, CLIPTextModelWithProjection

    cfg_path = folder / "config.json"
    if not cfg_path.is_file():
        raise CheckpointError(f"{cfg_path}: missing (expected a CLIPTextModelWithProjection config)")
    try:
        cfg = CLIPTextConfig.from_pretrained(str(folder))
    except Exception as e:  # noqa: BLE001
        raise CheckpointError(f"{cfg_path}: not a CLIP text config ({e})") from None
    weights = [p.name for p in folder.glob("*.safetensors")] + [p.name for p in folder.glob("*.safetensors.index.json")]
    if not weights:
        raise CheckpointError(f"{folder}: no model.safetensors (pickled .bin weights are not loaded by this converter)")
    kwargs = {"variant": variant} if variant else {}
    if not variant and not (folder / "model.safetensors").is_file() and not (folder / "model.safetensors.index.json").is_file() \
            and (folder / "model.fp16.safetensors").is_file():
        kwargs = {"variant": "fp16"}
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()        # its load report is replaced by the messages below
    hf_logging.disable_progress_bar()
    try:
        model, info = CLIPTextModelWithProjection.from_pretrained(
            str(folder), config=cfg, dtype=torch.float32, use_safetensors=True, output_loading_info=True,
            ignore_mismatched_sizes=True, **kwargs)
    except Exception as e:  # noqa: BLE001 - unreadable or absent files surface here
        raise CheckpointError(f"{folder.name}/: cannot load CLIPTextModelWithProjection ({e})") from None
    finally:
        hf_logging.set_verbosity(verbosity)
        hf_logging.enable_progress_bar()
    label = f"{folder.name}/model{'.' + kwargs['variant'] if kwargs else ''}.safetensors"
    problems = [f"{label}: missing tensor {k!r}" for k in sorted(info.get("missing_keys") or [])]
    problems += [f"{label}: unexpected tensor {k!r} (not part of CLIPTextModelWithProjection for its config)"
                 for k in sorted(info.get("unexpected_keys") or [])]
    for item in sorted(info.get("mismatched_keys") or [], key=str):
        k, got, want = item if isinstance(item, tuple) and len(item) == 3 else (item, None, None)
        problems.append(f"{label}: {k!r} has a shape the config does not imply" if got is None else
                        f"{label}: {k!r} has shape {fmt_shape(got)} but the config implies {fmt_shape(want)}")
    if problems:
        raise CheckpointError("\n".join(problems))
    return model.eval()


def load_tokenizer(folder: Path, max_positions: int) -> ClipTokenizerInfo:
    """The CLIP tokenizer (vocab.json + merges.txt, or tokenizer.json) as a `tokenizers` JSON."""
    from transformers import CLIPTokenizer

    if not folder.is_dir():
        raise CheckpointError(f"{folder}: missing (expected the CLIP tokenizer files vocab.json, merges.txt)")
    try:
        tok = CLIPTokenizer.from_pretrained(str(folder))
    except Exception as e:  # noqa: BLE001
        raise CheckpointError(f"{folder}/: not a CLIP tokenizer ({e})") from None
    for name in ("bos_token_id", "eos_token_id"):
        if getattr(tok, name) is None:
            raise CheckpointError(f"{folder}/: the tokenizer has no {name[:-3]}")
    pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    max_length = tok.model_max_length if 0 < tok.model_max_length <= max_positions else max_positions
    backend = json.loads(tok.backend_tokenizer.to_str())
    backend["truncation"] = None     # the engine truncates (keeping EOS) and pads itself
    backend["padding"] = None
    return ClipTokenizerInfo(json.dumps(backend, ensure_ascii=False), int(max_length), int(pad),
                             int(tok.bos_token_id), int(tok.eos_token_id))


def reference_ids(folder: Path, prompts: list[str], max_length: int) -> torch.Tensor:
    """The pipeline's own tokenization (transformers, padding to max_length, truncation)."""
    from transformers import CLIPTokenizer

    tok = CLIPTokenizer.from_pretrained(str(folder))
    return tok(prompts, padding="max_length", truncation=True, max_length=max_length, return_tensors="pt").input_ids


def engine_ids(tokenizer_json: str, prompts: list[str], max_length: int, pad_id: int) -> torch.Tensor:
    """Tokenization as the studio engine does it from tokenizer.json: encode (the post-processor adds
    BOS/EOS), keep the first max_length−1 ids and the EOS when too long, pad with pad_id."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_str(tokenizer_json)
    out = torch.full((len(prompts), max_length), pad_id, dtype=torch.long)
    for i, p in enumerate(prompts):
        ids = tok.encode(p).ids
        if len(ids) > max_length:
            ids = ids[: max_length - 1] + ids[-1:]
        out[i, : len(ids)] = torch.tensor(ids)
    return out


class ClipTextExport(torch.nn.Module):
    """input_ids [B, S] -> (hidden_states [B, S, D] = penultimate layer, text_embeds [B, P])."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor):
        out = self.model(input_ids=input_ids, output_hidden_states=True, return_dict=True)
        return out.hidden_states[-2], out.text_embeds
