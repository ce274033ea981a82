"""The tensor names and shapes (safetensors headers, no data) of aMUSEd-256 at its published sizes,
for the direct route's graph builder to be checked at full size without the 3.5 GB of weights:
tests/fixtures/amused-256-shapes.json (plus amused-512's transformer as "transformer_512"). Modules are built on torch's meta device from the configs
below; their parameter counts equal the published ones (transformer 603,537,664, VQ-GAN 146,244,675,
CLIP-L with projection 123,650,304; training/convert/README.md), which is how the configs were checked.

    scripts/py.sh -m training.make_amused_shapes [--out tests/fixtures/amused-256-shapes.json]
"""
from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import torch

from .convert.uvit import UVit2DConfig, UVit2DModel
from .convert.vqmodel import VQModel, VQModelConfig

CLIP_L = dict(vocab_size=49408, hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12,
              projection_dim=768, hidden_act="quick_gelu", max_position_embeddings=77, layer_norm_eps=1e-5, eos_token_id=2)
UVIT_256 = UVit2DConfig(sample_size=16)     # diffusers' defaults are aMUSEd's sizes, but for the grid
UVIT_512 = UVit2DConfig(sample_size=32, downsample=True, upsample=True)     # 608,257,792 parameters
VQ = VQModelConfig(block_out_channels=(128, 256, 256, 512, 768), down_block_types=("DownEncoderBlock2D",) * 5,
                   up_block_types=("UpDecoderBlock2D",) * 5, layers_per_block=2, latent_channels=64,
                   num_vq_embeddings=8192, norm_num_groups=32, mid_block_add_attention=False,
                   lookup_from_codebook=True, force_upcast=True, sample_size=32)


def _header(module: torch.nn.Module) -> tuple[dict, int]:
    head, off = {}, 0
    for k, v in module.state_dict().items():
        n = v.numel() * 4
        head[k] = {"dtype": "F32", "shape": list(v.shape), "data_offsets": [off, off + n]}
        off += n
    return head, sum(v.numel() for v in module.state_dict().values())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="tests/fixtures/amused-256-shapes.json", type=Path)
    a = ap.parse_args()
    from transformers import CLIPTextConfig, CLIPTextModelWithProjection

    with torch.device("meta"):
        parts = {"transformer": UVit2DModel(UVIT_256), "transformer_512": UVit2DModel(UVIT_512), "vqvae": VQModel(VQ),
                 "text_encoder": CLIPTextModelWithProjection(CLIPTextConfig(**CLIP_L))}
    configs = {"transformer": {"_class_name": "UVit2DModel", **dataclasses.asdict(UVIT_256)},
               "transformer_512": {"_class_name": "UVit2DModel", **dataclasses.asdict(UVIT_512)},
               "vqvae": {"_class_name": "VQModel", **{k: list(v) if isinstance(v, tuple) else v
                                                      for k, v in dataclasses.asdict(VQ).items()}},
               "text_encoder": {"architectures": ["CLIPTextModelWithProjection"], "model_type": "clip_text_model", **CLIP_L}}
    out = {}
    for name, module in parts.items():
        header, params = _header(module)
        out[name] = {"config": configs[name], "params": params, "header": header}
        print(name, params)
    a.out.write_text(json.dumps(out) + "\n")
    print("wrote", a.out)


if __name__ == "__main__":
    main()
