"""Trains the T5 text encoder, the base and the super-res masked transformers together (resumable,
bf16 where the hardware has it, distributed under torchrun).

    .venv/bin/python -m training.train_transformers --run training/runs/scenes [--steps 14000]
    torchrun --nproc_per_node 2 -m training.train_transformers --run-dir ...      # DDP, gloo or NCCL

Each step draws a base batch (16x16 tokens of 128x128 images) and a super-res batch (32x32 tokens
of 256x256 images with the 16x16 tokens as condition), captions them afresh (varied phrasing,
partial descriptions), replaces ~10% of captions by "" for classifier-free guidance, masks
tokens with Muse's cosine schedule (a fifth of samples inside a random rectangle, so inpainting
and outpainting work zero-shot), and minimises label-smoothed cross-entropy on masked tokens.
Base tokens that show part of an object weigh `--object-weight` times the others: they are a
tenth of the tokens, and the background's loss stops improving early (its VQ codes are noisy among
near-equal ones), so with equal weights most of the gradient is spent on noise while the objects,
which the prompt is about, learn slowly. `--bind-weight` adds the text encoder's binding loss
(muse/binding.py): each stated group's attributes read from the encoder's state at its noun, and
the kind from each colour word's. A new text encoder's relative position bias starts local
(`--position-bias`), without which it stays a bag of words, and `--text-warmup` trains it on the
binding loss alone before the image stages join.

Learning rate: linear warm-up, then constant, then a linear decay over the last `--decay-frac`
of the steps (warmup-stable-decay). The checkpoint taken when the decay starts is kept as
`transformers.stable.pt`; raising `--steps` later continues from wherever the run is, re-warming
to the peak if it had already decayed, so a plateau can be told apart from the schedule's end.

Under torchrun every rank draws its own batches (seeds offset by rank), gradients are averaged
by DistributedDataParallel, and only rank 0 logs and saves. The effective batch is world x batch.
"""
from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from tokenizers import Tokenizer

from .build_edit_pairs import PAIRS_FILE, VALIDATION_SCENES
from .common import Dist, Run, atomic_save, load_checkpoint, precision
from .muse.binding import IGNORE, BindingHead, group_targets, load_binding
from .muse.text import encode_batch, local_position_bias, make_t5, pack_ids, t5_config
from .muse.transformer import MaskedTransformer, StageConfig
from .scenes.caption import caption
from .scenes.placement import placement_captions, placement_score
from .scenes.regions import OBJECTS_KEY
from .scenes.schema import TIMES, Scene

MAX_LEN = 32
COND_DROP = 0.1
RECT_FRACTION = 0.2
LABEL_SMOOTHING = 0.1
CKPT_KEYS = ("t5", "base", "sr", "step", "configs")


def configs(vocab: int, base_grid: tuple[int, int] = (16, 16)) -> dict:
    """The Scenes family's sizes (a `--config` JSON with the same keys overrides them)."""
    return {
        "t5": t5_config(vocab, d_model=256, layers=2, heads=4, d_ff=768).to_dict(),
        # The 2-D position code from the first step: added late, the stage never learned to place
        # objects from the prompt (training/README.md, "2-D position code").
        "base": StageConfig(grid=base_grid, codebook_size=1024, dim=256, heads=4, layers=6, text_dim=256,
                            pos_2d=True).to_dict(),
        "super_res": StageConfig(grid=(32, 32), codebook_size=1024, dim=128, heads=4, layers=4, text_dim=256,
                                 low_res_grid=base_grid, window=8).to_dict(),
    }


def check_configs(cfgs: dict, vocab: int, base_tokens: int, sr_tokens: int | None) -> None:
    """Refuses configs that disagree with the data before any step is spent on them."""
    from transformers import T5Config

    for key in ("t5", "base", "super_res"):
        if key not in cfgs:
            raise SystemExit(f"config: missing section {key!r}")
    if cfgs["t5"]["vocab_size"] != vocab:
        raise SystemExit(f"config: t5.vocab_size {cfgs['t5']['vocab_size']} but the tokenizer has {vocab} pieces")
    base, sr = StageConfig.from_dict(cfgs["base"]), StageConfig.from_dict(cfgs["super_res"])
    t5 = T5Config.from_dict(cfgs["t5"])
    for name, c in (("base", base), ("super_res", sr)):
        if c.text_dim != t5.d_model:
            raise SystemExit(f"config: {name}.text_dim {c.text_dim} must equal t5.d_model {t5.d_model}")
        if c.dim % c.heads:
            raise SystemExit(f"config: {name}.dim {c.dim} is not a multiple of heads {c.heads}")
    if base.num_tokens != base_tokens:
        raise SystemExit(f"config: base grid {base.grid} has {base.num_tokens} tokens but tokens.npz holds "
                         f"{base_tokens} per base image (rebuild tokens or fix the grid)")
    if sr_tokens is not None and sr.num_tokens != sr_tokens:
        raise SystemExit(f"config: super_res grid {sr.grid} has {sr.num_tokens} tokens but tokens.npz holds {sr_tokens}")
    if tuple(sr.low_res_grid or ()) != tuple(base.grid):
        raise SystemExit(f"config: super_res.low_res_grid {sr.low_res_grid} must equal base.grid {base.grid}")


def mask_tokens(tokens: torch.Tensor, grid: tuple[int, int], mask_id: int, g: torch.Generator):
    """Returns (inputs with mask ids, bool mask of positions to predict)."""
    b, n = tokens.shape
    rows, cols = grid
    # Muse's cosine masking rate: r = cos(pi/2 * u), u ~ U(0, 1).
    r = torch.cos(math.pi / 2 * torch.rand(b, generator=g))
    region = torch.ones(b, rows, cols, dtype=torch.bool)
    rect = torch.rand(b, generator=g) < RECT_FRACTION
    for i in rect.nonzero().flatten().tolist():
        h = int(torch.randint(1, rows + 1, (1,), generator=g))
        w = int(torch.randint(1, cols + 1, (1,), generator=g))
        y = int(torch.randint(0, rows - h + 1, (1,), generator=g))
        x = int(torch.randint(0, cols - w + 1, (1,), generator=g))
        region[i] = False
        region[i, y:y + h, x:x + w] = True
    region = region.reshape(b, n)
    size = region.sum(1)
    k = torch.clamp((r * size).ceil().long(), min=1)
    score = torch.rand(b, n, generator=g).masked_fill(~region, 2.0)
    order = score.argsort(1)
    ranks = torch.empty_like(order)
    ranks.scatter_(1, order, torch.arange(n).expand(b, n))
    mask = ranks < k[:, None]
    return tokens.masked_fill(mask.to(tokens.device), mask_id), mask.to(tokens.device)


def masked_ce(logits: torch.Tensor, target: torch.Tensor, mask: torch.Tensor, weight: torch.Tensor | None = None):
    """Label-smoothed cross-entropy over the masked positions, a weighted mean when `weight` (B, N)
    is given; accuracy is always the plain fraction of masked positions predicted right."""
    lg = logits[mask].float()
    tg = target[mask]
    acc = (lg.argmax(-1) == tg).float().mean()
    if weight is None:
        return F.cross_entropy(lg, tg, label_smoothing=LABEL_SMOOTHING), acc
    w = weight[mask].float()
    ce = F.cross_entropy(lg, tg, label_smoothing=LABEL_SMOOTHING, reduction="none")
    return (ce * w).sum() / w.sum(), acc


def object_weights(objects: torch.Tensor | None, idx: np.ndarray, weight: float) -> torch.Tensor | None:
    """Per-token loss weights for base images `idx`: `weight` on object tokens, 1 elsewhere."""
    if objects is None or weight == 1.0:
        return None
    return 1.0 + (weight - 1.0) * objects[idx].float()


# The optimizer's settings besides the learning rate, for the joint training and the text warm-up.
ADAMW = {"betas": (0.9, 0.98), "weight_decay": 0.02}


class Captioner:
    def __init__(self, scenes: list[dict], tok: Tokenizer, seed: int):
        self.scenes = [Scene.from_dict(s) for s in scenes]
        self.tok = tok
        self.rng = np.random.default_rng(seed)

    def __call__(self, idx: np.ndarray) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(ids, attention mask, binding targets: rows of [caption, token, colour, count, size, position, kind])."""
        texts, stated = [], []
        for i in idx:
            if self.rng.random() < COND_DROP:
                texts.append("")
                stated.append({})
            else:
                text, said = caption(self.scenes[i], self.rng, full=self.rng.random() < 0.3)
                texts.append(text)
                stated.append(said)
        encodings = self.tok.encode_batch(texts)
        rows = [[n] + r for n, (enc, said) in enumerate(zip(encodings, stated))
                for r in group_targets(enc.tokens, said, MAX_LEN)]
        ids, am = pack_ids(encodings, MAX_LEN)
        return ids, am, torch.tensor(rows, dtype=torch.long).reshape(-1, 7)


class Family(nn.Module):
    """T5 + base + super-res as one module, so one DDP wrapper averages all their gradients."""

    def __init__(self, cfgs: dict):
        super().__init__()
        from transformers import T5Config

        self.t5 = make_t5(T5Config.from_dict(cfgs["t5"]))
        self.base = MaskedTransformer(StageConfig.from_dict(cfgs["base"]))
        self.sr = MaskedTransformer(StageConfig.from_dict(cfgs["super_res"]))
        self.bind = BindingHead(cfgs["t5"]["d_model"])

    def forward(self, ids, am, n_base: int, xb, xs, low, bind_targets):
        text = self.t5(input_ids=ids, attention_mask=am).last_hidden_state
        lb = self.base(xb, text[:n_base], am[:n_base])
        ls = self.sr(xs, text[n_base:], am[n_base:], low)
        return lb, ls, self.bind(text, bind_targets)


def with_pos_2d(cfgs: dict, on: bool) -> tuple[dict, bool]:
    """`cfgs` with the base's 2-D position code switched on when `on`, and whether that adds it."""
    if not on or cfgs["base"].get("pos_2d", False):
        return cfgs, False
    return {**cfgs, "base": {**cfgs["base"], "pos_2d": True}}, True


def load_base(base: nn.Module, state: dict, gaining_pos_2d: bool) -> None:
    """Loads base weights; a model that gains the 2-D position code keeps its fresh gain."""
    if not gaining_pos_2d:
        base.load_state_dict(state)
        return
    missing, unexpected = base.load_state_dict(state, strict=False)
    if set(missing) != {"pos_gain"} or unexpected:
        raise SystemExit(f"base weights do not fit the model: missing {missing}, unexpected {unexpected}")


def lr_at(step: int, a, rewarm: tuple[int, float] | None) -> float:
    """Warmup-stable-decay; after a resume from a lower rate, ramp back up over `a.warmup` steps."""
    decay_start = int(a.steps * (1 - a.decay_frac))
    if step < decay_start:
        lr = a.lr * min(1.0, (step + 1) / a.warmup)
    else:
        frac = (step - decay_start) / max(1, a.steps - decay_start)
        lr = a.lr * (1 - (1 - a.final_lr_frac) * frac)
    if rewarm is not None:
        s0, lr0 = rewarm
        lr = min(lr, lr0 + (a.lr - lr0) * min(1.0, (step - s0 + 1) / a.warmup))
    return lr


class EditPairs(NamedTuple):
    index: np.ndarray  # the scene each pair shows (rows of tokens.npz)
    base: torch.Tensor  # its base tokens at the other time
    scenes: list[dict]  # its record at the other time (what the caption says)


def load_edit_pairs(run: Run, share: float, scenes: list[dict], base_tok: torch.Tensor,
                    dev: torch.device) -> EditPairs | None:
    if not share:
        return None
    if not 0 < share < 1:
        raise SystemExit(f"--edit-pairs is a share of the base batch, between 0 and 1; got {share}")
    run.need(PAIRS_FILE, hint="run training.build_edit_pairs first")
    with np.load(run.path(PAIRS_FILE)) as d:
        index, base, times = d["index"].astype(np.int64), d["base"].astype(np.int64), d["time"]
    if base.shape[1] != base_tok.shape[1] or index.max(initial=-1) >= len(base_tok) - VALIDATION_SCENES:
        raise SystemExit(f"{run.path(PAIRS_FILE)} does not fit tokens.npz (other token grid, or pairs from "
                         "validation scenes): rebuild it with training.build_edit_pairs")
    run.log(f"edit pairs: {len(index)} scenes at another time of day, {share:.0%} of each base batch")
    return EditPairs(index, torch.from_numpy(base).to(dev),
                     [{**scenes[i], "time": TIMES[t]} for i, t in zip(index, times)])


def with_edit_pairs(bi: np.ndarray, base_tok: torch.Tensor, pairs: EditPairs | None, n_pairs: int, n_scenes: int,
                    rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor, np.ndarray]:
    """A base batch's tokens shown, tokens scored and caption rows (of scenes + pairs.scenes).

    The last `n_pairs` rows (replaced in `bi`, so their object weights follow) show a scene at
    its own time of day but are captioned and scored at the pair's other time."""
    if not n_pairs:
        src = base_tok[bi]
        return src, src, bi
    pi = rng.integers(0, len(pairs.index), n_pairs)
    bi[-n_pairs:] = pairs.index[pi]
    src = base_tok[bi]
    target = src.clone()
    target[-n_pairs:] = pairs.base[pi]
    return src, target, np.concatenate([bi[:-n_pairs], n_scenes + pi])


def parse_slopes(text: str) -> list[float]:
    try:
        slopes = [float(x) for x in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"slopes are comma-separated numbers, got {text!r}") from None
    if any(not math.isfinite(x) or x < 0 for x in slopes):
        raise argparse.ArgumentTypeError(f"slopes are finite and >= 0, got {text!r}")
    return slopes


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # `--run-dir` as well, because torchrun's own parser takes `--run` for an abbreviation of its
    # `--run-path` even after the module name.
    ap.add_argument("--run-dir", "--run", dest="run", default="training/runs/scenes")
    ap.add_argument("--steps", type=int, default=14000)
    ap.add_argument("--base-batch", type=int, default=32, help="per rank")
    ap.add_argument("--sr-batch", type=int, default=8, help="per rank")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--warmup", type=int, default=500)
    ap.add_argument("--decay-frac", type=float, default=0.2)
    ap.add_argument("--final-lr-frac", type=float, default=0.05)
    ap.add_argument("--object-weight", type=float, default=4.0,
                    help="loss weight of base tokens that show an object (tokens.npz base_objects); 1 = equal")
    ap.add_argument("--bind-weight", type=float, default=0.0,
                    help="weight of the text encoder's binding loss (training/muse/binding.py; 0 = off)")
    ap.add_argument("--edit-pairs", type=float, default=0.0,
                    help="share of each base batch drawn from run/edit_pairs.npz (training.build_edit_pairs): "
                         "shown the scene at one time of day, captioned and scored at another; 0 = none")
    ap.add_argument("--pos-2d", action="store_true",
                    help="give the base stage the 2-D position code (StageConfig.pos_2d; the default sizes "
                         "have it): a run resumed without it, or a --config without it, gains it (a resumed "
                         "run with a fresh optimizer state)")
    ap.add_argument("--precision", default="auto", choices=["auto", "bf16", "fp32"])
    ap.add_argument("--threads", type=int, default=0, help="torch threads per rank (0: cores / ranks)")
    ap.add_argument("--config", default=None, help="JSON with t5/base/super_res configs (default: the Scenes sizes)")
    ap.add_argument("--init-from", default=None, help="weights-only checkpoint (e.g. a committed bf16 one) to start from")
    ap.add_argument("--position-bias", choices=("local", "t5"), default="local",
                    help="start of a new text encoder's relative position bias: 'local' prefers near words "
                         "(muse/text.py local_position_bias), 't5' is T5's small random start")
    ap.add_argument("--position-slopes", type=parse_slopes, default=None,
                    help="the local start's slope per head, comma-separated (e.g. 0,0.5,1,2: a slope of 0 sees "
                         "the whole caption alike); default 1/4 to 2 spread geometrically")
    ap.add_argument("--reset-position-bias", action="store_true",
                    help="with --init-from: keep the loaded text encoder but restart its position bias local")
    ap.add_argument("--new-text-encoder", action="store_true",
                    help="with --init-from: a new text encoder (and binding head) instead of the loaded one; "
                         "the image stages are loaded")
    ap.add_argument("--text-warmup", type=int, default=0,
                    help="steps training a new text encoder alone on the binding loss before the image stages "
                         "join (a fresh run, or --new-text-encoder); 0 = none")
    ap.add_argument("--time-budget-min", type=float, default=0,
                    help="end (with the decay) within this many minutes of wall time; 0 = no limit")
    ap.add_argument("--save-every", type=int, default=200)
    ap.add_argument("--keep-every", type=int, default=1000,
                    help="also keep weights-only copies every N steps in run/keep/ (learning curves, ablations); 0 = none")
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--val-every", type=int, default=1000)
    ap.add_argument("--allow-world-change", action="store_true",
                    help="resume with a different number of ranks (changes the effective batch)")
    ap.add_argument("--dump-rank-weights", action="store_true", help="each rank writes rank<r>.pt at the end (tests)")
    return ap.parse_args(argv)


def different_colours(targets: torch.Tensor) -> torch.Tensor:
    """Rows of binding targets from captions stating two different colours: where a colour can go
    to the wrong noun (on the others a bag of words is right)."""
    colours: dict[int, set[int]] = {}
    for c, colour in targets[targets[:, 2] != IGNORE][:, [0, 2]].tolist():
        colours.setdefault(c, set()).add(colour)
    two = torch.tensor([c for c, cs in colours.items() if len(cs) >= 2], dtype=torch.long)
    return torch.isin(targets[:, 0], two)


def warm_text_encoder(model: Family, scenes: list[dict], tok: Tokenizer, n_train: int, steps: int, batch: int,
                      lr: float, dev: torch.device, prec, run: Run) -> tuple[float, float]:
    """Trains a new text encoder and the binding head alone on the binding loss; returns the colour
    accuracy at the noun on held-out captions with two different colours, before and after.

    The image stages then start from an encoder that already ties each colour, count, size and
    position to its noun. A trained encoder given the local start afterwards stays a bag of words
    (training/README "The text encoder's position bias").
    """
    params = list(model.t5.parameters()) + list(model.bind.parameters())
    opt = torch.optim.AdamW(params, lr=lr, **ADAMW)
    rng = np.random.default_rng(50_000)
    cap, vcap = Captioner(scenes, tok, seed=40_000), Captioner(scenes, tok, seed=7)

    def two_colour_accuracy() -> float:
        with torch.no_grad(), prec.autocast():
            ids, am, vt = vcap(np.arange(n_train, len(scenes)))
            text = model.t5(input_ids=ids.to(dev), attention_mask=am.to(dev)).last_hidden_state
            return model.bind(text, vt[different_colours(vt)].to(dev))[1].item()

    before = two_colour_accuracy()
    t0 = time.time()
    for _ in range(steps):
        ids, am, bt = cap(rng.integers(0, n_train, batch))
        with prec.autocast():
            text = model.t5(input_ids=ids.to(dev), attention_mask=am.to(dev)).last_hidden_state
            loss, _ = model.bind(text, bt.to(dev))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    after = two_colour_accuracy()
    run.log(f"text encoder warmed up on the binding loss for {steps} steps ({time.time() - t0:.0f} s): colour "
            f"at the noun on captions with two different colours {before:.3f} -> {after:.3f}")
    return before, after


def main(argv=None) -> None:
    a = parse_args(argv)
    dist = Dist()
    run = Run(a.run, "transformers", main=dist.main)
    import os

    threads = a.threads or max(1, (os.cpu_count() or 2) // dist.world)
    torch.set_num_threads(threads)
    run.need("tokens.npz", "scenes.json", "tokenizer.json", hint="run training.build_tokens first")
    data = np.load(run.path("tokens.npz"))
    dev = dist.device
    base_tok = torch.from_numpy(data["base"].astype(np.int64)).to(dev)
    sr_tok = torch.from_numpy(data["sr"].astype(np.int64)).to(dev)
    objects = torch.from_numpy(data[OBJECTS_KEY].astype(bool)).to(dev) if OBJECTS_KEY in data.files else None
    if objects is None and a.object_weight != 1.0:
        raise SystemExit(f"{run.path('tokens.npz')} has no object masks (base_objects) for --object-weight "
                         f"{a.object_weight}: run python -m training.build_tokens --run {a.run} to add them, "
                         "or pass --object-weight 1")
    scenes = json.loads(run.path("scenes.json").read_text())
    tok = Tokenizer.from_file(str(run.path("tokenizer.json")))
    pairs = load_edit_pairs(run, a.edit_pairs, scenes, base_tok, dev)
    side = int(round(math.sqrt(base_tok.shape[1])))
    cfgs = json.loads(Path(a.config).read_text()) if a.config else configs(tok.get_vocab_size(), (side, side))
    prec = precision(a.precision, dev)

    ckpt = run.path("transformers.pt")
    st = load_checkpoint(ckpt, "transformers", CKPT_KEYS) if ckpt.exists() else None
    if st is not None:
        cfgs = st["configs"]
        if st.get("world", 1) != dist.world and not a.allow_world_change:
            raise SystemExit(f"{ckpt} was trained with {st.get('world', 1)} process(es) but this launch has "
                             f"{dist.world}; relaunch with the same number, or pass --allow-world-change")
    check_configs(cfgs, tok.get_vocab_size(), base_tok.shape[1], sr_tok.shape[1])
    cfgs, gained_pos_2d = with_pos_2d(cfgs, a.pos_2d)
    model = Family(cfgs).to(dev)
    step, rewarm = 0, None
    if st is not None:
        model.t5.load_state_dict(st["t5"]), model.sr.load_state_dict(st["sr"])
        load_base(model.base, st["base"], gained_pos_2d)
        if "bind" in st:
            load_binding(model.bind, st["bind"])
        step = st["step"]
        if gained_pos_2d:
            st.pop("opt", None)  # the optimizer's state has no slot for the new gain
            run.log("the base stage gains the 2-D position code (--pos-2d); optimizer state starts fresh")
    elif a.init_from:
        w = load_checkpoint(Path(a.init_from), "transformers", CKPT_KEYS)
        check_configs(w["configs"], tok.get_vocab_size(), base_tok.shape[1], sr_tok.shape[1])
        w_cfgs, gaining = with_pos_2d(w["configs"], a.pos_2d)
        if w_cfgs != cfgs:
            cfgs = w_cfgs
            model = Family(cfgs).to(dev)
        model.sr.load_state_dict({k: v.float() for k, v in w["sr"].items()})
        load_base(model.base, {k: v.float() for k, v in w["base"].items()}, gaining)
        if not a.new_text_encoder:
            model.t5.load_state_dict({k: v.float() for k, v in w["t5"].items()})
            if "bind" in w:
                load_binding(model.bind, {k: v.float() for k, v in w["bind"].items()})
        step = w["step"]
        rewarm = (step, a.lr * 0.01)  # fresh optimizer moments: ramp up again
        run.log(f"initialised from {a.init_from} at step {step} (optimizer state starts fresh)"
                + ("; a new text encoder (--new-text-encoder)" if a.new_text_encoder else ""))
        if a.reset_position_bias and not a.new_text_encoder:
            local_position_bias(model.t5, a.position_slopes)
            run.log("the loaded text encoder's position bias restarts local (--reset-position-bias)")
    elif a.new_text_encoder or a.reset_position_bias:
        raise SystemExit("--new-text-encoder and --reset-position-bias need --init-from (a new run has a new "
                         "text encoder anyway; a resumed run keeps its own)")
    new_text = st is None and (not a.init_from or a.new_text_encoder)
    heads = cfgs["t5"]["num_heads"]
    if a.position_slopes is not None and len(a.position_slopes) != heads:
        raise SystemExit(f"--position-slopes: the text encoder has {heads} heads, "
                         f"{len(a.position_slopes)} slopes given")
    if new_text and a.position_bias == "local":
        local_position_bias(model.t5, a.position_slopes)
        run.log("the text encoder's position bias starts local (--position-bias local"
                + (f", slopes {a.position_slopes})" if a.position_slopes else ")"))
    if new_text and a.text_warmup:
        if dist.main:  # the other ranks receive its weights when DDP wraps the model below
            warm_text_encoder(model, scenes, tok, len(base_tok) - VALIDATION_SCENES, a.text_warmup,
                              a.base_batch + a.sr_batch, a.lr, dev, prec, run)
        dist.barrier()
    ddp = dist.wrap(model)
    params = list(model.parameters())
    # The binding head's layers are parameter groups of their own, in the order they were added
    # to this code, so the optimizer state of a run saved before one existed still loads: the
    # groups it has are loaded, the newer ones added after.
    later = [list(model.bind.proj.parameters()), list(model.bind.kind.parameters())]
    in_later = {id(p) for g in later for p in g}
    opt = torch.optim.AdamW([p for p in params if id(p) not in in_later], lr=a.lr, **ADAMW)
    saved = len(st["opt"]["param_groups"]) - 1 if st is not None and "opt" in st else len(later)
    for g in later[:saved]:
        opt.add_param_group({"params": g})
    if st is not None:
        if "opt" in st:
            opt.load_state_dict(st["opt"])
        else:
            rewarm = (step, a.lr * 0.01)
        last_lr = st.get("lr", a.lr)
        if last_lr < lr_at(step, a, None) * 0.99:
            rewarm = (step, last_lr)
        run.log(f"resumed at step {step} (lr was {last_lr:.2e}{', re-warming' if rewarm else ''})")
    for g in later[saved:]:
        opt.add_param_group({"params": g})

    n_params = {k: sum(p.numel() for p in getattr(model, k).parameters()) / 1e6 for k in ("t5", "base", "sr")}
    run.log(f"params: t5 {n_params['t5']:.2f}M base {n_params['base']:.2f}M super-res {n_params['sr']:.2f}M | "
            f"{prec.why} | world {dist.world} x (base {a.base_batch}, sr {a.sr_batch}) | threads {threads} | "
            f"device {dev} | steps {a.steps} | object weight {a.object_weight if objects is not None else 'n/a'} | "
            f"base positions {'learned + 2-D code' if cfgs['base'].get('pos_2d') else 'learned'} | "
            f"binding weight {a.bind_weight}")
    # Hold out the last scenes of each set to watch generalisation.
    nb, ns = len(base_tok) - VALIDATION_SCENES, len(sr_tok) - 64
    seed = 1_000_003 * dist.rank + step
    g = torch.Generator().manual_seed(10_000 + seed)
    rng = np.random.default_rng(20_000 + seed)
    # Edit pairs are captioned as the scene at their other time: scenes.json's rows, then theirs.
    cap = Captioner(scenes + (pairs.scenes if pairs else []), tok, seed=30_000 + seed)
    n_pairs = round(a.edit_pairs * a.base_batch) if pairs else 0
    K = model.base.cfg.codebook_size
    decay_start = int(a.steps * (1 - a.decay_frac))
    t_start = t0 = time.time()
    step0 = step
    stats: list[list[float]] = []

    wall0 = st.get("wall", 0.0) if st is not None else 0.0

    def save(path: Path, with_opt: bool = True) -> None:
        if dist.main:
            state = {"kind": "transformers", "t5": model.t5.state_dict(), "base": model.base.state_dict(),
                     "sr": model.sr.state_dict(), "bind": model.bind.state_dict(), "step": step, "lr": lr,
                     "configs": cfgs, "world": dist.world,
                     "precision": prec.name, "wall": wall0 + time.time() - t_start,
                     "object_weight": a.object_weight, "bind_weight": a.bind_weight}
            if with_opt:
                state["opt"] = opt.state_dict()
            atomic_save(state, path)

    placement = placement_captions(16)

    def validate() -> str:
        vg = torch.Generator().manual_seed(7)
        vcap = Captioner(scenes, tok, seed=7)
        model.eval()
        with torch.no_grad(), prec.autocast():
            vb = np.arange(nb, len(base_tok))
            ids, am, vt = vcap(vb)
            text = model.t5(input_ids=ids.to(dev), attention_mask=am.to(dev)).last_hidden_state
            _, bacc = model.bind(text, vt.to(dev))
            _, bacc2 = model.bind(text, vt[different_colours(vt)].to(dev))  # the figure that matters
            xb, mb = mask_tokens(base_tok[vb], model.base.cfg.grid, K, vg)
            lg = model.base(xb, text, am.to(dev))
            lb, ab = masked_ce(lg, base_tok[vb], mb)
            line = f"val base loss {lb.item():.3f} acc {ab.item():.3f}"
            if objects is not None:
                # The unweighted loss on object tokens alone: what the prompt's objects cost.
                lo, ao = masked_ce(lg, base_tok[vb], mb & objects[vb])
                line += f" | objects loss {lo.item():.3f} acc {ao.item():.3f}"
            if a.bind_weight:
                line += f" | binding colour acc {bacc.item():.3f} (two different colours {bacc2.item():.3f})"
            # One all-masked forward for every position's captions, split back by position.
            texts = [t for side in placement.values() for t in side]
            ids, am = encode_batch(tok, texts, MAX_LEN)
            text = model.t5(input_ids=ids.to(dev), attention_mask=am.to(dev)).last_hidden_state
            masked = torch.full((len(texts), model.base.cfg.num_tokens), K, dtype=torch.long, device=dev)
            lp = torch.log_softmax(model.base(masked, text, am.to(dev)).float(), -1).cpu().numpy()
            logp = dict(zip(placement, np.split(lp, len(placement))))
            line += f" | placement {placement_score(logp, model.base.cfg.grid)}"
        model.train()
        return line

    lr = lr_at(step, a, rewarm)
    while step < a.steps:
        lr = lr_at(step, a, rewarm)
        for gp in opt.param_groups:
            gp["lr"] = lr
        bi = rng.integers(0, nb, a.base_batch)
        si = rng.integers(0, ns, a.sr_batch)
        src, target, captioned = with_edit_pairs(bi, base_tok, pairs, n_pairs, len(scenes), rng)
        ids, am, bt = cap(np.concatenate([captioned, si]))
        xb, mb = mask_tokens(src, model.base.cfg.grid, K, g)
        xs, ms = mask_tokens(sr_tok[si], model.sr.cfg.grid, K, g)
        with prec.autocast():
            lgb, lgs, (lbind, _) = ddp(ids.to(dev), am.to(dev), len(bi), xb, xs, base_tok[si], bt.to(dev))
        lb, ab = masked_ce(lgb, target, mb, object_weights(objects, bi, a.object_weight))
        ls, as_ = masked_ce(lgs, sr_tok[si], ms)
        loss = lb + ls + a.bind_weight * lbind
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step += 1
        if a.time_budget_min and step == step0 + 50:
            # Fit the schedule (and its decay) into the budget from the measured step time; every
            # rank computes the same number from the same elapsed time.
            per = (time.time() - t_start) / 50
            fit = step + int((a.time_budget_min * 60 - (time.time() - t_start)) / per)
            fit = int(dist.all_mean([float(fit)])[0])
            if fit < a.steps:
                a.steps = max(step + 1, fit)
                decay_start = int(a.steps * (1 - a.decay_frac))
                run.log(f"time budget {a.time_budget_min} min at {per:.2f}s/step: ending at step {a.steps}")
        stats.append([lb.item(), ab.item(), ls.item(), as_.item(), lbind.item()])
        if step % a.log_every == 0:
            m = dist.all_mean(list(np.mean(stats, 0)))
            stats = []
            binding = f"binding loss {m[4]:.3f} | " if a.bind_weight else ""
            run.log(f"step {step} base loss {m[0]:.3f} acc {m[1]:.3f} | sr loss {m[2]:.3f} acc {m[3]:.3f} | "
                    f"{binding}lr {lr:.2e} {(time.time() - t0) / a.log_every:.2f}s/step")
            t0 = time.time()
        if step % a.val_every == 0 and dist.main:
            run.log(f"step {step} {validate()}")
        if step % a.save_every == 0 or step == a.steps:
            save(ckpt)
        if step == decay_start:
            save(run.path("transformers.stable.pt"))
        if a.keep_every and step % a.keep_every == 0:
            save(run.path(f"keep/step{step:06d}.pt"), with_opt=False)
    if dist.main:
        run.log(f"done at step {step}: {validate()}")
        run.write_json("transformers.done", {"steps": step, "precision": prec.name, "world": dist.world})
    if a.dump_rank_weights:
        atomic_save({k: v.detach().cpu() for k, v in model.state_dict().items()}, run.path(f"rank{dist.rank}.pt"))
    dist.barrier()
    dist.close()


if __name__ == "__main__":
    main()
