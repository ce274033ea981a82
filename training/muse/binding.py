"""Attribute binding for the text encoder: each object group's attributes read at its noun.

A T5 trained from scratch next to the image transformers learns word identities but hardly which
colour belongs to which object: a linear probe on its state at "house" in "a red house and a blue
tree" finds the other group's colour almost as often as its own (the step-6400 weights: 34% vs
29%), so the base stage's cross-attention sees a bag of words and swaps colours between groups.
Muse's T5-XXL brings that structure from its language pretraining; here the captions' own scene
records supply it: a small head reads each stated group's colour, count, size and position from
the encoder's state at the group's noun, and the kind each colour word belongs to from the
colour word's state (the base stage already reads colours from the colour words, so binding
there is usable at once); its loss trains the encoder to put them there. The head is used in
training only; the exported encoder is unchanged in shape.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..scenes.caption import KIND_NOUNS
from ..scenes.schema import COLORS, COUNTS, KINDS, POSITIONS, SIZES

# Each kind's head nouns (the last word of every phrasing): "little house" -> house.
HEAD_NOUNS = {w.split()[-1]: kind for kind, forms in KIND_NOUNS.items() for pair in forms for w in pair}
FIELDS = (("color", COLORS), ("count", COUNTS), ("size", SIZES), ("position", POSITIONS))
IGNORE = -1


def group_targets(tokens: list[str], stated: dict, max_length: int) -> list[list[int]]:
    """Rows of [token index, colour, count, size, position, kind], IGNORE where there is nothing.

    One row per stated group at its noun (its colour, count, size, position; kind IGNORE) and one
    per stated colour at the colour word (only the kind it belongs to). ``tokens`` are the
    tokenizer's pieces for the caption. Groups are found by their head nouns in caption order,
    which is the order of ``stated["objects"]``, and each group's phrase is contiguous, so the
    k-th colour word belongs to the k-th group that states a colour. A caption whose nouns or
    colour words do not line up with its groups one to one, or whose words fall past the
    encoder's length, gives nothing.
    """
    groups = stated.get("objects", [])
    words = [t.lstrip("▁").lower() for t in tokens]
    nouns = [(i, HEAD_NOUNS[w]) for i, w in enumerate(words) if w in HEAD_NOUNS]
    if len(nouns) != len(groups) or any(kind != g["kind"] for (_, kind), g in zip(nouns, groups)):
        return []
    colour_words = [i for i, w in enumerate(words) if w in COLORS]
    coloured = [g for g in groups if "color" in g]
    if len(colour_words) != len(coloured) or any(words[i] != g["color"] for i, g in zip(colour_words, coloured)):
        return []
    if any(i >= max_length - 1 for i, _ in nouns) or any(i >= max_length - 1 for i in colour_words):
        return []  # truncation keeps the last place for EOS
    out = [[i] + [values.index(g[name]) if name in g else IGNORE for name, values in FIELDS] + [IGNORE]
           for (i, _), g in zip(nouns, groups)]
    out += [[i] + [IGNORE] * len(FIELDS) + [KINDS.index(g["kind"])] for i, g in zip(colour_words, coloured)]
    return out


class BindingHead(nn.Module):
    """Encoder states at group nouns and colour words (M, D) -> one logit block per field."""

    def __init__(self, dim: int):
        super().__init__()
        self.sizes = [len(values) for _, values in FIELDS]
        self.proj = nn.Linear(dim, sum(self.sizes))
        # Its own layer (not more rows of proj), so a head saved before it loads unchanged.
        self.kind = nn.Linear(dim, len(KINDS))

    def forward(self, states: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """states (B,S,D), targets (M, 7) rows of [caption, token, colour, count, size, position, kind].

        Returns (loss, colour accuracy at the nouns). Always runs both layers, even for M = 0, so
        that every parameter takes part in each step (DDP expects it); the loss is then 0.
        """
        h = states[targets[:, 0], targets[:, 1]].float()
        logits = list(self.proj(h).split(self.sizes, dim=-1)) + [self.kind(h)]
        losses = []
        for k, lg in enumerate(logits):
            y = targets[:, 2 + k]
            if (y != IGNORE).any():
                losses.append(F.cross_entropy(lg, y, ignore_index=IGNORE))
        loss = torch.stack(losses).mean() if losses else sum(lg.sum() for lg in logits) * 0.0
        y = targets[:, 2]
        known = y != IGNORE
        acc = (logits[0].argmax(-1)[known] == y[known]).float().mean() if known.any() else torch.tensor(float("nan"))
        return loss, acc


def load_binding(head: BindingHead, state: dict) -> None:
    """Loads a saved head; one saved before the colour words' kind layer keeps that layer fresh."""
    missing, unexpected = head.load_state_dict(state, strict=False)
    if unexpected or any(not k.startswith("kind.") for k in missing):
        raise SystemExit(f"binding head does not fit: missing {missing}, unexpected {unexpected}")
