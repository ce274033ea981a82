"""aMUSEd's image tokenizer: diffusers' VQModel (Encoder / Decoder of autoencoders/vae.py,
VectorQuantizer), reimplemented with the same config fields and state_dict keys for the
configuration aMUSEd uses: DownEncoderBlock2D / UpDecoderBlock2D blocks, GroupNorm ("group"
norm_type), SiLU, no mid-block attention, codebook lookup for decoding. Pixels are in [0, 1]
(aMUSEd's pipelines use VaeImageProcessor(do_normalize=False) and clip the decoder output to [0, 1]).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class VQModelConfig:
    """The fields of diffusers' VQModel config.json, with its defaults."""
    in_channels: int = 3
    out_channels: int = 3
    down_block_types: tuple[str, ...] = ("DownEncoderBlock2D",)
    up_block_types: tuple[str, ...] = ("UpDecoderBlock2D",)
    block_out_channels: tuple[int, ...] = (64,)
    layers_per_block: int = 1
    act_fn: str = "silu"
    latent_channels: int = 3
    sample_size: int = 32
    num_vq_embeddings: int = 256
    norm_num_groups: int = 32
    vq_embed_dim: int | None = None
    scaling_factor: float = 0.18215
    norm_type: str = "group"
    mid_block_add_attention: bool = True
    lookup_from_codebook: bool = False
    force_upcast: bool = False

    @property
    def embed_dim(self) -> int:
        return self.vq_embed_dim if self.vq_embed_dim is not None else self.latent_channels

    @property
    def downsample(self) -> int:
        return 2 ** (len(self.block_out_channels) - 1)

    def validate(self) -> str | None:
        n = len(self.block_out_channels)
        if n == 0:
            return "block_out_channels is empty"
        if list(self.down_block_types) != ["DownEncoderBlock2D"] * n:
            return f"down_block_types must be {n}× 'DownEncoderBlock2D' (the only kind aMUSEd uses), got {list(self.down_block_types)}"
        if list(self.up_block_types) != ["UpDecoderBlock2D"] * n:
            return f"up_block_types must be {n}× 'UpDecoderBlock2D' (the only kind aMUSEd uses), got {list(self.up_block_types)}"
        if self.act_fn not in ("silu", "swish"):
            return f"act_fn {self.act_fn!r} is not supported (aMUSEd uses 'silu')"
        if self.norm_type != "group":
            return f"norm_type {self.norm_type!r} is not supported (aMUSEd uses 'group')"
        if self.mid_block_add_attention:
            return "mid_block_add_attention is true: mid-block attention is not implemented (aMUSEd's VQ has none)"
        if self.in_channels != 3 or self.out_channels != 3:
            return "in_channels and out_channels must be 3 (RGB)"
        for c in self.block_out_channels:
            if c % self.norm_num_groups:
                return f"block_out_channels {c} is not a multiple of norm_num_groups {self.norm_num_groups}"
        return None


class ResnetBlock2D(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, groups: int, eps: float = 1e-6):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, in_ch, eps=eps, affine=True)
        self.conv1 = nn.Conv2d(in_ch, out_ch, kernel_size=3, stride=1, padding=1)
        self.norm2 = nn.GroupNorm(groups, out_ch, eps=eps, affine=True)
        self.dropout = nn.Dropout(0.0)
        self.conv2 = nn.Conv2d(out_ch, out_ch, kernel_size=3, stride=1, padding=1)
        self.conv_shortcut = nn.Conv2d(in_ch, out_ch, kernel_size=1) if in_ch != out_ch else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(self.dropout(F.silu(self.norm2(h))))
        if self.conv_shortcut is not None:
            x = self.conv_shortcut(x)
        return x + h


class Downsample(nn.Module):
    """Pad right/bottom by one, 3×3 stride-2 conv (diffusers' Downsample2D with padding=0)."""

    def __init__(self, ch: int):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, kernel_size=3, stride=2, padding=0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.pad(x, (0, 1, 0, 1)))


class Upsample(nn.Module):
    """Nearest ×2, then 3×3 conv (diffusers' Upsample2D with use_conv=True)."""

    def __init__(self, ch: int):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, kernel_size=3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class DownEncoderBlock2D(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, layers: int, groups: int, add_downsample: bool):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(in_ch if i == 0 else out_ch, out_ch, groups) for i in range(layers)])
        self.downsamplers = nn.ModuleList([Downsample(out_ch)]) if add_downsample else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for r in self.resnets:
            x = r(x)
        if self.downsamplers is not None:
            x = self.downsamplers[0](x)
        return x


class UpDecoderBlock2D(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, layers: int, groups: int, add_upsample: bool):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(in_ch if i == 0 else out_ch, out_ch, groups) for i in range(layers)])
        self.upsamplers = nn.ModuleList([Upsample(out_ch)]) if add_upsample else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for r in self.resnets:
            x = r(x)
        if self.upsamplers is not None:
            x = self.upsamplers[0](x)
        return x


class UNetMidBlock2D(nn.Module):
    """Two resnets; without attention (mid_block_add_attention=false) it holds no other weights."""

    def __init__(self, ch: int, groups: int):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(ch, ch, groups), ResnetBlock2D(ch, ch, groups)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for r in self.resnets:
            x = r(x)
        return x


class Encoder(nn.Module):
    def __init__(self, cfg: VQModelConfig):
        super().__init__()
        ch, g = cfg.block_out_channels, cfg.norm_num_groups
        self.conv_in = nn.Conv2d(cfg.in_channels, ch[0], kernel_size=3, stride=1, padding=1)
        self.down_blocks = nn.ModuleList([
            DownEncoderBlock2D(ch[max(i - 1, 0)], ch[i], cfg.layers_per_block, g, add_downsample=i < len(ch) - 1)
            for i in range(len(ch))])
        self.mid_block = UNetMidBlock2D(ch[-1], g)
        self.conv_norm_out = nn.GroupNorm(g, ch[-1], eps=1e-6)
        self.conv_act = nn.SiLU()
        self.conv_out = nn.Conv2d(ch[-1], cfg.latent_channels, kernel_size=3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv_in(x)
        for blk in self.down_blocks:
            x = blk(x)
        x = self.mid_block(x)
        return self.conv_out(self.conv_act(self.conv_norm_out(x)))


class Decoder(nn.Module):
    def __init__(self, cfg: VQModelConfig):
        super().__init__()
        ch, g = cfg.block_out_channels, cfg.norm_num_groups
        rev = list(reversed(ch))
        self.conv_in = nn.Conv2d(cfg.latent_channels, ch[-1], kernel_size=3, stride=1, padding=1)
        self.mid_block = UNetMidBlock2D(ch[-1], g)
        self.up_blocks = nn.ModuleList([
            UpDecoderBlock2D(rev[max(i - 1, 0)], rev[i], cfg.layers_per_block + 1, g, add_upsample=i < len(ch) - 1)
            for i in range(len(ch))])
        self.conv_norm_out = nn.GroupNorm(g, ch[0], eps=1e-6)
        self.conv_act = nn.SiLU()
        self.conv_out = nn.Conv2d(ch[0], cfg.out_channels, kernel_size=3, padding=1)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = self.mid_block(self.conv_in(z))
        for blk in self.up_blocks:
            x = blk(x)
        return self.conv_out(self.conv_act(self.conv_norm_out(x)))


class VectorQuantizer(nn.Module):
    def __init__(self, n_e: int, dim: int):
        super().__init__()
        self.embedding = nn.Embedding(n_e, dim)

    def indices(self, z: torch.Tensor) -> torch.Tensor:
        """[B, C, h, w] -> nearest codebook entry (Euclidean) per cell, [B, h, w] int64."""
        b, c, h, w = z.shape
        flat = z.permute(0, 2, 3, 1).reshape(-1, c)
        e = self.embedding.weight
        d = flat.pow(2).sum(1, keepdim=True) - 2 * flat @ e.t() + e.pow(2).sum(1)[None, :]
        return d.argmin(dim=1).reshape(b, h, w)

    def lookup(self, ids: torch.Tensor) -> torch.Tensor:
        """[B, h, w] -> codebook vectors [B, C, h, w] (get_codebook_entry)."""
        return self.embedding(ids).permute(0, 3, 1, 2)


class VQModel(nn.Module):
    def __init__(self, cfg: VQModelConfig):
        super().__init__()
        self.cfg = cfg
        self.encoder = Encoder(cfg)
        self.quant_conv = nn.Conv2d(cfg.latent_channels, cfg.embed_dim, 1)
        self.quantize = VectorQuantizer(cfg.num_vq_embeddings, cfg.embed_dim)
        self.post_quant_conv = nn.Conv2d(cfg.embed_dim, cfg.latent_channels, 1)
        self.decoder = Decoder(cfg)

    def encode_tokens(self, pixels: torch.Tensor) -> torch.Tensor:
        """pixels [B, 3, H, W] in [0, 1] -> token ids [B, H/f, W/f] (diffusers: encode().latents,
        then quantize(...)[2][2])."""
        return self.quantize.indices(self.quant_conv(self.encoder(pixels)))

    def decode_tokens(self, ids: torch.Tensor) -> torch.Tensor:
        """token ids [B, h, w] -> pixels [B, 3, h·f, w·f] (decode(ids, force_not_quantize=True) with
        lookup_from_codebook); the pipeline clips the result to [0, 1]."""
        return self.decoder(self.post_quant_conv(self.quantize.lookup(ids)))


class VQEncoderExport(nn.Module):
    def __init__(self, vq: VQModel):
        super().__init__()
        self.vq = vq

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        return self.vq.encode_tokens(pixels)


class VQDecoderExport(nn.Module):
    def __init__(self, vq: VQModel):
        super().__init__()
        self.vq = vq

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.vq.decode_tokens(tokens)
