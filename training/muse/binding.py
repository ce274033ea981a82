"""Attribute binding for the text encoder: each object group's attributes read at its noun.

A T5 trained from scratch next to the image transformers learns word identities but hardly which
colour belongs to which object: a linear probe on its state at "house" in "a red house and a blue
tree" finds the other group's colour almost as often as its own (the step-6400 weights: 34% vs
29%), so the base stage's cross-attention sees a bag of words and swaps colours between groups.
Muse's T5-XXL brings that structure from its language pretraining; here the captions' own scene
records supply it: a small head reads each stated group's colour, count, size and position from
the encoder's state at the group's noun, and its loss trains the encoder to put them there. The
head is used in training only; the exported encoder is unchanged in shape.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..scenes.caption import KIND_NOUNS
from ..scenes.schema import COLORS, COUNTS, POSITIONS, SIZES

# Each kind's head nouns (the last word of every phrasing): "little house" -> house.
HEAD_NOUNS = {w.split()[-1]: kind for kind, forms in KIND_NOUNS.items() for pair in forms for w in pair}
FIELDS = (("color", COLORS), ("count", COUNTS), ("size", SIZES), ("position", POSITIONS))
IGNORE = -1


def group_targets(tokens: list[str], stated: dict, max_length: int) -> list[list[int]]:
    """[token index, colour, count, size, position] per stated group (IGNORE where unstated).

    ``tokens`` are the tokenizer's pieces for the caption; groups are found by their head nouns in
    caption order, which is the order of ``stated["objects"]``. A caption whose nouns do not line
    up with its groups one to one, or whose noun falls past the encoder's length, gives nothing.
    """
    groups = stated.get("objects", [])
    nouns = [(i, HEAD_NOUNS[t.lstrip("▁").lower()]) for i, t in enumerate(tokens)
             if t.lstrip("▁").lower() in HEAD_NOUNS]
    if len(nouns) != len(groups) or any(kind != g["kind"] for (_, kind), g in zip(nouns, groups)):
        return []
    out = []
    for (i, _), g in zip(nouns, groups):
        if i >= max_length - 1:  # truncation keeps the last place for EOS
            return []
        out.append([i] + [values.index(g[name]) if name in g else IGNORE for name, values in FIELDS])
    return out


class BindingHead(nn.Module):
    """Encoder states at group nouns (M, D) -> one logit block per field."""

    def __init__(self, dim: int):
        super().__init__()
        self.sizes = [len(values) for _, values in FIELDS]
        self.proj = nn.Linear(dim, sum(self.sizes))

    def forward(self, states: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """states (B,S,D), targets (M, 6) rows of [caption, token, colour, count, size, position].

        Returns (loss, colour accuracy). Always runs the projection, even for M = 0, so that every
        parameter takes part in each step (DDP expects it); the loss is then 0.
        """
        h = states[targets[:, 0], targets[:, 1]].float()
        logits = self.proj(h).split(self.sizes, dim=-1)
        losses = []
        for k, lg in enumerate(logits):
            y = targets[:, 2 + k]
            if (y != IGNORE).any():
                losses.append(F.cross_entropy(lg, y, ignore_index=IGNORE))
        loss = torch.stack(losses).mean() if losses else logits[0].sum() * 0.0
        y = targets[:, 2]
        known = y != IGNORE
        acc = (logits[0].argmax(-1)[known] == y[known]).float().mean() if known.any() else torch.tensor(float("nan"))
        return loss, acc
