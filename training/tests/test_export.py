"""The exporter produces graphs that match torch (max relative error < 1e-4 in fp32)."""
import json
from pathlib import Path

import torch

from training.muse.export import PackageParts, export_package
from training.muse.text import make_t5, t5_config, train_tokenizer
from training.muse.transformer import MaskedTransformer, StageConfig
from training.muse.vq import VQConfig, VQModel
from training.train_transformers import configs


def test_real_architecture_exports_with_parity(tmp_path: Path):
    torch.manual_seed(0)
    tok = train_tokenizer(["a red hot-air balloon over the sea at sunset", "two small houses in a meadow"] * 20, 40)
    cfgs = configs(tok.get_vocab_size())
    from transformers import T5Config

    parts = PackageParts(
        name="parity", display_name="parity", description="", license="MIT (test)", fixture=True,
        vq=VQModel(VQConfig()), t5=make_t5(T5Config.from_dict(cfgs["t5"])), t5_config=cfgs["t5"],
        tokenizer_json=tok.to_str(), max_length=32,
        base=MaskedTransformer(StageConfig.from_dict(cfgs["base"])),
        super_res=MaskedTransformer(StageConfig.from_dict(cfgs["super_res"])),
        base_defaults={"steps": 12, "guidance": 4.0, "guidanceRamp": "linear", "temperature": 1.0, "confidenceNoise": 4.5},
        super_res_defaults={"steps": 8, "guidance": 1.0, "guidanceRamp": "none", "temperature": 1.0, "confidenceNoise": 2.0},
        provenance={"source": "training/tests/test_export.py"},
    )
    parity = export_package(parts, tmp_path / "pkg")
    for graph, err in parity.items():
        assert err < 1e-4, (graph, err)
    m = json.loads((tmp_path / "pkg/manifest.json").read_text())
    assert set(m["files"]) == {
        "text_encoder/onnx/encoder_model.onnx", "text_encoder/tokenizer.json", "text_encoder/config.json",
        "vqgan/encoder.onnx", "vqgan/decoder.onnx", "transformer/base.onnx", "transformer/super_res.onnx"}
    assert m["stages"]["superRes"]["imageSize"] == [256, 256] and m["stages"]["base"]["grid"] == [16, 16]
    assert m["stages"]["superRes"]["lowResGrid"] == [16, 16] and m["stages"]["base"]["imageSize"] == [128, 128]
    assert not (tmp_path / "pkg.partial").exists()


def test_failed_export_keeps_previous_package(tmp_path: Path, monkeypatch):
    out = tmp_path / "pkg"
    out.mkdir()
    (out / "manifest.json").write_text("{\"good\": true}")
    import training.muse.export as ex

    def boom(*a, **k):
        raise RuntimeError("export failed")

    monkeypatch.setattr(ex, "_export", boom)
    parts = PackageParts(name="x", display_name="x", description="", license="", fixture=True,
                         vq=VQModel(VQConfig(channels=(8, 8, 8, 8), codebook_size=16, code_dim=4)),
                         t5=make_t5(t5_config(40, 16, 1, 2, 32)), t5_config=t5_config(40, 16, 1, 2, 32).to_dict(),
                         tokenizer_json="{}", max_length=8,
                         base=MaskedTransformer(StageConfig(grid=(2, 2), codebook_size=16, dim=16, heads=2, layers=1, text_dim=16)),
                         super_res=None, base_defaults={}, super_res_defaults=None)
    try:
        export_package(parts, out)
    except RuntimeError:
        pass
    assert json.loads((out / "manifest.json").read_text()) == {"good": True}
