"""A tiny random aMUSEd checkpoint in the diffusers folder layout, for tests and for engine work
without the real weights: real key names and config fields, scaled-down sizes.

    python -m training.convert.amused_fixture --out /tmp/tiny-amused [--downsample]
    python -m training.convert.amused --src /tmp/tiny-amused --out /tmp/tiny-amused-pkg --fixture
"""
from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import torch

from .uvit import UVit2DConfig, UVit2DModel
from .vqmodel import VQModelConfig, VQModel

BOS, EOS = "<|startoftext|>", "<|endoftext|>"
WORDS = ["a", "an", "the", "photo", "of", "red", "blue", "green", "cat", "dog", "house", "tree", "balloon",
         "over", "sea", "at", "sunset", "night", "mountain", "boat", "city", "painting", "small", "big"]


def byte_to_unicode() -> dict[int, str]:
    """The byte-level BPE alphabet: printable Latin-1 bytes map to themselves, the other bytes to
    code points from 256 upwards, in byte order."""
    keep = set(range(ord("!"), ord("~") + 1)) | set(range(0xA1, 0xAC + 1)) | set(range(0xAE, 0xFF + 1))
    table, extra = {}, 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


def tiny_clip_bpe(words: list[str] = WORDS) -> tuple[dict[str, int], list[str]]:
    """A CLIP-style vocab (alphabet, alphabet+"</w>", merged tokens, BOS, EOS last) whose merges
    build each word of `words` left to right, so those words are single tokens."""
    alphabet = list(byte_to_unicode().values())
    tokens = alphabet + [c + "</w>" for c in alphabet]
    merges: list[str] = []
    seen = set(tokens)
    for w in words:
        parts = list(w[:-1]) + [w[-1] + "</w>"]
        cur = parts[0]
        for nxt in parts[1:]:
            merged = cur + nxt
            if merged not in seen:
                merges.append(f"{cur} {nxt}")
                tokens.append(merged)
                seen.add(merged)
            cur = merged
    tokens += [BOS, EOS]
    return {t: i for i, t in enumerate(tokens)}, merges


def _randomize(module: torch.nn.Module, gen: torch.Generator) -> None:
    """Every parameter random (norm weights near 1, the rest ~ N(0, 1/fan_in)), so a wrong key
    mapping or a skipped layer changes the outputs."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            if p.ndim >= 2:
                fan_in = p[0].numel()
                p.copy_(torch.randn(p.shape, generator=gen) / fan_in ** 0.5)
            elif name.endswith("weight"):
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=gen))
            else:
                p.copy_(0.1 * torch.randn(p.shape, generator=gen))
        for name, p in module.named_parameters():
            if "gamma" in name or "beta" in name:     # GRN: zeros in a fresh model
                p.copy_(0.3 * torch.randn(p.shape, generator=gen))


def _config_json(cfg, class_name: str) -> str:
    d = {"_class_name": class_name, "_diffusers_version": "0.25.0"}
    d.update({k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(cfg).items()})
    return json.dumps(d, indent=2)


def tiny_configs(downsample: bool = False, grid: int = 8) -> tuple[UVit2DConfig, VQModelConfig, dict]:
    clip = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=3, num_attention_heads=4,
                max_position_embeddings=77, projection_dim=24, hidden_act="quick_gelu",
                bos_token_id=0, pad_token_id=1, eos_token_id=2)    # eos 2: the legacy argmax pooling CLIP-L uses
    uvit = UVit2DConfig(hidden_size=32, cond_embed_dim=24, micro_cond_encode_dim=8, micro_cond_embed_dim=40,
                        encoder_hidden_size=32, vocab_size=72, codebook_size=64, in_channels=16,
                        block_out_channels=24, num_res_blocks=2, downsample=downsample, upsample=downsample,
                        block_num_heads=2, num_hidden_layers=2, num_attention_heads=4, intermediate_size=48,
                        sample_size=grid)
    vq = VQModelConfig(block_out_channels=(8, 8, 16, 16, 16), down_block_types=("DownEncoderBlock2D",) * 5,
                       up_block_types=("UpDecoderBlock2D",) * 5, layers_per_block=1, latent_channels=4,
                       num_vq_embeddings=64, norm_num_groups=4, mid_block_add_attention=False,
                       lookup_from_codebook=True, force_upcast=True, sample_size=grid)
    return uvit, vq, clip


def write_tiny_amused(out: Path, downsample: bool = False, grid: int = 8, seed: int = 0) -> Path:
    """Writes model_index.json, transformer/, vqvae/, text_encoder/, tokenizer/, scheduler/."""
    from safetensors.torch import save_file
    from transformers import CLIPTextConfig, CLIPTextModelWithProjection

    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    uvit_cfg, vq_cfg, clip_kw = tiny_configs(downsample, grid)
    vocab, merges = tiny_clip_bpe()
    out = Path(out)
    for sub in ("transformer", "vqvae", "text_encoder", "tokenizer", "scheduler"):
        (out / sub).mkdir(parents=True, exist_ok=True)

    for sub, cfg, cls, name in (("transformer", uvit_cfg, UVit2DModel, "UVit2DModel"),
                                ("vqvae", vq_cfg, VQModel, "VQModel")):
        model = cls(cfg)
        _randomize(model, gen)
        (out / sub / "config.json").write_text(_config_json(cfg, name))
        save_file({k: v.contiguous() for k, v in model.state_dict().items()},
                  str(out / sub / "diffusion_pytorch_model.safetensors"))

    clip = CLIPTextModelWithProjection(CLIPTextConfig(vocab_size=len(vocab), **clip_kw))
    _randomize(clip, gen)
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    try:
        clip.save_pretrained(str(out / "text_encoder"))
    finally:
        hf_logging.enable_progress_bar()

    (out / "tokenizer" / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False))
    (out / "tokenizer" / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n")
    (out / "tokenizer" / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "CLIPTokenizer", "model_max_length": 77, "bos_token": BOS, "eos_token": EOS,
        "pad_token": EOS, "unk_token": EOS, "do_lower_case": True}, indent=2))
    (out / "tokenizer" / "special_tokens_map.json").write_text(json.dumps(
        {"bos_token": BOS, "eos_token": EOS, "pad_token": EOS, "unk_token": EOS}, indent=2))
    (out / "scheduler" / "scheduler_config.json").write_text(json.dumps(
        {"_class_name": "AmusedScheduler", "_diffusers_version": "0.25.0",
         "mask_token_id": uvit_cfg.vocab_size - 1, "masking_schedule": "cosine"}, indent=2))
    (out / "model_index.json").write_text(json.dumps({
        "_class_name": "AmusedPipeline", "_diffusers_version": "0.25.0",
        "scheduler": ["diffusers", "AmusedScheduler"],
        "text_encoder": ["transformers", "CLIPTextModelWithProjection"],
        "tokenizer": ["transformers", "CLIPTokenizer"],
        "transformer": ["diffusers", "UVit2DModel"], "vqvae": ["diffusers", "VQModel"]}, indent=2))
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--downsample", action="store_true", help="512-style UViT with down/up-sampling")
    ap.add_argument("--grid", type=int, default=8, help="token grid side (image side = 16 × grid)")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    print(write_tiny_amused(a.out, a.downsample, a.grid, a.seed))


if __name__ == "__main__":
    main()
