"""ONNX helpers shared by the studio's exporter (muse/export.py) and the checkpoint converters
(training/convert/): export one torch module, check it against torch in onnxruntime, move large
weights into one external-data file, hash files for the manifest.
"""
from __future__ import annotations

import hashlib
import shutil
import warnings
from pathlib import Path

import numpy as np
import torch

OPSET = 17
# Protobuf cannot hold more than 2 GiB; graphs whose weights exceed this are always stored with
# their weights in one external-data file (docs/MODEL_PACKAGE.md, "Large graphs").
PROTOBUF_LIMIT = 2**31 - 1


def export_onnx(module: torch.nn.Module, args: tuple, path: Path, inputs: list[str], outputs: list[str],
                dynamic: dict[str, dict[int, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    module.eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, args, str(path), input_names=inputs, output_names=outputs,
                          dynamic_axes=dynamic, opset_version=OPSET, dynamo=False,
                          do_constant_folding=True)


def max_rel_err(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(b))), 1e-12))


def check_parity(path: Path, module: torch.nn.Module, feeds: dict[str, torch.Tensor]) -> float:
    """Run the ONNX graph in onnxruntime and the module in torch on the same inputs.

    Every output is compared (a module returning a tuple has one per graph output, in order);
    the result is the worst one: max relative error for floats, fraction of differing ids for
    integer outputs.
    """
    import onnxruntime as ort

    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = sess.run(None, {k: v.numpy() for k, v in feeds.items()})
    with torch.no_grad():
        want = module(*feeds.values())
    if isinstance(want, torch.Tensor):
        want = (want,)
    if len(got) != len(want):
        raise AssertionError(f"{path}: graph has {len(got)} outputs, torch module {len(want)}")
    worst = 0.0
    for g, w in zip(got, want):
        w = w.numpy()
        if g.shape != w.shape:
            raise AssertionError(f"{path}: output shape {list(g.shape)} != torch {list(w.shape)}")
        if g.dtype.kind in "iu":
            err = float(np.mean(g != w))  # token ids: fraction that differ
        else:
            err = max_rel_err(g.astype(np.float64), w.astype(np.float64))
        worst = max(worst, err)
    return worst


def sha256_file(p: Path) -> str:
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def finalize_onnx(src: Path, dest: Path, external_threshold: int = PROTOBUF_LIMIT) -> Path | None:
    """Moves an exported graph to `dest`. When its weights exceed `external_threshold` bytes, they
    go into ONE external-data file `<dest name>.data` beside it (torch writes one file per tensor
    for graphs over 2 GiB; the package wants a single, hashable file). Returns the data file's
    path, or None when the graph is self-contained. `src`'s folder is scratch and may be removed.
    """
    import onnx

    dest.parent.mkdir(parents=True, exist_ok=True)
    weights = sum(f.stat().st_size for f in src.parent.iterdir() if f.is_file())
    if weights <= external_threshold:
        shutil.move(str(src), str(dest))
        return None
    model = onnx.load(str(src), load_external_data=True)
    data = dest.with_name(dest.name + ".data")
    if data.exists():
        data.unlink()
    onnx.save_model(model, str(dest), save_as_external_data=True, all_tensors_to_one_file=True,
                    location=data.name, size_threshold=1024, convert_attribute=False)
    return data if data.exists() else None   # every tensor under 1 KiB: nothing was moved out


def round_to_fp16(module: torch.nn.Module) -> None:
    """Rounds every float parameter of `module` to the nearest float16 value (kept as float32), so
    a graph exported from it can store those weights as float16 without losing anything: the
    rounded module *is* the model the package holds, and torch-vs-ONNX parity stays exact."""
    with torch.no_grad():
        for p in module.parameters():
            if p.is_floating_point():
                p.copy_(p.to(torch.float16).to(p.dtype))


def store_weights_fp16(path: Path, min_elements: int = 1024) -> int:
    """Rewrites the graph at `path` so each float32 initializer of at least `min_elements` values
    that float16 holds exactly is stored as float16 and widened back by a Cast at the graph's
    start; returns the bytes saved. Compute stays float32: ONNX Runtime folds the Casts of
    constants into float32 weights when it creates the session, so only the file halves.
    Initializers float16 cannot hold exactly (constants torch folded from several weights) stay
    float32, so the graph computes exactly what it did before (export after `round_to_fp16`)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(path))
    graph = model.graph
    graph_inputs = {i.name for i in graph.input}
    casts = []
    saved = 0
    for init in graph.initializer:
        if init.data_type != TensorProto.FLOAT or init.name in graph_inputs:
            continue
        arr = numpy_helper.to_array(init)
        if arr.size < min_elements:
            continue
        half = arr.astype(np.float16)
        if not np.array_equal(half.astype(np.float32), arr):
            continue
        name = init.name
        init.CopyFrom(numpy_helper.from_array(half, f"{name}.fp16"))
        casts.append(helper.make_node("Cast", [f"{name}.fp16"], [name], to=TensorProto.FLOAT,
                                      name=f"widen/{name}"))
        saved += arr.nbytes - half.nbytes
    if casts:
        nodes = casts + list(graph.node)
        del graph.node[:]
        graph.node.extend(nodes)
        onnx.checker.check_model(model)
        onnx.save(model, str(path))
    return saved
