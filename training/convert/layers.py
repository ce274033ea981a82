"""Building blocks of diffusers' UVit2DModel, written for this converter in plain PyTorch.

Class and attribute names follow diffusers so that state_dict keys match its checkpoints
exactly (e.g. `attn1.to_out.0.weight`, `ff.net.0.proj.weight`, `norm1.linear.weight`). Only the
configurations aMUSEd uses are implemented; inference only (dropout layers are kept where they
occupy a key index, e.g. `to_out.1`, `ff.net.1`, and are identities in eval mode).

Half precision (the fp16 transformer graph, `convert --fp16`): with fp16 weights and inputs the
modules compute in float32 what would overflow or lose precision in fp16, as diffusers' fp16 run
of aMUSEd does (RMSNorm's mean square and scaling; the sinusoidal micro-conditioning embedding)
or as PyTorch's fp16 kernels do internally (the global response norm's spatial L2 norm — torch.norm
in diffusers; the attention softmax — scaled_dot_product_attention, with the queries scaled before
the score product). In float32 the modules compute exactly what they did before (the dtype tests
are resolved when tracing, so the fp32 graph has no extra nodes).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


class RMSNorm(nn.Module):
    """x / sqrt(mean(x², last dim) + eps) · weight (weight only with elementwise_affine)."""

    def __init__(self, dim: int, eps: float, elementwise_affine: bool = True):
        super().__init__()
        self.eps = eps
        if elementwise_affine:
            self.weight = nn.Parameter(torch.ones(dim))
        else:
            self.register_parameter("weight", None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dtype == torch.float32:
            x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        else:   # diffusers' RMSNorm in fp16: mean square and scaling in float32, then back
            x32 = x.float()
            x = (x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps)).to(x.dtype)
        return x if self.weight is None else x * self.weight


class GlobalResponseNorm(nn.Module):
    """ConvNeXt-V2 GRN on channels-last input [B, H, W, C]."""

    def __init__(self, dim: int):
        super().__init__()
        self.gamma = nn.Parameter(torch.zeros(1, 1, 1, dim))
        self.beta = nn.Parameter(torch.zeros(1, 1, 1, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # In fp16 the sum of squares over h·w positions overflows; torch.norm (diffusers)
        # accumulates in float32, so the fp16 path computes the normaliser in float32.
        x32 = x if x.dtype == torch.float32 else x.float()
        gx = x32.pow(2).sum(dim=(1, 2), keepdim=True).sqrt()      # L2 norm over the spatial dims
        nx = gx / (gx.mean(dim=-1, keepdim=True) + 1e-6)
        if x.dtype != torch.float32:
            nx = nx.to(x.dtype)
        return self.gamma * (x * nx) + self.beta + x


class Attention(nn.Module):
    """Multi-head (cross-)attention with diffusers' projection names; scale 1/sqrt(head dim)."""

    def __init__(self, query_dim: int, heads: int, dim_head: int, bias: bool, out_bias: bool,
                 cross_attention_dim: int | None = None):
        super().__init__()
        inner = heads * dim_head
        kv_dim = cross_attention_dim if cross_attention_dim is not None else query_dim
        self.heads = heads
        self.scale = dim_head ** -0.5
        self.to_q = nn.Linear(query_dim, inner, bias=bias)
        self.to_k = nn.Linear(kv_dim, inner, bias=bias)
        self.to_v = nn.Linear(kv_dim, inner, bias=bias)
        self.to_out = nn.ModuleList([nn.Linear(inner, query_dim, bias=out_bias), nn.Dropout(0.0)])

    def forward(self, x: torch.Tensor, context: torch.Tensor | None = None) -> torch.Tensor:
        ctx = x if context is None else context
        b, n, _ = x.shape
        h = self.heads

        def split(t: torch.Tensor) -> torch.Tensor:
            return t.reshape(b, t.shape[1], h, -1).transpose(1, 2)    # [B, h, L, d]

        q, k, v = split(self.to_q(x)), split(self.to_k(ctx)), split(self.to_v(ctx))
        if q.dtype == torch.float32:
            w = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) * self.scale, dim=-1)
        else:   # fp16: scale before the product (smaller scores), softmax in float32 (as SDPA)
            s = torch.matmul(q * self.scale, k.transpose(-1, -2))
            w = torch.softmax(s.float(), dim=-1).to(q.dtype)
        o = torch.matmul(w, v).transpose(1, 2).reshape(b, n, -1)
        return self.to_out[1](self.to_out[0](o))


class GEGLU(nn.Module):
    def __init__(self, dim_in: int, dim_out: int, bias: bool):
        super().__init__()
        self.proj = nn.Linear(dim_in, dim_out * 2, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, gate = self.proj(x).chunk(2, dim=-1)
        return h * F.gelu(gate)


class FeedForward(nn.Module):
    """net.0 = GEGLU (diffusers' default activation "geglu"), net.1 dropout, net.2 out projection."""

    def __init__(self, dim: int, inner_dim: int, bias: bool):
        super().__init__()
        self.net = nn.ModuleList([GEGLU(dim, inner_dim, bias), nn.Dropout(0.0), nn.Linear(inner_dim, dim, bias=bias)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.net:
            x = layer(x)
        return x


class AdaLayerNormContinuous(nn.Module):
    """norm(x) · (1 + scale) + shift, with [scale, shift] = linear(silu(cond))."""

    def __init__(self, dim: int, cond_dim: int, elementwise_affine: bool, eps: float, bias: bool, norm_type: str):
        super().__init__()
        self.silu = nn.SiLU()
        self.linear = nn.Linear(cond_dim, dim * 2, bias=bias)
        if norm_type == "rms_norm":
            self.norm = RMSNorm(dim, eps, elementwise_affine)
        elif norm_type == "layer_norm":
            self.norm = nn.LayerNorm(dim, eps, elementwise_affine, bias=bias)
        else:
            raise ValueError(norm_type)

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        scale, shift = self.linear(self.silu(cond)).chunk(2, dim=1)
        return self.norm(x) * (1 + scale)[:, None, :] + shift[:, None, :]


class BasicTransformerBlock(nn.Module):
    """diffusers' BasicTransformerBlock with norm_type="ada_norm_continuous" (norm1/norm2 RMS,
    norm3 LayerNorm), self-attention, cross-attention to the text, GEGLU feed-forward."""

    def __init__(self, dim: int, heads: int, cross_dim: int, bias: bool, cond_dim: int,
                 elementwise_affine: bool, eps: float, ff_inner_dim: int):
        super().__init__()
        head_dim = dim // heads
        self.norm1 = AdaLayerNormContinuous(dim, cond_dim, elementwise_affine, eps, bias, "rms_norm")
        self.attn1 = Attention(dim, heads, head_dim, bias=bias, out_bias=bias)
        self.norm2 = AdaLayerNormContinuous(dim, cond_dim, elementwise_affine, eps, bias, "rms_norm")
        self.attn2 = Attention(dim, heads, head_dim, bias=bias, out_bias=bias, cross_attention_dim=cross_dim)
        self.norm3 = AdaLayerNormContinuous(dim, cond_dim, elementwise_affine, eps, bias, "layer_norm")
        self.ff = FeedForward(dim, ff_inner_dim, bias)

    def forward(self, x: torch.Tensor, text: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        x = self.attn1(self.norm1(x, cond)) + x
        x = self.attn2(self.norm2(x, cond), text) + x
        return self.ff(self.norm3(x, cond)) + x


class SkipFFTransformerBlock(nn.Module):
    """Two cross-attentions to the (optionally re-projected) text, no feed-forward."""

    def __init__(self, dim: int, heads: int, head_dim: int, kv_input_dim: int, kv_bias: bool,
                 cross_dim: int, attention_bias: bool, attention_out_bias: bool):
        super().__init__()
        self.kv_mapper = nn.Linear(kv_input_dim, dim, kv_bias) if kv_input_dim != dim else None
        self.norm1 = RMSNorm(dim, 1e-6)
        self.attn1 = Attention(dim, heads, head_dim, bias=attention_bias, out_bias=attention_out_bias,
                               cross_attention_dim=cross_dim)
        self.norm2 = RMSNorm(dim, 1e-6)
        self.attn2 = Attention(dim, heads, head_dim, bias=attention_bias, out_bias=attention_out_bias,
                               cross_attention_dim=cross_dim)

    def forward(self, x: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
        if self.kv_mapper is not None:
            text = self.kv_mapper(F.silu(text))
        x = self.attn1(self.norm1(x), text) + x
        return self.attn2(self.norm2(x), text) + x


class TimestepEmbedding(nn.Module):
    def __init__(self, in_channels: int, dim: int, bias: bool):
        super().__init__()
        self.linear_1 = nn.Linear(in_channels, dim, bias)
        self.act = nn.SiLU()
        self.linear_2 = nn.Linear(dim, dim, bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear_2(self.act(self.linear_1(x)))


def sinusoidal_embedding(values: torch.Tensor, dim: int, max_period: float = 10000.0) -> torch.Tensor:
    """[N] -> [N, dim]: [cos(v·f_k), sin(v·f_k)] with f_k = max_period^(−k/(dim/2)), k < dim/2
    (diffusers' get_timestep_embedding with flip_sin_to_cos=True, downscale_freq_shift=0)."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32) / half)
    args = values.float()[:, None] * freqs[None, :]
    emb = torch.cat([torch.cos(args), torch.sin(args)], dim=-1)
    if dim % 2 == 1:
        emb = F.pad(emb, (0, 1))
    return emb
