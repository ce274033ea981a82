"""VQ image tokenizer: a convolutional encoder/decoder with a factorised, l2-normalised codebook.

One tokenizer serves both stages (base images are 64x64, super-res images 256x256): the
network is fully convolutional, so it is trained on 64x64 crops of full renders and on whole
64x64 downscaled renders, which are the two kinds of image it will see.

Why this quantiser: looking codes up in a low-dimensional, l2-normalised space (as ViT-VQGAN
does) keeps most of the codebook in use, and codes that go unused are re-seeded from encoder
outputs during training, so usage does not collapse.
"""
from __future__ import annotations

from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class VQConfig:
    channels: tuple[int, ...] = (32, 48, 96, 128)  # stem width, then one entry per /2 stage
    res_blocks: int = 1
    codebook_size: int = 1024
    code_dim: int = 16
    downsample: int = 8

    def to_dict(self) -> dict:
        return asdict(self)

    @staticmethod
    def from_dict(d: dict) -> "VQConfig":
        d = dict(d)
        d["channels"] = tuple(d["channels"])
        return VQConfig(**d)


class ResBlock(nn.Module):
    def __init__(self, ch: int):
        super().__init__()
        self.norm1 = nn.GroupNorm(8 if ch % 8 == 0 else 1, ch)
        self.conv1 = nn.Conv2d(ch, ch, 3, padding=1)
        self.norm2 = nn.GroupNorm(8 if ch % 8 == 0 else 1, ch)
        self.conv2 = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(F.silu(self.norm2(h)))
        return x + h


def _stages(cfg: VQConfig) -> int:
    n = cfg.downsample.bit_length() - 1
    if 1 << n != cfg.downsample or len(cfg.channels) != n + 1:
        raise ValueError(f"VQConfig: downsample {cfg.downsample} needs {n + 1} channel entries")
    return n


class Encoder(nn.Module):
    def __init__(self, cfg: VQConfig):
        super().__init__()
        n = _stages(cfg)
        ch = cfg.channels
        self.stem = nn.Conv2d(3, ch[0], 3, padding=1)
        layers: list[nn.Module] = []
        for i in range(n):
            layers += [ResBlock(ch[i]) for _ in range(cfg.res_blocks)]
            layers.append(nn.Conv2d(ch[i], ch[i + 1], 4, stride=2, padding=1))
        layers += [ResBlock(ch[-1]) for _ in range(cfg.res_blocks)]
        self.body = nn.Sequential(*layers)
        self.out = nn.Sequential(nn.GroupNorm(8 if ch[-1] % 8 == 0 else 1, ch[-1]), nn.SiLU(),
                                 nn.Conv2d(ch[-1], cfg.code_dim, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.body(self.stem(x)))


class Decoder(nn.Module):
    def __init__(self, cfg: VQConfig):
        super().__init__()
        n = _stages(cfg)
        ch = cfg.channels
        self.inp = nn.Conv2d(cfg.code_dim, ch[-1], 3, padding=1)
        layers: list[nn.Module] = [ResBlock(ch[-1]) for _ in range(cfg.res_blocks)]
        for i in reversed(range(n)):
            layers += [nn.Upsample(scale_factor=2, mode="nearest"),
                       nn.Conv2d(ch[i + 1], ch[i], 3, padding=1)]
            layers += [ResBlock(ch[i]) for _ in range(cfg.res_blocks)]
        self.body = nn.Sequential(*layers)
        self.out = nn.Sequential(nn.GroupNorm(8 if ch[0] % 8 == 0 else 1, ch[0]), nn.SiLU(),
                                 nn.Conv2d(ch[0], 3, 3, padding=1))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.out(self.body(self.inp(z)))


class VQModel(nn.Module):
    """Pixels in [-1, 1] -> token ids (B, H/f, W/f) -> pixels."""

    def __init__(self, cfg: VQConfig):
        super().__init__()
        self.cfg = cfg
        self.encoder = Encoder(cfg)
        self.decoder = Decoder(cfg)
        self.codebook = nn.Parameter(torch.randn(cfg.codebook_size, cfg.code_dim))

    def normalized_codebook(self) -> torch.Tensor:
        return F.normalize(self.codebook, dim=1)

    def encode_latent(self, x: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.encoder(x), dim=1)

    def quantize(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """z: (B, C, h, w) normalised -> (ids (B, h, w), codes (B, C, h, w))."""
        cb = self.normalized_codebook()
        ids = torch.einsum("bchw,kc->bkhw", z, cb).argmax(dim=1)
        return ids, self.embed(ids)

    def embed(self, ids: torch.Tensor) -> torch.Tensor:
        return F.embedding(ids, self.normalized_codebook()).permute(0, 3, 1, 2)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.quantize(self.encode_latent(x))[0]

    def decode(self, ids: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.embed(ids))

    def forward(self, x: torch.Tensor):
        z = self.encode_latent(x)
        ids, q = self.quantize(z)
        commit = F.mse_loss(z, q.detach())
        codebook = F.mse_loss(q, z.detach())
        q_st = z + (q - z).detach()  # straight-through estimator
        return self.decoder(q_st), ids, commit, codebook, z


class VQEncoderExport(nn.Module):
    """ONNX graph: pixels (B,3,H,W) float32 -> tokens (B,H/f,W/f) int64."""

    def __init__(self, vq: VQModel):
        super().__init__()
        self.vq = vq

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        return self.vq.encode(pixels)


class VQDecoderExport(nn.Module):
    """ONNX graph: tokens (B,h,w) int64 -> pixels (B,3,h*f,w*f) float32."""

    def __init__(self, vq: VQModel):
        super().__init__()
        self.vq = vq

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.vq.decode(tokens)


def vq_from_package(package: "Path | str") -> VQModel:
    """Recovers a VQModel's weights from a package's exported encoder and decoder graphs.

    The export names every parameter after its module path, except GroupNorm's scale and shift,
    which the ONNX exporter turns into anonymous `Mul`/`Add` constants in module order. The
    codebook is stored l2-normalised, which is all the model ever uses of it. The result is
    checked against the graphs (same tokens, same pixels) before it is returned, so a package
    from another architecture fails here instead of training on wrong tokens.
    """
    import json
    from pathlib import Path

    import numpy as np
    import onnx
    import onnxruntime as ort
    from onnx import numpy_helper

    package = Path(package)
    manifest = json.loads((package / "manifest.json").read_text())
    vqm = manifest["vqgan"]
    cfg = VQConfig(codebook_size=int(vqm["codebookSize"]), downsample=int(vqm["downsample"]))
    vq = VQModel(cfg)
    state = vq.state_dict()
    new: dict[str, torch.Tensor] = {}
    for part, graph in (("encoder", vqm["encoder"]), ("decoder", vqm["decoder"])):
        model = onnx.load(str(package / graph))
        inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
        named = {k[len("vq."):]: v for k, v in inits.items() if k.startswith("vq.")}
        anon = [(k, v) for k, v in inits.items() if k.startswith("onnx::Mul_") or k.startswith("onnx::Add_")]
        anon.sort(key=lambda kv: int(kv[0].rsplit("_", 1)[1]))
        norms = [k[: -len(".weight")] for k in state if k.startswith(part + ".") and ".norm" in k
                 and k.endswith(".weight")] + [f"{part}.out.0"]
        if len(anon) != 2 * len(norms):
            raise ValueError(f"{graph}: {len(anon)} norm constants for {len(norms)} GroupNorms; not this VQ")
        for i, name in enumerate(norms):
            (mk, mv), (ak, av) = anon[2 * i], anon[2 * i + 1]
            if not (mk.startswith("onnx::Mul_") and ak.startswith("onnx::Add_")):
                raise ValueError(f"{graph}: unexpected norm constant order at {mk}, {ak}")
            new[f"{name}.weight"] = torch.from_numpy(mv.reshape(-1).copy())
            new[f"{name}.bias"] = torch.from_numpy(av.reshape(-1).copy())
        for k, v in named.items():
            if k.startswith(part + ".") or k == "codebook":
                new[k] = torch.from_numpy(v.copy())
    missing = set(state) - set(new)
    if missing:
        raise ValueError(f"{package}: VQ weights missing from the graphs: {sorted(missing)[:5]}")
    vq.load_state_dict(new)
    vq.eval()
    g = torch.Generator().manual_seed(0)
    x = torch.rand(2, 3, 64, 64, generator=g) * 2 - 1
    enc = ort.InferenceSession(str(package / vqm["encoder"]), providers=["CPUExecutionProvider"])
    dec = ort.InferenceSession(str(package / vqm["decoder"]), providers=["CPUExecutionProvider"])
    with torch.no_grad():
        ids = vq.encode(x)
        pix = vq.decode(ids)
    ort_ids = enc.run(None, {"pixels": x.numpy()})[0]
    ort_pix = dec.run(None, {"tokens": ids.numpy()})[0]
    if (ort_ids != ids.numpy()).mean() > 0.01 or np.abs(ort_pix - pix.numpy()).max() > 1e-3:
        raise ValueError(f"{package}: recovered VQ does not reproduce the exported graphs")
    return vq
