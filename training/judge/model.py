"""Attribute classifier: the judge that reads setting, time and per-position objects off an image.

A small CNN on 128x128 images (256x256 renders or generated images, BOX-downscaled) with one
linear head per key of ``scenes.labels.LABEL_SPACES``:

- ``setting`` (5), ``time`` (3);
- for p in left/center/right: ``p.kind`` (5: 0 = empty, 1..4 = KINDS), ``p.color`` (8),
  ``p.size`` (2), ``p.count`` (3 for counts 1..3).

Targets of -1 (colour/size/count of an empty position) are ignored by the loss. Position is a
label, so the network keeps a spatial layout until the end: the last 8x8 feature map is flattened
(no global pooling) before a shared hidden layer feeds the heads.

It is a judge, not part of the generator: it is trained on every attribute combination (split
"any"), held-out pairs included, see ``training/judge/train.py``.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

from ..common import atomic_save, load_checkpoint
from ..scenes.labels import LABEL_SPACES, scene_labels
from ..scenes.schema import COLORS, COUNTS, KINDS, POSITIONS, SETTINGS, SIZES, TIMES, Scene

INPUT_SIZE = 128
HEAD_KEYS = list(LABEL_SPACES)  # fixed order: setting, time, left.kind, left.color, ...
IGNORE = -1


@dataclass
class ClassifierConfig:
    channels: tuple[int, ...] = (16, 32, 48, 64, 96)  # stem (64x64), 32x32, 16x16, 8x8, 8x8
    hidden: int = 256
    dropout: float = 0.1
    input_size: int = INPUT_SIZE

    def to_dict(self) -> dict:
        return asdict(self)

    @staticmethod
    def from_dict(d: dict) -> "ClassifierConfig":
        d = dict(d)
        d["channels"] = tuple(d["channels"])
        return ClassifierConfig(**d)


def _conv(cin: int, cout: int, stride: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class AttributeClassifier(nn.Module):
    """Images (B,3,128,128) in [-1,1] -> {head key: logits (B, classes)}."""

    def __init__(self, cfg: ClassifierConfig | None = None):
        super().__init__()
        self.cfg = cfg = cfg or ClassifierConfig()
        c = cfg.channels
        self.features = nn.Sequential(
            _conv(3, c[0], 2),      # 64x64
            _conv(c[0], c[1], 2),   # 32x32
            _conv(c[1], c[1], 1),
            _conv(c[1], c[2], 2),   # 16x16
            _conv(c[2], c[2], 1),
            _conv(c[2], c[3], 2),   # 8x8
            _conv(c[3], c[4], 1),
        )
        side = cfg.input_size // 16
        self.reduce = nn.Sequential(nn.Conv2d(c[4], 32, 1), nn.ReLU(inplace=True))
        self.hidden = nn.Sequential(nn.Flatten(), nn.Linear(32 * side * side, cfg.hidden),
                                    nn.ReLU(inplace=True), nn.Dropout(cfg.dropout))
        self.heads = nn.ModuleDict({k.replace(".", "_"): nn.Linear(cfg.hidden, n)
                                    for k, n in LABEL_SPACES.items()})

    def forward(self, x: torch.Tensor) -> dict:
        h = self.hidden(self.reduce(self.features(x)))
        return {k: self.heads[k.replace(".", "_")](h) for k in HEAD_KEYS}


def classifier_loss(logits: dict, targets: torch.Tensor) -> tuple[torch.Tensor, dict]:
    """Sum over heads of the mean cross-entropy over non-ignored (-1) targets.

    targets: (B, len(HEAD_KEYS)) int64 in HEAD_KEYS order. A head with no valid target in the
    batch contributes 0 (not NaN). Returns (total, {key: float loss}).
    """
    total = logits[HEAD_KEYS[0]].new_zeros(())
    parts = {}
    for j, k in enumerate(HEAD_KEYS):
        t = targets[:, j]
        n = int((t != IGNORE).sum())
        if n == 0:
            parts[k] = 0.0
            continue
        loss = F.cross_entropy(logits[k], t, ignore_index=IGNORE, reduction="sum") / n
        total = total + loss
        parts[k] = float(loss.detach())
    return total, parts


def labels_array(scenes: list) -> np.ndarray:
    """(N, len(HEAD_KEYS)) int16 targets for Scene objects or Scene.to_dict() records."""
    out = np.empty((len(scenes), len(HEAD_KEYS)), dtype=np.int16)
    for i, s in enumerate(scenes):
        if isinstance(s, dict):
            s = Scene.from_dict(s)
        lab = scene_labels(s)
        out[i] = [lab[k] for k in HEAD_KEYS]
    return out


def to_input(img: np.ndarray, size: int = INPUT_SIZE) -> np.ndarray:
    """One RGB uint8 image of any size -> (size, size, 3) uint8.

    Larger images are BOX-downscaled (as in training); smaller ones (e.g. 64x64 base-stage
    outputs) are upscaled bilinearly, which training imitates with its low-res augmentation.
    """
    img = np.asarray(img)
    if img.ndim != 3 or img.shape[2] not in (3, 4) or img.dtype != np.uint8:
        raise ValueError(f"expected an RGB(A) uint8 image HxWx3, got {img.shape} {img.dtype}")
    img = img[..., :3]
    if img.shape[:2] == (size, size):
        return np.ascontiguousarray(img)
    pil = Image.fromarray(np.ascontiguousarray(img))
    resample = Image.BOX if min(img.shape[:2]) >= size else Image.BILINEAR
    return np.asarray(pil.resize((size, size), resample))


def batch_tensor(imgs: np.ndarray) -> torch.Tensor:
    """(B,H,W,3) uint8 -> (B,3,H,W) float in [-1,1] (same convention as muse.data.to_tensor)."""
    return torch.from_numpy(np.ascontiguousarray(imgs)).permute(0, 3, 1, 2).float() / 127.5 - 1.0


def augment(x: torch.Tensor, g: torch.Generator, shift: int = 4, brightness: float = 0.08,
            offset: float = 0.03, lowres_p: float = 0.15) -> torch.Tensor:
    """Label-preserving augmentation of a [-1,1] batch.

    Per image: translation by up to ``shift`` px in x and y (edge-replicated borders), a
    brightness gain in [1-b, 1+b] and offset in [-o, o] (0-1 units), and with probability
    ``lowres_p`` a 2x down/up-sampling blur (what a 64x64 base output looks like upscaled).
    No flips: left/right are labels.
    """
    b, _, h, w = x.shape
    if shift:
        pad = F.pad(x, (shift, shift, shift, shift), mode="replicate")
        dx = torch.randint(0, 2 * shift + 1, (b,), generator=g)
        dy = torch.randint(0, 2 * shift + 1, (b,), generator=g)
        x = torch.stack([pad[i, :, dy[i]:dy[i] + h, dx[i]:dx[i] + w] for i in range(b)])
    if lowres_p > 0:
        sel = torch.rand(b, generator=g) < lowres_p
        if sel.any():
            lo = F.avg_pool2d(x[sel], 2)
            x = x.clone()
            x[sel] = F.interpolate(lo, size=(h, w), mode="bilinear", align_corners=False)
    gain = 1 + (torch.rand(b, 1, 1, 1, generator=g) * 2 - 1) * brightness
    off = (torch.rand(b, 1, 1, 1, generator=g) * 2 - 1) * offset * 2  # 0-1 units -> [-1,1]
    return ((x + 1) * gain - 1 + off).clamp(-1, 1)


@torch.no_grad()
def predict_indices(model: AttributeClassifier, images: np.ndarray, batch: int = 64) -> np.ndarray:
    """(N,H,W,3) uint8 (any size) -> (N, len(HEAD_KEYS)) int64 argmax per head (HEAD_KEYS order)."""
    was_training = model.training
    model.eval()
    out = []
    for i in range(0, len(images), batch):
        chunk = images[i:i + batch]
        if chunk.shape[1:3] != (model.cfg.input_size, model.cfg.input_size):
            chunk = np.stack([to_input(im, model.cfg.input_size) for im in chunk])
        logits = model(batch_tensor(chunk))
        out.append(torch.stack([logits[k].argmax(1) for k in HEAD_KEYS], 1).numpy())
    model.train(was_training)
    if not out:
        return np.empty((0, len(HEAD_KEYS)), dtype=np.int64)
    return np.concatenate(out)


def predict(model: AttributeClassifier, images_uint8_256: np.ndarray) -> list[dict]:
    """(N,256,256,3) uint8 images (other sizes are resized, see ``to_input``) ->
    one dict per image {head key: predicted class index}, keys as in LABEL_SPACES.

    Colour/size/count are predicted for every position; they mean something only where
    ``p.kind`` != 0 (``decode_prediction`` drops them for empty positions).
    """
    idx = predict_indices(model, np.asarray(images_uint8_256))
    return [{k: int(v) for k, v in zip(HEAD_KEYS, row)} for row in idx]


def decode_prediction(pred: dict) -> dict:
    """{head key: index} -> {"setting": str, "time": str, "slots": {p: None | {kind, color, size,
    count}}} with attribute names as in the schema (count as int)."""
    slots = {}
    for p in POSITIONS:
        k = pred[f"{p}.kind"]
        slots[p] = None if k == 0 else {
            "kind": KINDS[k - 1], "color": COLORS[pred[f"{p}.color"]],
            "size": SIZES[pred[f"{p}.size"]], "count": COUNTS[pred[f"{p}.count"]],
        }
    return {"setting": SETTINGS[pred["setting"]], "time": TIMES[pred["time"]], "slots": slots}


def save_classifier(path: Path, model: AttributeClassifier, **extra) -> None:
    path = Path(path)
    atomic_save({"kind": "classifier", "model": model.state_dict(), "config": model.cfg.to_dict(), **extra}, path)


def load_classifier(run: Path) -> AttributeClassifier:
    ckpt = Path(run) / "classifier.pt"
    if not ckpt.exists():
        raise SystemExit(f"missing classifier checkpoint {ckpt}: run training.judge.train first")
    st = load_checkpoint(ckpt, "classifier", ("model", "config"))
    model = AttributeClassifier(ClassifierConfig.from_dict(st["config"]))
    model.load_state_dict(st["model"])
    return model.eval()
