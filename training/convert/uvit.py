"""aMUSEd's transformer: diffusers' UVit2DModel, reimplemented with the same config fields and
state_dict keys (only what aMUSEd uses; inference only).

Forward, as in diffusers: the CLIP penultimate hidden states are projected to hidden_size and
RMS-normed; the 5 micro-conditioning values are each embedded sinusoidally (micro_cond_encode_dim
each), concatenated after the pooled projected CLIP embedding and mapped by `cond_embed` to the
adaptive-norm condition; token ids are embedded per grid cell, pass a ConvNeXt/attention block
(optionally downsampled ×2), a stack of transformer layers over the flattened grid, a second
block (optionally upsampled ×2), and a 1×1-conv MLM head giving logits [B, codebook_size, h, w].
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .layers import (BasicTransformerBlock, GlobalResponseNorm, RMSNorm, SkipFFTransformerBlock,
                     TimestepEmbedding, sinusoidal_embedding)


@dataclass
class UVit2DConfig:
    """The fields of diffusers' UVit2DModel config.json, with its defaults."""
    hidden_size: int = 1024
    use_bias: bool = False
    hidden_dropout: float = 0.0
    cond_embed_dim: int = 768
    micro_cond_encode_dim: int = 256
    micro_cond_embed_dim: int = 1280
    encoder_hidden_size: int = 768
    vocab_size: int = 8256
    codebook_size: int = 8192
    in_channels: int = 768
    block_out_channels: int = 768
    num_res_blocks: int = 3
    downsample: bool = False
    upsample: bool = False
    block_num_heads: int = 12
    num_hidden_layers: int = 22
    num_attention_heads: int = 16
    attention_dropout: float = 0.0
    intermediate_size: int = 2816
    layer_norm_eps: float = 1e-6
    ln_elementwise_affine: bool = True
    sample_size: int = 64

    @property
    def num_micro_conds(self) -> int:
        return self.micro_cond_embed_dim // self.micro_cond_encode_dim

    def validate(self) -> str | None:
        if self.hidden_size % self.num_attention_heads:
            return f"hidden_size {self.hidden_size} is not a multiple of num_attention_heads {self.num_attention_heads}"
        if self.block_out_channels % self.block_num_heads:
            return f"block_out_channels {self.block_out_channels} is not a multiple of block_num_heads {self.block_num_heads}"
        if self.micro_cond_encode_dim <= 0 or self.micro_cond_embed_dim % self.micro_cond_encode_dim:
            return (f"micro_cond_embed_dim {self.micro_cond_embed_dim} is not a multiple of "
                    f"micro_cond_encode_dim {self.micro_cond_encode_dim}")
        if self.codebook_size >= self.vocab_size:
            return f"codebook_size {self.codebook_size} leaves no room for the mask token in vocab_size {self.vocab_size}"
        if self.downsample != self.upsample:
            return "downsample and upsample must be equal (the grid must come back to its input size)"
        if self.downsample and self.sample_size % 2:
            return f"sample_size {self.sample_size} must be even when downsample is true"
        if self.sample_size <= 0:
            return f"sample_size must be positive, got {self.sample_size}"
        return None


class UVit2DConvEmbed(nn.Module):
    def __init__(self, in_channels: int, block_out_channels: int, vocab_size: int, affine: bool, eps: float, bias: bool):
        super().__init__()
        self.embeddings = nn.Embedding(vocab_size, in_channels)
        self.layer_norm = RMSNorm(in_channels, eps, affine)
        self.conv = nn.Conv2d(in_channels, block_out_channels, kernel_size=1, bias=bias)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:             # [B, h, w] -> [B, C, h, w]
        x = self.layer_norm(self.embeddings(ids))
        return self.conv(x.permute(0, 3, 1, 2))


class ConvNextBlock(nn.Module):
    def __init__(self, channels: int, eps: float, affine: bool, bias: bool, hidden_size: int, res_ffn_factor: int = 4):
        super().__init__()
        wide = channels * res_ffn_factor
        self.depthwise = nn.Conv2d(channels, channels, kernel_size=3, padding=1, groups=channels, bias=bias)
        self.norm = RMSNorm(channels, eps, affine)
        self.channelwise_linear_1 = nn.Linear(channels, wide, bias=bias)
        self.channelwise_act = nn.GELU()
        self.channelwise_norm = GlobalResponseNorm(wide)
        self.channelwise_linear_2 = nn.Linear(wide, channels, bias=bias)
        self.channelwise_dropout = nn.Dropout(0.0)
        self.cond_embeds_mapper = nn.Linear(hidden_size, channels * 2, bias)

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        h = self.norm(self.depthwise(x).permute(0, 2, 3, 1))
        h = self.channelwise_linear_2(self.channelwise_norm(self.channelwise_act(self.channelwise_linear_1(h))))
        x = self.channelwise_dropout(h).permute(0, 3, 1, 2) + x
        scale, shift = self.cond_embeds_mapper(F.silu(cond)).chunk(2, dim=1)
        return x * (1 + scale[:, :, None, None]) + shift[:, :, None, None]


class Downsample2D(nn.Module):
    """RMS norm over channels, pad right/bottom by one, 2×2 stride-2 conv (diffusers' Downsample2D
    with norm_type="rms_norm", kernel_size=2, padding=0)."""

    def __init__(self, channels: int, eps: float, affine: bool, bias: bool):
        super().__init__()
        self.norm = RMSNorm(channels, eps, affine)
        self.conv = nn.Conv2d(channels, channels, kernel_size=2, stride=2, padding=0, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.norm(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        return self.conv(F.pad(x, (0, 1, 0, 1)))


class Upsample2D(nn.Module):
    """RMS norm over channels, 2×2 stride-2 transposed conv (use_conv_transpose, interpolate=False)."""

    def __init__(self, channels: int, eps: float, affine: bool, bias: bool):
        super().__init__()
        self.norm = RMSNorm(channels, eps, affine)
        self.conv = nn.ConvTranspose2d(channels, channels, kernel_size=2, stride=2, padding=0, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(self.norm(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2))


class UVitBlock(nn.Module):
    def __init__(self, cfg: UVit2DConfig, downsample: bool, upsample: bool):
        super().__init__()
        c = cfg.block_out_channels
        eps, affine, bias = cfg.layer_norm_eps, cfg.ln_elementwise_affine, cfg.use_bias
        self.downsample = Downsample2D(c, eps, affine, bias) if downsample else None
        self.res_blocks = nn.ModuleList([ConvNextBlock(c, eps, affine, bias, cfg.hidden_size)
                                         for _ in range(cfg.num_res_blocks)])
        self.attention_blocks = nn.ModuleList([
            SkipFFTransformerBlock(c, cfg.block_num_heads, c // cfg.block_num_heads, cfg.hidden_size, bias,
                                   c, attention_bias=bias, attention_out_bias=bias)
            for _ in range(cfg.num_res_blocks)])
        self.upsample = Upsample2D(c, eps, affine, bias) if upsample else None

    def forward(self, x: torch.Tensor, cond: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
        if self.downsample is not None:
            x = self.downsample(x)
        for res, attn in zip(self.res_blocks, self.attention_blocks):
            x = res(x, cond)
            b, c, h, w = x.shape
            x = attn(x.reshape(b, c, h * w).permute(0, 2, 1), text)
            x = x.permute(0, 2, 1).reshape(b, c, h, w)
        if self.upsample is not None:
            x = self.upsample(x)
        return x


class ConvMlmLayer(nn.Module):
    def __init__(self, block_out_channels: int, in_channels: int, bias: bool, affine: bool, eps: float, codebook_size: int):
        super().__init__()
        self.conv1 = nn.Conv2d(block_out_channels, in_channels, kernel_size=1, bias=bias)
        self.layer_norm = RMSNorm(in_channels, eps, affine)
        self.conv2 = nn.Conv2d(in_channels, codebook_size, kernel_size=1, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.layer_norm(self.conv1(x).permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        return self.conv2(x)


class UVit2DModel(nn.Module):
    def __init__(self, cfg: UVit2DConfig):
        super().__init__()
        self.cfg = cfg
        eps, affine, bias = cfg.layer_norm_eps, cfg.ln_elementwise_affine, cfg.use_bias
        self.encoder_proj = nn.Linear(cfg.encoder_hidden_size, cfg.hidden_size, bias=bias)
        self.encoder_proj_layer_norm = RMSNorm(cfg.hidden_size, eps, affine)
        self.embed = UVit2DConvEmbed(cfg.in_channels, cfg.block_out_channels, cfg.vocab_size, affine, eps, bias)
        self.cond_embed = TimestepEmbedding(cfg.micro_cond_embed_dim + cfg.cond_embed_dim, cfg.hidden_size, bias)
        self.down_block = UVitBlock(cfg, downsample=cfg.downsample, upsample=False)
        self.project_to_hidden_norm = RMSNorm(cfg.block_out_channels, eps, affine)
        self.project_to_hidden = nn.Linear(cfg.block_out_channels, cfg.hidden_size, bias=bias)
        self.transformer_layers = nn.ModuleList([
            BasicTransformerBlock(cfg.hidden_size, cfg.num_attention_heads, cfg.hidden_size, bias, cfg.hidden_size,
                                  affine, eps, cfg.intermediate_size)
            for _ in range(cfg.num_hidden_layers)])
        self.project_from_hidden_norm = RMSNorm(cfg.hidden_size, eps, affine)
        self.project_from_hidden = nn.Linear(cfg.hidden_size, cfg.block_out_channels, bias=bias)
        self.up_block = UVitBlock(cfg, downsample=False, upsample=cfg.upsample)
        self.mlm_layer = ConvMlmLayer(cfg.block_out_channels, cfg.in_channels, bias, affine, eps, cfg.codebook_size)

    def forward(self, input_ids: torch.Tensor, encoder_hidden_states: torch.Tensor,
                pooled_text_emb: torch.Tensor, micro_conds: torch.Tensor) -> torch.Tensor:
        """input_ids [B, h, w] (mask token allowed), encoder_hidden_states [B, S, encoder_hidden_size],
        pooled_text_emb [B, cond_embed_dim], micro_conds [B, 5] -> logits [B, codebook_size, h, w]."""
        text = self.encoder_proj_layer_norm(self.encoder_proj(encoder_hidden_states))
        micro = sinusoidal_embedding(micro_conds.flatten(), self.cfg.micro_cond_encode_dim)
        micro = micro.reshape(input_ids.shape[0], -1)
        if micro.dtype != pooled_text_emb.dtype:   # fp16 model: the embedding is computed in float32
            micro = micro.to(pooled_text_emb.dtype)
        cond = self.cond_embed(torch.cat([pooled_text_emb, micro], dim=1))

        x = self.down_block(self.embed(input_ids), cond, text)
        b, c, h, w = x.shape
        x = self.project_to_hidden(self.project_to_hidden_norm(x.permute(0, 2, 3, 1).reshape(b, h * w, c)))
        for layer in self.transformer_layers:
            x = layer(x, text, cond)
        x = self.project_from_hidden(self.project_from_hidden_norm(x))
        x = x.reshape(b, h, w, c).permute(0, 3, 1, 2)
        return self.mlm_layer(self.up_block(x, cond, text))


class AmusedBaseExport(nn.Module):
    """The studio's base-stage graph for CLIP packages (docs/MODEL_PACKAGE.md): tokens [B, N]
    row-major, text_states [B, S, D], pooled_text [B, P], micro_conds [B, 5] -> logits [B, N, K]."""

    def __init__(self, model: UVit2DModel):
        super().__init__()
        self.model = model
        self.grid = (model.cfg.sample_size, model.cfg.sample_size)

    def forward(self, tokens, text_states, pooled_text, micro_conds):
        ids = tokens.reshape(-1, self.grid[0], self.grid[1])
        logits = self.model(ids, text_states, pooled_text, micro_conds)   # [B, K, h, w]
        return logits.reshape(logits.shape[0], logits.shape[1], -1).permute(0, 2, 1)


def half_copy(model: UVit2DModel) -> UVit2DModel:
    """An fp16 copy of `model` (eval mode), built without a transient fp32 copy: the real
    transformer is 2.4 GB in fp32, 1.2 GB in fp16."""
    with torch.device("meta"):
        half = UVit2DModel(model.cfg)
    if any(True for _ in half.buffers()):
        raise AssertionError("UVit2DModel has buffers; half_copy would have to initialise them")
    half = half.half().to_empty(device="cpu")
    half.load_state_dict(model.state_dict())      # copies each tensor into fp16, one at a time
    return half.eval()


class AmusedBaseExportFp16(nn.Module):
    """The fp16 copy of the base graph (`stages.base.onnxFp16`, `convert --fp16`): the same inputs
    and outputs as AmusedBaseExport, float32 included, so the engine feeds both alike. Inside, an
    fp16 copy of the weights; text_states and pooled_text are cast to fp16 at the input,
    micro_conds stays float32 through the sinusoidal embedding (values up to the image size,
    whose sin/cos fp16 arguments could not resolve), and the logits are cast back to float32.
    RMSNorm, the global response norm and the attention softmax keep their statistics in float32
    (layers.py), as diffusers' fp16 run of aMUSEd and PyTorch's fp16 kernels do."""

    def __init__(self, model: UVit2DModel):
        super().__init__()
        self.inner = AmusedBaseExport(half_copy(model))

    def forward(self, tokens, text_states, pooled_text, micro_conds):
        logits = self.inner(tokens, text_states.half(), pooled_text.half(), micro_conds)
        return logits.float()
