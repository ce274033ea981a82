"""Masked token transformers for the base and super-resolution stages (Muse).

Both read text through cross-attention on the T5 encoder's last hidden states. The base stage
attends over its whole (small) token grid. The super-res stage sees 1024 tokens; to train it on
two CPU cores it alternates *block* attention (each 8x8 window of tokens) and *grid* attention
(tokens at the same offset in every window, i.e. strided, global), as MaxViT does: together
they mix information over the whole grid at a fraction of full attention's cost. The low-res
tokens condition it additively: each low-res token's embedding is added to the high-res
positions it covers, which keeps the conditioning spatially aligned.
"""
from __future__ import annotations

from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class StageConfig:
    grid: tuple[int, int] = (8, 8)
    codebook_size: int = 1024
    dim: int = 256
    heads: int = 4
    layers: int = 4
    text_dim: int = 256
    mlp_ratio: int = 4
    low_res_grid: tuple[int, int] | None = None  # set for the super-res stage
    window: int = 8                               # block/grid attention window (super-res)
    # Add a fixed 2-D sine-cosine code of (row, column) through a learned gain. The Scenes base
    # stage needs it: its backgrounds are horizontal bands, so a learned position embedding alone
    # came to encode the row (70% of its variance) and hardly the column (4%; tokens 8 columns
    # apart had cosine 0.67), and objects were drawn as bands along their row.
    pos_2d: bool = False

    @property
    def mask_token_id(self) -> int:
        return self.codebook_size

    @property
    def num_tokens(self) -> int:
        return self.grid[0] * self.grid[1]

    def to_dict(self) -> dict:
        return asdict(self)

    @staticmethod
    def from_dict(d: dict) -> "StageConfig":
        d = dict(d)
        d["grid"] = tuple(d["grid"])
        if d.get("low_res_grid") is not None:
            d["low_res_grid"] = tuple(d["low_res_grid"])
        return StageConfig(**d)


class Attention(nn.Module):
    def __init__(self, dim: int, heads: int, kv_dim: int | None = None):
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(dim, dim)
        self.kv = nn.Linear(kv_dim or dim, 2 * dim)
        self.out = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor, ctx: torch.Tensor, bias: torch.Tensor | None = None):
        b, n, d = x.shape
        h = self.heads
        q = self.q(x).reshape(b, n, h, d // h).transpose(1, 2)
        k, v = self.kv(ctx).reshape(b, ctx.shape[1], 2, h, d // h).permute(2, 0, 3, 1, 4)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=bias)
        return self.out(y.transpose(1, 2).reshape(b, n, d))


def _to_windows(x: torch.Tensor, rows: int, cols: int, w: int, grid_mode: bool) -> torch.Tensor:
    """(B, rows*cols, D) -> (B*groups, w*w, D); block groups are windows, grid groups strided."""
    b, _, d = x.shape
    x = x.reshape(b, rows // w, w, cols // w, w, d) if not grid_mode else \
        x.reshape(b, w, rows // w, w, cols // w, d)
    # block: (b, R, w, C, w) -> (b, R, C, w, w); grid: (b, w, R, w, C) -> (b, R, C, w, w)
    x = x.permute(0, 1, 3, 2, 4, 5) if not grid_mode else x.permute(0, 2, 4, 1, 3, 5)
    return x.reshape(-1, w * w, d)


def _from_windows(x: torch.Tensor, b: int, rows: int, cols: int, w: int, grid_mode: bool):
    d = x.shape[-1]
    x = x.reshape(b, rows // w, cols // w, w, w, d)
    x = x.permute(0, 1, 3, 2, 4, 5) if not grid_mode else x.permute(0, 3, 1, 4, 2, 5)
    return x.reshape(b, rows * cols, d)


class Block(nn.Module):
    def __init__(self, cfg: StageConfig, local: str | None):
        super().__init__()
        self.cfg = cfg
        self.local = local  # None (full attention), "block" or "grid"
        self.n1 = nn.LayerNorm(cfg.dim)
        self.self_attn = Attention(cfg.dim, cfg.heads)
        self.n2 = nn.LayerNorm(cfg.dim)
        self.cross_attn = Attention(cfg.dim, cfg.heads, kv_dim=cfg.text_dim)
        self.n3 = nn.LayerNorm(cfg.dim)
        self.mlp = nn.Sequential(nn.Linear(cfg.dim, cfg.mlp_ratio * cfg.dim), nn.GELU(),
                                 nn.Linear(cfg.mlp_ratio * cfg.dim, cfg.dim))

    def forward(self, x: torch.Tensor, text: torch.Tensor, text_bias: torch.Tensor):
        h = self.n1(x)
        if self.local is None:
            x = x + self.self_attn(h, h)
        else:
            rows, cols = self.cfg.grid
            w = self.cfg.window
            g = self.local == "grid"
            hw = _to_windows(h, rows, cols, w, g)
            x = x + _from_windows(self.self_attn(hw, hw), x.shape[0], rows, cols, w, g)
        h = self.n2(x)
        x = x + self.cross_attn(h, text, text_bias)
        return x + self.mlp(self.n3(x))


def sincos_2d(rows: int, cols: int, dim: int) -> torch.Tensor:
    """(1, rows*cols, dim): the first half of each vector codes the row, the second the column, each
    as sines and cosines of geometrically spaced frequencies (periods 2*pi .. 2*pi*4*max(rows, cols))."""
    if dim % 4:
        raise ValueError(f"sincos_2d: dim {dim} must be a multiple of 4")
    q = dim // 4
    freqs = (4.0 * max(rows, cols)) ** (-torch.arange(q, dtype=torch.float32) / q)

    def code(n: int) -> torch.Tensor:
        a = torch.arange(n, dtype=torch.float32)[:, None] * freqs
        return torch.cat([a.sin(), a.cos()], dim=1)

    y = code(rows)[:, None, :].expand(rows, cols, 2 * q)
    x = code(cols)[None, :, :].expand(rows, cols, 2 * q)
    return torch.cat([y, x], dim=-1).reshape(1, rows * cols, dim)


class MaskedTransformer(nn.Module):
    """tokens (B,N) [+ low_res_tokens (B,N_low)], text_states (B,S,Dt), text_mask (B,S) -> logits (B,N,K)."""

    def __init__(self, cfg: StageConfig):
        super().__init__()
        self.cfg = cfg
        self.tok = nn.Embedding(cfg.codebook_size + 1, cfg.dim)
        self.pos = nn.Parameter(torch.randn(1, cfg.num_tokens, cfg.dim) * 0.02)
        if cfg.pos_2d:
            # Not saved: computed from the config. The gain starts near the learned embedding's size
            # in a trained v2 base (norm ~3 against the code's ~11).
            self.register_buffer("pos_code", sincos_2d(*cfg.grid, cfg.dim), persistent=False)
            self.pos_gain = nn.Parameter(torch.tensor(0.25))
        self.text_proj = nn.Linear(cfg.text_dim, cfg.text_dim)
        self.low_res = None
        if cfg.low_res_grid is not None:
            lr, lc = cfg.low_res_grid
            if cfg.grid[0] % lr or cfg.grid[1] % lc:
                raise ValueError("StageConfig: grid must be a multiple of low_res_grid")
            if cfg.grid[0] % cfg.window or cfg.grid[1] % cfg.window:
                raise ValueError("StageConfig: grid must be a multiple of window")
            self.low_res = nn.Embedding(cfg.codebook_size, cfg.dim)
        kinds: list[str | None]
        if cfg.low_res_grid is None:
            kinds = [None] * cfg.layers
        else:
            kinds = ["block" if i % 2 == 0 else "grid" for i in range(cfg.layers)]
        self.blocks = nn.ModuleList(Block(cfg, k) for k in kinds)
        self.norm = nn.LayerNorm(cfg.dim)
        self.head = nn.Linear(cfg.dim, cfg.codebook_size)

    def forward(self, tokens: torch.Tensor, text_states: torch.Tensor, text_mask: torch.Tensor,
                low_res_tokens: torch.Tensor | None = None) -> torch.Tensor:
        x = self.tok(tokens) + self.pos
        if self.cfg.pos_2d:
            x = x + self.pos_gain * self.pos_code
        if self.low_res is not None:
            if low_res_tokens is None:
                raise ValueError("super-res stage needs low_res_tokens")
            lr, lc = self.cfg.low_res_grid  # type: ignore[misc]
            rows, cols = self.cfg.grid
            e = self.low_res(low_res_tokens).reshape(-1, lr, lc, self.cfg.dim)
            e = e.repeat_interleave(rows // lr, dim=1).repeat_interleave(cols // lc, dim=2)
            x = x + e.reshape(-1, rows * cols, self.cfg.dim)
        text = self.text_proj(text_states)
        # Additive key bias: padding positions get -inf-like weight. A large finite value keeps
        # the all-padding row (never used) from producing NaN.
        bias = ((1.0 - text_mask.to(x.dtype)) * -1e4)[:, None, None, :]
        for blk in self.blocks:
            x = blk(x, text, bias)
        return self.head(self.norm(x))


class BaseExport(nn.Module):
    def __init__(self, m: MaskedTransformer):
        super().__init__()
        self.m = m

    def forward(self, tokens, text_states, text_mask):
        return self.m(tokens, text_states, text_mask)


class SuperResExport(nn.Module):
    def __init__(self, m: MaskedTransformer):
        super().__init__()
        self.m = m

    def forward(self, tokens, low_res_tokens, text_states, text_mask):
        return self.m(tokens, text_states, text_mask, low_res_tokens)
