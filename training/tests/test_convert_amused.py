"""The aMUSEd converter (training/convert/) on tiny random checkpoints with aMUSEd's real key
names and config fields: ONNX matches the PyTorch modules (max relative error < 1e-4), the
package passes the documented contract, and broken checkpoints fail with a message naming the
tensor. With --fp16 the package also holds an fp16 transformer with the fp32 graph's inputs and
outputs whose logits stay close to the fp32 ones, and the studio's engine (TypeScript, via
onnxruntime-node) loads it. A real checkpoint is converted and checked when AMUSED_DIR points at one.
"""
from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import torch
from safetensors.torch import load_file, save_file

from training.convert.amused import DEFAULTS, LICENSE, MICRO_NAMES, PROMPTS, convert, load_amused, main
from training.convert.amused_fixture import write_tiny_amused
from training.convert.checkpoint import CheckpointError
from training.convert.clip import engine_ids, reference_ids
from training.convert.package_check import check_package
from training.muse.onnx_utils import max_rel_err, sha256_file

torch.set_num_threads(1)
TOL = 1e-4
ROOT = Path(__file__).resolve().parents[2]
# fp16 transformer vs fp32 on fresh inputs (measured over 12 tiny checkpoints, 256/512-style, 8×8
# and 16×16 grids: max |Δ|/max|logit| ≤ 4.1e-3, max |Δ| ≤ 0.017 with |logits| ≤ 4.1, argmax
# agreement ≥ 99.7% per checkpoint).
FP16_REL, FP16_ABS, FP16_ARGMAX = 1e-2, 0.05, 0.99


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


@pytest.fixture(scope="module")
def pkg512_fp16(ckpt512, tmp_path_factory) -> tuple[Path, dict]:
    """512-style, every graph with external data, and the fp16 transformer copy."""
    out = tmp_path_factory.mktemp("pkg") / "amused-512"
    parity = convert(ckpt512, out, fixture=True, external_threshold=0, fp16=True, log=None)
    return out, parity


def test_512_style_downsampling_with_external_data(pkg512_fp16, ckpt512):
    out, parity = pkg512_fp16
    assert parity["vq_encoder"] == 0.0 and max(v for k, v in parity.items() if k != "base_fp16") < TOL, parity
    assert parity["base_fp16"] < FP16_REL, parity
    m = check_package(out)
    assert m["name"] == "tiny-amused-512"
    assert m["stages"]["base"]["onnxFp16"] == "transformer/base.fp16.onnx"
    assert m["externalData"] == {"text_encoder/model.onnx": "text_encoder/model.onnx.data",
                                 "vqgan/encoder.onnx": "vqgan/encoder.onnx.data",
                                 "vqgan/decoder.onnx": "vqgan/decoder.onnx.data",
                                 "transformer/base.onnx": "transformer/base.onnx.data",
                                 "transformer/base.fp16.onnx": "transformer/base.fp16.onnx.data"}
    for data in m["externalData"].values():
        assert data in m["files"] and (out / data).stat().st_size > 0
    # fp16 weights: half the fp32 data file, give or take the tensors kept inline (< 1 KiB each)
    ratio = (out / "transformer/base.fp16.onnx.data").stat().st_size / (out / "transformer/base.onnx.data").stat().st_size
    assert 0.45 < ratio < 0.55, ratio
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
    """Converts the real weights (with the fp16 transformer), checks the package, and (when
    diffusers is installed) compares this converter's modules with diffusers' own UVit2DModel /
    VQModel on the same inputs."""
    src = Path(os.environ["AMUSED_DIR"])
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    out = tmp_path / "pkg"
    parity = convert(src, out, fp16=True)
    m = check_package(out)
    assert m["vqgan"]["codebookSize"] == 8192 and m["stages"]["base"]["maskTokenId"] == 8255
    assert m["textEncoder"]["hiddenSize"] == 768 and m["textEncoder"]["maxLength"] == 77
    assert m["stages"]["base"]["grid"] in ([16, 16], [32, 32])
    assert parity["vq_encoder"] < 0.01 and max(v for k, v in parity.items() if k not in ("vq_encoder", "base_fp16")) < 1e-3
    fp16 = m["provenance"]["fp16"]
    print("fp16 transformer vs fp32:", fp16)
    assert m["stages"]["base"]["onnxFp16"] == "transformer/base.fp16.onnx"
    assert 1.1e9 < m["files"]["transformer/base.fp16.onnx"]["bytes"] < 1.3e9   # self-contained, < 2 GiB
    assert fp16["maxRelErr"] < 0.05 and fp16["argmaxAgreement"] > 0.9

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


# ---------------------------------------------------------------------------------------------
# --fp16: the fp16 transformer copy (stages.base.onnxFp16)

@pytest.fixture(scope="module")
def pkg256_fp16(ckpt256, tmp_path_factory) -> Path:
    """The same checkpoint as pkg256, converted through the command line with --fp16."""
    out = tmp_path_factory.mktemp("pkg") / "amused-256-fp16"
    assert main(["--src", str(ckpt256), "--out", str(out), "--name", "tiny-amused-256", "--fixture", "--fp16"]) == 0
    return out


def _graph(path: Path):
    import onnx

    return onnx.load(str(path), load_external_data=True)


def _fp16_inputs(pkg: Path, m: dict, batch_rows: int = 4) -> dict[str, np.ndarray]:
    """Fresh inputs unlike the converter's: real text-encoder outputs for several prompts,
    mostly / fully masked tokens, and micro-conditioning up to 1024 px (large sinusoid arguments)."""
    base = m["stages"]["base"]
    n, mask = base["grid"][0] * base["grid"][1], base["maskTokenId"]
    K = m["vqgan"]["codebookSize"]
    prompts = ["a blue boat", "", "two cats at night", "a small house by the sea"][:batch_rows]
    ids = engine_ids((pkg / "text_encoder/tokenizer.json").read_text(), prompts, 77, m["textEncoder"]["padTokenId"])
    hs, te = _session(pkg / "text_encoder/model.onnx").run(None, {"input_ids": ids.numpy()})
    g = torch.Generator().manual_seed(11)
    tokens = torch.randint(0, K, (len(prompts), n), generator=g)
    tokens[torch.rand(len(prompts), n, generator=g) < 0.7] = mask
    tokens[0] = mask                                           # the first step: everything masked
    micro = [base["microConditioning"]["values"], [1024.0, 1024, 0, 0, 6], [128.0, 128, 32, 16, 4], [512.0, 256, 0, 64, 9]]
    return {"tokens": tokens.numpy(), "text_states": hs, "pooled_text": te,
            "micro_conds": np.array(micro[:len(prompts)], dtype=np.float32)}


def _agreement(got: np.ndarray, want: np.ndarray) -> tuple[float, float, float]:
    diff = np.abs(got.astype(np.float64) - want.astype(np.float64))
    return (float(diff.max() / np.abs(want).max()), float(diff.max()),
            float(np.mean(got.argmax(-1) == want.argmax(-1))))


def test_fp16_copy_is_listed_and_leaves_the_other_graphs_alone(pkg256_fp16, pkg256):
    out, (ref, _) = pkg256_fp16, pkg256
    m = check_package(out)                      # hashes, sizes, and the fp16 graph's I/O contract
    r = json.loads((ref / "manifest.json").read_text())
    base = m["stages"]["base"]
    assert base.pop("onnxFp16") == "transformer/base.fp16.onnx"
    assert base == r["stages"]["base"] and m["textEncoder"] == r["textEncoder"] and m["vqgan"] == r["vqgan"]
    assert "externalData" not in m               # small graphs stay self-contained
    entry = m["files"].pop("transformer/base.fp16.onnx")
    assert entry == {"sha256": sha256_file(out / "transformer/base.fp16.onnx"),
                     "bytes": (out / "transformer/base.fp16.onnx").stat().st_size}
    # Same graphs, byte for byte, for everything else: text encoder and VQ stay fp32.
    assert m["files"] == r["files"]
    fp16 = m["provenance"]["fp16"]
    assert fp16["graph"] == "transformer/base.fp16.onnx"
    assert m["provenance"]["parity"]["base_fp16"] == fp16["maxRelErr"] < FP16_REL
    assert fp16["maxAbsErr"] < FP16_ABS and fp16["argmaxAgreement"] >= FP16_ARGMAX


def test_fp16_graph_has_the_fp32_contract_and_fp16_weights(pkg256_fp16):
    import onnx

    f32 = _graph(pkg256_fp16 / "transformer/base.onnx")
    f16 = _graph(pkg256_fp16 / "transformer/base.fp16.onnx")

    def io(g) -> list[bytes]:
        inits = {i.name for i in g.graph.initializer}
        return [v.SerializeToString() for v in [*g.graph.input, *g.graph.output] if v.name not in inits]

    def weight_bytes(g, elem_type: int) -> int:
        return sum(onnx.numpy_helper.to_array(i).nbytes for i in g.graph.initializer if i.data_type == elem_type)

    assert io(f16) == io(f32)                    # names, element types (float32 / int64) and dims
    assert weight_bytes(f16, onnx.TensorProto.FLOAT) == 0
    assert weight_bytes(f16, onnx.TensorProto.FLOAT16) * 2 == weight_bytes(f32, onnx.TensorProto.FLOAT)


@pytest.mark.parametrize("pkg_fixture", ["pkg256_fp16", "pkg512_fp16"])
def test_fp16_logits_agree_with_fp32(pkg_fixture, request):
    pkg = request.getfixturevalue(pkg_fixture)
    pkg = pkg[0] if isinstance(pkg, tuple) else pkg
    m = json.loads((pkg / "manifest.json").read_text())
    s32 = _session(pkg / m["stages"]["base"]["onnx"])
    s16 = _session(pkg / m["stages"]["base"]["onnxFp16"])
    assert [(i.name, i.type, i.shape) for i in s16.get_inputs()] == [(i.name, i.type, i.shape) for i in s32.get_inputs()]
    assert [(o.name, o.type, o.shape) for o in s16.get_outputs()] == [(o.name, o.type, o.shape) for o in s32.get_outputs()]
    feeds = _fp16_inputs(pkg, m)
    for rows in (slice(0, 1), slice(0, 4)):      # batch 1 and 4 (the converter exported with 2)
        part = {k: v[rows] for k, v in feeds.items()}
        (want,) = s32.run(None, part)
        (got,) = s16.run(None, part)
        assert got.dtype == np.float32 and got.shape == want.shape and np.isfinite(got).all()
        rel, abs_err, argmax = _agreement(got, want)
        assert rel < FP16_REL and abs_err < FP16_ABS and argmax >= FP16_ARGMAX, (rel, abs_err, argmax)
        assert abs_err > 0                       # it does compute in fp16
    # micro-conditioning still reaches the output
    (got,) = s16.run(None, {**feeds, "micro_conds": feeds["micro_conds"][[1, 1, 1, 1]]})
    (ref,) = s16.run(None, feeds)
    assert not np.allclose(got[0], ref[0])


def test_half_copy_is_the_model_in_fp16(ckpt256):
    from training.convert.uvit import half_copy

    ck = load_amused(ckpt256)
    half = half_copy(ck.uvit)
    want = ck.uvit.state_dict()
    got = half.state_dict()
    assert list(got) == list(want) and not half.training
    assert all(got[k].dtype == torch.float16 and torch.equal(got[k], want[k].half()) for k in want)


def test_half_precision_modules_keep_statistics_in_float32():
    """Inputs whose squares overflow fp16 (|x| > 256): RMSNorm and the global response norm give
    what float32 gives; the softmax of large attention scores stays finite."""
    from training.convert.layers import Attention, GlobalResponseNorm, RMSNorm

    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 6, 64, generator=g) * 400
    assert torch.isinf(x.half().pow(2).sum(-1)).any()           # what a plain fp16 norm would see
    norm = RMSNorm(64, 1e-6)
    with torch.no_grad():
        norm.weight.uniform_(0.5, 1.5, generator=g)
        want = norm(x)
        got = norm.half()(x.half()).float()
    assert got.dtype == torch.float32 and torch.isfinite(got).all() and max_rel_err(got.numpy(), want.numpy()) < 2e-3

    grn = GlobalResponseNorm(16)
    y = torch.randn(1, 16, 16, 16, generator=g) * 100            # Σ over 256 positions of ~10⁴
    assert torch.isinf(y.half().pow(2).sum(dim=(1, 2))).any()
    with torch.no_grad():
        grn.gamma.normal_(generator=g)
        grn.beta.normal_(generator=g)
        want = grn(y)
        got = grn.half()(y.half()).float()
    assert torch.isfinite(got).all() and max_rel_err(got.numpy(), want.numpy()) < 5e-3

    attn = Attention(32, 2, 16, bias=False, out_bias=False)
    q = torch.randn(1, 10, 32, generator=g) * 30
    with torch.no_grad():
        want = attn(q)
        got = attn.half()(q.half()).float()
    assert torch.isfinite(got).all() and max_rel_err(got.numpy(), want.numpy()) < 2e-2


def test_fp16_over_the_limit_is_refused_and_keeps_previous_package(ckpt256, tmp_path):
    out = tmp_path / "pkg"
    out.mkdir()
    (out / "manifest.json").write_text('{"good": true}')
    with pytest.raises(CheckpointError, match=r"base_fp16: fp16 logits differ from fp32 by .* \(limit 1e-09"):
        convert(ckpt256, out, fp16=True, fp16_parity_limit=1e-9, log=None)
    assert json.loads((out / "manifest.json").read_text()) == {"good": True}
    assert not (tmp_path / "pkg.partial").exists()


def _tsx() -> list[str] | None:
    tsx = ROOT / "node_modules/.bin/tsx"
    if not tsx.exists() or not (ROOT / "node_modules/onnxruntime-node").is_dir() or not shutil.which("node"):
        return None
    return [str(tsx)]


@pytest.mark.skipif(_tsx() is None, reason="needs node and the npm dev dependencies (tsx, onnxruntime-node)")
def test_engine_loads_the_fp16_package(pkg512_fp16):
    """The studio's TypeScript engine on the converted package: manifest parser, hashes, graph
    contracts, external data; preferFp16 opens base.fp16.onnx and never reads base.onnx."""
    out, _ = pkg512_fp16
    run = subprocess.run([*_tsx(), "training/tests/engine_load_package.ts", str(out)], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-4000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    fp32, fp16 = report["fp32"], report["fp16"]
    assert fp16["onnxFp16"] == "transformer/base.fp16.onnx"
    assert {"transformer/base.fp16.onnx", "transformer/base.fp16.onnx.data"} <= set(fp16["reads"])
    assert not {"transformer/base.onnx", "transformer/base.onnx.data"} & set(fp16["reads"])
    assert not {"transformer/base.fp16.onnx", "transformer/base.fp16.onnx.data"} & set(fp32["reads"])
    assert fp16["size"] == fp32["size"] == [128, 128]
    a, b = np.array(fp32["tokens"]), np.array(fp16["tokens"])
    assert a.shape == b.shape == (64,)
    # Same seed, 4 steps, guidance 10: sampling may flip on near-ties, but rarely (measured: all equal).
    assert np.mean(a == b) >= 0.9, np.mean(a == b)


def test_match_io_keeps_per_tensor_external_data(tmp_path):
    """match_io on a graph laid out as torch writes graphs over 2 GiB (one file per tensor), then
    finalize_onnx: the weights survive, and the declarations are the reference graph's."""
    import onnx

    from training.convert.amused import match_io
    from training.muse.onnx_utils import export_onnx, finalize_onnx

    class Half(torch.nn.Module):
        def __init__(self, net):
            super().__init__()
            self.net = net.half()

        def forward(self, x):
            return self.net(x.half()).float()

    net = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.GELU(), torch.nn.Linear(128, 4))
    x = torch.randn(3, 64)
    export_onnx(net, (x,), tmp_path / "ref/model.onnx", ["x"], ["y"], {"x": {0: "b"}, "y": {0: "b"}})
    half = Half(copy.deepcopy(net))
    work = tmp_path / "scratch"
    export_onnx(half, (x,), work / "model.onnx", ["x"], ["y"], {"x": {0: "batch"}, "y": {0: "batch"}})
    model = onnx.load(str(work / "model.onnx"))
    onnx.save_model(model, str(work / "model.onnx"), save_as_external_data=True, all_tensors_to_one_file=False,
                    size_threshold=0)
    match_io(work / "model.onnx", tmp_path / "ref/model.onnx")
    assert finalize_onnx(work / "model.onnx", tmp_path / "pkg/net.onnx", external_threshold=0) is not None
    got, ref = (onnx.load(str(p), load_external_data=False) for p in (tmp_path / "pkg/net.onnx", tmp_path / "ref/model.onnx"))
    assert [v.SerializeToString() for v in [*got.graph.input, *got.graph.output]] == \
           [v.SerializeToString() for v in [*ref.graph.input, *ref.graph.output]]
    (y,) = _session(tmp_path / "pkg/net.onnx").run(None, {"x": x.numpy()})
    with torch.no_grad():
        assert y.dtype == np.float32 and max_rel_err(y, net(x).numpy()) < 1e-2
