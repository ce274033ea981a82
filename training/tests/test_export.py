"""The exporter produces graphs that match torch (max relative error < 1e-4 in fp32)."""
import json
from pathlib import Path

import pytest
import torch

from training.muse.export import PackageParts, export_package
from training.muse.text import make_t5, t5_config, train_tokenizer
from training.muse.transformer import MaskedTransformer, StageConfig
from training.muse.vq import VQConfig, VQModel
from training.train_transformers import configs


# The 2-D position code rides along with one storage to keep the test's time.
@pytest.mark.parametrize("storage,pos_2d", [("fp32", False), ("fp16", True)])
def test_real_architecture_exports_with_parity(tmp_path: Path, storage: str, pos_2d: bool):
    torch.manual_seed(0)
    tok = train_tokenizer(["a red hot-air balloon over the sea at sunset", "two small houses in a meadow"] * 20, 40)
    cfgs = configs(tok.get_vocab_size())
    cfgs["base"]["pos_2d"] = pos_2d
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
        weight_storage=storage,
    )
    parity = export_package(parts, tmp_path / "pkg")
    for graph, err in parity.items():
        assert err < 1e-4, (graph, err)
    m = json.loads((tmp_path / "pkg/manifest.json").read_text())
    assert set(m["files"]) == {
        "text_encoder/onnx/encoder_model.onnx", "text_encoder/tokenizer.json", "text_encoder/config.json",
        "vqgan/encoder.onnx", "vqgan/decoder.onnx", "transformer/base.onnx", "transformer/super_res.onnx",
        "vqgan/preview_atlas.rgba"}
    assert m["vqgan"]["previewAtlas"] == "vqgan/preview_atlas.rgba"
    assert m["files"]["vqgan/preview_atlas.rgba"]["bytes"] == m["vqgan"]["codebookSize"] * m["vqgan"]["downsample"] ** 2 * 4
    assert m["stages"]["superRes"]["imageSize"] == [256, 256] and m["stages"]["base"]["grid"] == [16, 16]
    assert m["stages"]["superRes"]["lowResGrid"] == [16, 16] and m["stages"]["base"]["imageSize"] == [128, 128]
    assert not (tmp_path / "pkg.partial").exists()
    assert m["provenance"]["weightStorage"] == storage
    import onnx
    halves = [i for i in onnx.load(str(tmp_path / "pkg/transformer/base.onnx")).graph.initializer
              if i.data_type == onnx.TensorProto.FLOAT16]
    assert bool(halves) == (storage == "fp16")


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


def test_fp16_weight_storage_halves_the_file_and_keeps_the_graph_exact(tmp_path: Path):
    """Weights rounded to float16 are stored as float16 and widened in the graph: the file is about
    half, and the graph computes exactly what the rounded torch module does."""
    import numpy as np
    import onnx
    import onnxruntime as ort

    from training.muse.onnx_utils import export_onnx, round_to_fp16, store_weights_fp16

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.GELU(), torch.nn.Linear(128, 32))
    x = torch.randn(3, 64)
    full = tmp_path / "full.onnx"
    export_onnx(net, (x,), full, ["x"], ["y"], {"x": {0: "b"}, "y": {0: "b"}})
    want_unrounded = net(x).detach().numpy()
    round_to_fp16(net)
    half = tmp_path / "half.onnx"
    export_onnx(net, (x,), half, ["x"], ["y"], {"x": {0: "b"}, "y": {0: "b"}})
    saved = store_weights_fp16(half, min_elements=200)
    assert saved == (64 * 128 + 128 * 32) * 2          # both weight matrices; the biases are under the size floor
    assert half.stat().st_size < 0.6 * full.stat().st_size
    kinds = {i.name: i.data_type for i in onnx.load(str(half)).graph.initializer}
    assert sum(k == onnx.TensorProto.FLOAT16 for k in kinds.values()) == 2
    got = ort.InferenceSession(str(half), providers=["CPUExecutionProvider"]).run(None, {"x": x.numpy()})[0]
    np.testing.assert_allclose(got, net(x).detach().numpy(), rtol=1e-5, atol=1e-6)
    # Rounding is the only change, and it is small: what the package holds is still the trained model.
    assert np.abs(got - want_unrounded).max() < 1e-2 * np.abs(want_unrounded).max()


def test_fp16_storage_keeps_weights_float16_cannot_hold(tmp_path: Path):
    """A weight that was not rounded first stays float32, so storage never changes what the graph computes."""
    import onnx

    from training.muse.onnx_utils import export_onnx, store_weights_fp16

    torch.manual_seed(0)
    net = torch.nn.Linear(64, 64)
    p = tmp_path / "g.onnx"
    export_onnx(net, (torch.randn(1, 64),), p, ["x"], ["y"], {"x": {0: "b"}, "y": {0: "b"}})
    assert store_weights_fp16(p, min_elements=16) == 0
    assert all(i.data_type == onnx.TensorProto.FLOAT for i in onnx.load(str(p)).graph.initializer)
