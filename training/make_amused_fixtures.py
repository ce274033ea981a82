"""Builds the aMUSEd-layout test packages the engine's Node tests run (random weights, tiny sizes,
aMUSEd's real key names and config fields, converted with the real converter):

- tests/fixtures/amused-tiny/      256-style U-ViT, 16×16 tokens, 256×256 px; every graph keeps its
                                   weights in an external-data file (`externalData` in the manifest),
                                   and the base transformer has an fp16 copy (`stages.base.onnxFp16`,
                                   what a future `convert --fp16` would write);
- tests/fixtures/amused-tiny-512/  512-style U-ViT with down/up-sampling, 32×32 tokens, 512×512 px;
                                   self-contained graphs;
- tests/fixtures/amused-tiny-expected.json  reference values from PyTorch/transformers for the
                                   engine tests: the pipeline's own tokenization (transformers'
                                   CLIPTokenizer, padding="max_length", truncation) of a few prompts,
                                   and the CLIP text encoder's penultimate hidden states and projected
                                   `text_embeds` for two of them (computed by transformers, not by the
                                   exported graph).

    scripts/py.sh -m training.make_amused_fixtures [--out tests/fixtures]
"""
from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

import torch

from .convert.amused import convert, load_amused
from .convert.amused_fixture import write_tiny_amused
from .convert.clip import reference_ids
from .convert.package_check import check_package, validate_manifest
from .muse.onnx_utils import max_rel_err, sha256_file

# Prompts whose tokenization the engine must reproduce: plain, empty, odd spacing and case,
# punctuation and contractions, non-ASCII (byte fallback of the byte-level alphabet), a word the
# tiny vocabulary lacks (split into characters), and one far longer than 77 tokens (truncation).
PROMPTS = [
    "a photo of a red cat at sunset",
    "",
    "  A   Photo\tOF the CAT  ",
    "Hello, World! don't stop; it's 3 o'clock",
    "ünïcødé café 🎈 naïve",
    "zebra",
    " ".join(["a painting of a small house by the sea, at night, with a big red balloon"] * 8),
]
ENCODED = ["a photo of a red cat at sunset", ""]


def _rounded(t: torch.Tensor) -> list:
    return [float(f"{x:.7g}") for x in t.flatten().tolist()]


def add_fp16_base(pkg: Path) -> float:
    """Adds `transformer/base.fp16.onnx`: the base graph with fp16 weights and arithmetic and
    float32 inputs/outputs (onnxruntime's float16 converter, keep_io_types), with its own
    external-data file when the fp32 graph has one; updates the manifest. Returns the fp16
    graph's max relative error against the fp32 graph on random inputs (onnxruntime, CPU)."""
    import numpy as np
    import onnx
    import onnxruntime as ort
    from onnxruntime.transformers.float16 import convert_float_to_float16

    m = json.loads((pkg / "manifest.json").read_text())
    base = m["stages"]["base"]
    rel = base["onnx"].replace(".onnx", ".fp16.onnx")
    model16 = convert_float_to_float16(onnx.load(str(pkg / base["onnx"]), load_external_data=True), keep_io_types=True)
    ext = m.get("externalData", {})
    written = [rel]
    if base["onnx"] in ext:
        data = rel + ".data"
        onnx.save_model(model16, str(pkg / rel), save_as_external_data=True, all_tensors_to_one_file=True,
                        location=Path(data).name, size_threshold=1024, convert_attribute=False)
        ext[rel] = data
        written.append(data)
    else:
        onnx.save_model(model16, str(pkg / rel))
    base["onnxFp16"] = rel

    g = np.random.default_rng(0)
    n = base["grid"][0] * base["grid"][1]
    te = m["textEncoder"]
    feeds = {"tokens": g.integers(0, base["maskTokenId"] + 1, (2, n)).astype(np.int64),
             "text_states": g.standard_normal((2, te["maxLength"], te["hiddenSize"])).astype(np.float32),
             "pooled_text": g.standard_normal((2, te["projectionDim"])).astype(np.float32),
             "micro_conds": np.array([base["microConditioning"]["values"]] * 2, dtype=np.float32)}
    cpu = ["CPUExecutionProvider"]
    want = ort.InferenceSession(str(pkg / base["onnx"]), providers=cpu).run(None, feeds)[0]
    got = ort.InferenceSession(str(pkg / rel), providers=cpu).run(None, feeds)[0]
    err = max_rel_err(got.astype(np.float64), want.astype(np.float64))
    m["provenance"]["parity"]["base_fp16"] = err
    for f in written:
        m["files"][f] = {"sha256": sha256_file(pkg / f), "bytes": (pkg / f).stat().st_size}
    m["files"] = dict(sorted(m["files"].items()))
    validate_manifest(m)  # schemas/manifest.schema.json, like every other writer: never write one the studio refuses
    (pkg / "manifest.json").write_text(json.dumps(m, indent=2, ensure_ascii=False) + "\n")
    return err


def build(out_root: Path) -> None:
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory(prefix="amused-fixture-") as tmp_name:
        tmp = Path(tmp_name)
        src256 = write_tiny_amused(tmp / "amused-tiny", downsample=False, grid=16, seed=0)
        src512 = write_tiny_amused(tmp / "amused-tiny-512", downsample=True, grid=32, seed=1)
        convert(src256, out_root / "amused-tiny", name="amused-tiny", fixture=True, external_threshold=0,
                display_name="aMUSEd-layout tiny fixture, 256 px (random weights)")
        convert(src512, out_root / "amused-tiny-512", name="amused-tiny-512", fixture=True,
                display_name="aMUSEd-layout tiny fixture, 512 px (random weights)")
        print(f"  fp16 base graph: max relative error vs fp32 {add_fp16_base(out_root / 'amused-tiny'):.2e}")
        for pkg in ("amused-tiny", "amused-tiny-512"):
            check_package(out_root / pkg)

        ck = load_amused(src256)
        S = ck.tok.max_length
        ids = reference_ids(src256 / "tokenizer", PROMPTS, S)
        clip = ck.clip.eval()
        encoded = {}
        with torch.no_grad():
            for p in ENCODED:
                row = ids[PROMPTS.index(p)][None]
                o = clip(input_ids=row, output_hidden_states=True, return_dict=True)
                encoded[p] = {"hidden_states": _rounded(o.hidden_states[-2][0]), "text_embeds": _rounded(o.text_embeds[0])}
        expected = {
            "about": "Reference values for tests/node (training/make_amused_fixtures.py): ids from transformers' "
                     "CLIPTokenizer with padding='max_length' and truncation; hidden_states = transformers' "
                     "hidden_states[-2] [S, D] row-major, text_embeds [P] of CLIPTextModelWithProjection.",
            "package": "amused-tiny",
            "maxLength": S,
            "padTokenId": ck.tok.pad_token_id,
            "ids": {p: ids[i].tolist() for i, p in enumerate(PROMPTS)},
            "encoded": encoded,
        }
        (out_root / "amused-tiny-expected.json").write_text(json.dumps(expected, ensure_ascii=False) + "\n")
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="tests/fixtures", type=Path, help="folder to write the fixtures into")
    a = ap.parse_args()
    torch.set_num_threads(1)
    build(a.out)
    print("wrote", a.out / "amused-tiny", a.out / "amused-tiny-512", a.out / "amused-tiny-expected.json")


if __name__ == "__main__":
    main()
