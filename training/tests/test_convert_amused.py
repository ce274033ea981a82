"""The aMUSEd converter (training/convert/) on tiny random checkpoints with aMUSEd's real key
names and config fields: ONNX matches the PyTorch modules (max relative error < 1e-4), the
package passes the documented contract, and broken checkpoints fail with a message naming the
tensor. A real checkpoint is converted and checked when AMUSED_DIR points at one.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import torch
from safetensors.torch import load_file, save_file

from training.convert.amused import DEFAULTS, LICENSE, MICRO_NAMES, PROMPTS, convert, load_amused
from training.convert.amused_fixture import write_tiny_amused
from training.convert.checkpoint import CheckpointError
from training.convert.clip import engine_ids, reference_ids
from training.convert.package_check import check_package
from training.muse.onnx_utils import max_rel_err

torch.set_num_threads(1)
TOL = 1e-4


@pytest.fixture(scope="module")
def ckpt256(tmp_path_factory) -> Path:
    return write_tiny_amused(tmp_path_factory.mktemp("ck") / "tiny-amused-256", downsample=False)


@pytest.fixture(scope="module")
def ckpt512(tmp_path_factory) -> Path:
    return write_tiny_amused(tmp_path_factory.mktemp("ck") / "tiny-amused-512", downsample=True, seed=1)


@pytest.fixture(scope="module")
def pkg256(ckpt256, tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("pkg") / "amused-256"
    parity = convert(ckpt256, out, name="tiny-amused-256", fixture=True, log=None)
    return out, parity


def _session(path: Path) -> ort.InferenceSession:
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def test_package_256_matches_contract_and_torch(pkg256, ckpt256):
    out, parity = pkg256
    assert parity["vq_encoder"] == 0.0
    for graph in ("text_encoder", "vq_decoder", "base"):
        assert parity[graph] < TOL, (graph, parity[graph])
    m = check_package(out)
    assert m["fixture"] is True and m["license"] == LICENSE and m["name"] == "tiny-amused-256"
    assert m["textEncoder"] == {"kind": "clip", "onnx": "text_encoder/model.onnx",
                                "tokenizer": "text_encoder/tokenizer.json", "config": "text_encoder/config.json",
                                "maxLength": 77, "hiddenSize": 32, "projectionDim": 24,
                                "padTokenId": m["textEncoder"]["padTokenId"]}
    assert m["vqgan"] == {"encoder": "vqgan/encoder.onnx", "decoder": "vqgan/decoder.onnx", "downsample": 16,
                          "codebookSize": 64, "pixelRange": [0, 1]}
    base = m["stages"]["base"]
    assert base["grid"] == [8, 8] and base["imageSize"] == [128, 128] and base["maskTokenId"] == 71
    assert base["microConditioning"] == {"names": MICRO_NAMES, "values": [128.0, 128.0, 0.0, 0.0, 6.0]}
    assert base["confidenceSchedule"] == "amused"
    assert base["defaults"] == DEFAULTS == {"steps": 12, "guidance": 10.0, "guidanceRamp": "none",
                                            "temperature": 1.0, "confidenceNoise": 2.0}
    assert "superRes" not in m["stages"] and "externalData" not in m
    assert set(m["files"]) == {"text_encoder/model.onnx", "text_encoder/tokenizer.json", "text_encoder/config.json",
                               "vqgan/encoder.onnx", "vqgan/decoder.onnx", "transformer/base.onnx"}
    assert set(m["provenance"]["parity"]) == {"text_encoder", "vq_encoder", "vq_decoder", "base"}
    assert not out.with_name(out.name + ".partial").exists()

    # Fresh inputs, other batch sizes and image sizes than the export used: graphs vs torch.
    ck = load_amused(ckpt256)
    g = torch.Generator().manual_seed(7)
    ids = engine_ids((out / "text_encoder/tokenizer.json").read_text(), ["a blue boat", "", "two cats"], 77,
                     m["textEncoder"]["padTokenId"])
    hs, te = _session(out / "text_encoder/model.onnx").run(None, {"input_ids": ids.numpy()})
    with torch.no_grad():
        out_t = ck.clip(input_ids=ids, output_hidden_states=True)
    assert max_rel_err(hs, out_t.hidden_states[-2].numpy()) < TOL
    assert max_rel_err(te, out_t.text_embeds.numpy()) < TOL

    tokens = torch.randint(0, 64, (3, 64), generator=g)
    tokens[torch.rand(3, 64, generator=g) < 0.7] = 71
    micro = torch.tensor([[128.0, 128, 0, 0, 6], [256, 256, 0, 0, 6], [128, 128, 32, 16, 4]])
    (logits,) = _session(out / "transformer/base.onnx").run(None, {
        "tokens": tokens.numpy(), "text_states": hs, "pooled_text": te, "micro_conds": micro.numpy()})
    with torch.no_grad():
        want = ck.uvit(tokens.reshape(3, 8, 8), torch.from_numpy(hs), torch.from_numpy(te), micro)  # [B, K, h, w]
    assert logits.shape == (3, 64, 64)
    assert max_rel_err(logits, want.reshape(3, 64, 64).permute(0, 2, 1).numpy()) < TOL   # row-major [B, N, K]
    # micro-conditioning reaches the output
    assert not np.allclose(logits[0], logits[1])

    px = torch.rand(2, 3, 64, 96, generator=g)
    (toks,) = _session(out / "vqgan/encoder.onnx").run(None, {"pixels": px.numpy()})
    with torch.no_grad():
        assert np.array_equal(toks, ck.vq.encode_tokens(px).numpy()) and toks.shape == (2, 4, 6)
        (pix,) = _session(out / "vqgan/decoder.onnx").run(None, {"tokens": toks})
        assert max_rel_err(pix, ck.vq.decode_tokens(torch.from_numpy(toks)).numpy()) < TOL
    assert pix.shape == (2, 3, 64, 96)


def test_512_style_downsampling_with_external_data(ckpt512, tmp_path):
    out = tmp_path / "amused-512"
    parity = convert(ckpt512, out, fixture=True, external_threshold=0, log=None)
    assert parity["vq_encoder"] == 0.0 and max(parity.values()) < TOL, parity
    m = check_package(out)
    assert m["name"] == "tiny-amused-512"
    assert m["externalData"] == {"text_encoder/model.onnx": "text_encoder/model.onnx.data",
                                 "vqgan/encoder.onnx": "vqgan/encoder.onnx.data",
                                 "vqgan/decoder.onnx": "vqgan/decoder.onnx.data",
                                 "transformer/base.onnx": "transformer/base.onnx.data"}
    for data in m["externalData"].values():
        assert data in m["files"] and (out / data).stat().st_size > 0
    ck = load_amused(ckpt512)
    assert ck.uvit.down_block.downsample is not None and ck.uvit.up_block.upsample is not None
    # The UViT runs its transformer layers on the downsampled 4×4 grid and returns to 8×8.
    seen = []
    hook = ck.uvit.transformer_layers[0].register_forward_hook(lambda mod, a, o: seen.append(tuple(o.shape)))
    with torch.no_grad():
        ck.uvit(torch.zeros(1, 8, 8, dtype=torch.long), torch.zeros(1, 77, 32), torch.zeros(1, 24),
                torch.tensor([[128.0, 128, 0, 0, 6]]))
    hook.remove()
    assert seen == [(1, 16, 32)]


def test_text_graph_gives_penultimate_states_and_projected_pool(pkg256, ckpt256):
    """Independent of transformers' hidden_states bookkeeping: forward hooks on the layers."""
    out, _ = pkg256
    ck = load_amused(ckpt256)
    tm = ck.clip.text_model
    ids = engine_ids((out / "text_encoder/tokenizer.json").read_text(), ["the red house", "a dog at night"], 77,
                     ck.tok.pad_token_id)
    grabbed = {}
    hooks = [tm.encoder.layers[-2].register_forward_hook(lambda mod, a, o: grabbed.__setitem__("pen", o)),
             tm.encoder.layers[-1].register_forward_hook(lambda mod, a, o: grabbed.__setitem__("last", o))]
    with torch.no_grad():
        ck.clip(input_ids=ids)
        pen = grabbed["pen"][0] if isinstance(grabbed["pen"], tuple) else grabbed["pen"]
        last = grabbed["last"][0] if isinstance(grabbed["last"], tuple) else grabbed["last"]
        eos_at = ids.argmax(dim=1)                 # first <|endoftext|> (the highest id, as in CLIP-L)
        pooled = ck.clip.text_projection(tm.final_layer_norm(last)[torch.arange(2), eos_at])
    for h in hooks:
        h.remove()
    hs, te = _session(out / "text_encoder/model.onnx").run(None, {"input_ids": ids.numpy()})
    assert max_rel_err(hs, pen.numpy()) < TOL
    assert max_rel_err(te, pooled.numpy()) < TOL


def test_tokenizer_json_reproduces_pipeline_tokenization(pkg256, ckpt256):
    out, _ = pkg256
    m = json.loads((out / "manifest.json").read_text())
    tj = (out / "text_encoder/tokenizer.json").read_text()
    prompts = PROMPTS + ["A RED Cat!!  over\tthe sea", "balloon, boat & city — 3 trees"]
    want = reference_ids(ckpt256 / "tokenizer", prompts, 77)
    got = engine_ids(tj, prompts, 77, m["textEncoder"]["padTokenId"])
    assert torch.equal(want, got)
    vocab = json.loads((ckpt256 / "tokenizer/vocab.json").read_text())
    bos, eos = vocab["<|startoftext|>"], vocab["<|endoftext|>"]
    assert m["textEncoder"]["padTokenId"] == eos
    assert got[1, :2].tolist() == [bos, eos] and (got[1, 2:] == eos).all()          # ""
    assert got[2, 0] == bos and got[2, 76] == eos                                      # truncated, EOS kept
    assert got[0].tolist()[:3] == [bos, vocab["a</w>"], vocab["photo</w>"]]


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def _edit(path: Path, fn) -> None:
    sd = load_file(str(path))
    fn(sd)
    save_file(sd, str(path))


@pytest.mark.parametrize("component,edit,message", [
    ("transformer", lambda sd: sd.pop("transformer_layers.1.attn1.to_q.weight"),
     "transformer/diffusion_pytorch_model.safetensors: missing tensor 'transformer_layers.1.attn1.to_q.weight'"),
    ("transformer", lambda sd: sd.__setitem__("embed.conv.weight", torch.zeros(8, 4)),
     "transformer/diffusion_pytorch_model.safetensors: 'embed.conv.weight' has shape [8,4] but the config implies [24,16,1,1]"),
    ("transformer", lambda sd: sd.__setitem__("transformer_layers.2.attn1.to_q.weight", torch.zeros(32, 32)),
     "transformer/diffusion_pytorch_model.safetensors: unexpected tensor 'transformer_layers.2.attn1.to_q.weight'"),
    ("vqvae", lambda sd: sd.pop("decoder.up_blocks.1.upsamplers.0.conv.bias"),
     "vqvae/diffusion_pytorch_model.safetensors: missing tensor 'decoder.up_blocks.1.upsamplers.0.conv.bias'"),
    ("vqvae", lambda sd: sd.__setitem__("encoder.mid_block.attentions.0.to_q.weight", torch.zeros(16, 16)),
     "vqvae/diffusion_pytorch_model.safetensors: unexpected tensor 'encoder.mid_block.attentions.0.to_q.weight'"),
    ("vqvae", lambda sd: sd.__setitem__("quantize.embedding.weight", torch.zeros(8192, 4)),
     "vqvae/diffusion_pytorch_model.safetensors: 'quantize.embedding.weight' has shape [8192,4] but the config implies [64,4]"),
])
def test_broken_checkpoint_names_the_tensor(ckpt256, tmp_path, component, edit, message):
    bad = _copy(ckpt256, tmp_path / "bad")
    _edit(bad / component / "diffusion_pytorch_model.safetensors", edit)
    with pytest.raises(CheckpointError) as e:
        load_amused(bad)
    assert any(line.startswith(message) for line in str(e.value).splitlines()), str(e.value)


def test_broken_text_encoder_and_config_fail_clearly(ckpt256, tmp_path):
    bad = _copy(ckpt256, tmp_path / "bad")
    _edit(bad / "text_encoder/model.safetensors", lambda sd: sd.pop("text_model.encoder.layers.1.mlp.fc1.weight"))
    with pytest.raises(CheckpointError, match=r"text_encoder/model.safetensors: missing tensor "
                                              r"'text_model.encoder.layers.1.mlp.fc1.weight'"):
        load_amused(bad)

    bad2 = _copy(ckpt256, tmp_path / "bad2")
    cfg = json.loads((bad2 / "transformer/config.json").read_text())
    cfg["use_normformer"] = True
    (bad2 / "transformer/config.json").write_text(json.dumps(cfg))
    with pytest.raises(CheckpointError, match=r"transformer/config.json: unknown UVit2DModel config field\(s\) 'use_normformer'"):
        load_amused(bad2)

    bad3 = _copy(ckpt256, tmp_path / "bad3")
    (bad3 / "vqvae/diffusion_pytorch_model.safetensors").rename(bad3 / "vqvae/diffusion_pytorch_model.bin")
    with pytest.raises(CheckpointError, match=r"only pickled weights"):
        load_amused(bad3)


def test_failed_conversion_keeps_previous_package(ckpt256, tmp_path):
    out = tmp_path / "pkg"
    out.mkdir()
    (out / "manifest.json").write_text('{"good": true}')
    bad = _copy(ckpt256, tmp_path / "bad")
    _edit(bad / "transformer/diffusion_pytorch_model.safetensors", lambda sd: sd.pop("mlm_layer.conv2.weight"))
    with pytest.raises(CheckpointError):
        convert(bad, out, log=None)
    assert json.loads((out / "manifest.json").read_text()) == {"good": True}
    assert not (tmp_path / "pkg.partial").exists()


@pytest.mark.skipif(not os.environ.get("AMUSED_DIR"), reason="set AMUSED_DIR to an aMUSEd checkpoint folder (diffusers layout)")
def test_real_amused_checkpoint(tmp_path):
    """Converts the real weights, checks the package, and (when diffusers is installed) compares
    this converter's modules with diffusers' own UVit2DModel / VQModel on the same inputs."""
    src = Path(os.environ["AMUSED_DIR"])
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    out = tmp_path / "pkg"
    parity = convert(src, out)
    m = check_package(out)
    assert m["vqgan"]["codebookSize"] == 8192 and m["stages"]["base"]["maskTokenId"] == 8255
    assert m["textEncoder"]["hiddenSize"] == 768 and m["textEncoder"]["maxLength"] == 77
    assert m["stages"]["base"]["grid"] in ([16, 16], [32, 32])
    assert parity["vq_encoder"] < 0.01 and max(v for k, v in parity.items() if k != "vq_encoder") < 1e-3

    ck = load_amused(src)
    # The VQ-GAN reconstructs a smooth image well (random weights would not).
    h, w = ck.image_size
    yy, xx = torch.meshgrid(torch.linspace(0, 1, h), torch.linspace(0, 1, w), indexing="ij")
    img = torch.stack([xx, yy, 0.5 + 0.4 * torch.sin(6 * xx) * torch.cos(4 * yy)])[None]
    with torch.no_grad():
        rec = ck.vq.decode_tokens(ck.vq.encode_tokens(img)).clamp(0, 1)
    psnr = 10 * torch.log10(1 / torch.mean((rec - img) ** 2))
    assert psnr > 15, float(psnr)

    diffusers = pytest.importorskip("diffusers")
    ref_t = diffusers.UVit2DModel.from_pretrained(str(src / "transformer")).eval()
    ref_v = diffusers.VQModel.from_pretrained(str(src / "vqvae")).eval()
    g = torch.Generator().manual_seed(0)
    gh, gw = ck.grid
    ids = torch.randint(0, 8192, (1, gh, gw), generator=g)
    ids[torch.rand(1, gh, gw, generator=g) < 0.5] = ck.mask_token_id
    ehs, pooled = torch.randn(1, 77, 768, generator=g), torch.randn(1, 768, generator=g)
    mc = torch.tensor([ck.micro_conditioning()])
    with torch.no_grad():
        assert max_rel_err(ck.uvit(ids, ehs, pooled, mc).numpy(), ref_t(ids, ehs, pooled, mc).numpy()) < 1e-4
        toks = ck.vq.encode_tokens(img)
        lat = ref_v.encode(img).latents
        ref_toks = ref_v.quantize(lat)[2][2].reshape(toks.shape)
        assert float((toks != ref_toks).float().mean()) < 0.01
        ref_px = ref_v.decode(toks, force_not_quantize=True, shape=(1, gh, gw, ref_v.config.latent_channels)).sample
        assert max_rel_err(ck.vq.decode_tokens(toks).numpy(), ref_px.numpy()) < 1e-4


def test_finalize_merges_per_tensor_external_data(tmp_path):
    """Graphs over 2 GiB come out of torch.onnx.export as one file per tensor; the package wants
    one data file next to the graph, referred to by its file name."""
    import onnx

    from training.muse.onnx_utils import export_onnx, finalize_onnx

    net = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.GELU(), torch.nn.Linear(128, 4))
    x = torch.randn(3, 64)
    work = tmp_path / "scratch"
    export_onnx(net, (x,), work / "model.onnx", ["x"], ["y"], {"x": {0: "b"}, "y": {0: "b"}})
    model = onnx.load(str(work / "model.onnx"))
    onnx.save_model(model, str(work / "model.onnx"), save_as_external_data=True, all_tensors_to_one_file=False,
                    size_threshold=0)                                   # torch's layout for huge graphs
    assert len(list(work.iterdir())) > 2
    data = finalize_onnx(work / "model.onnx", tmp_path / "pkg/net.onnx", external_threshold=0)
    assert data == tmp_path / "pkg/net.onnx.data" and sorted(p.name for p in (tmp_path / "pkg").iterdir()) == [
        "net.onnx", "net.onnx.data"]
    locations = {e.value for t in onnx.load(str(tmp_path / "pkg/net.onnx"), load_external_data=False).graph.initializer
                 for e in t.external_data if e.key == "location"}
    assert locations == {"net.onnx.data"}
    (y,) = _session(tmp_path / "pkg/net.onnx").run(None, {"x": x.numpy()})
    with torch.no_grad():
        assert max_rel_err(y, net(x).numpy()) < TOL


def test_committed_engine_fixtures_pass_the_contract():
    """tests/fixtures/amused-tiny* (training/make_amused_fixtures.py) as the engine tests use them:
    external data everywhere and an fp16 transformer copy in amused-tiny, 32×32 tokens in -512."""
    root = Path(__file__).resolve().parents[2] / "tests" / "fixtures"
    m = check_package(root / "amused-tiny")
    assert m["stages"]["base"]["onnxFp16"] == "transformer/base.fp16.onnx"
    assert m["externalData"]["transformer/base.fp16.onnx"] == "transformer/base.fp16.onnx.data"
    assert m["stages"]["base"]["confidenceSchedule"] == "amused"
    assert check_package(root / "amused-tiny-512")["stages"]["base"]["grid"] == [32, 32]
