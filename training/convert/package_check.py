"""Checks a package folder against docs/MODEL_PACKAGE.md on the Python side: manifest fields and
rules, file list, sizes and hashes, and every ONNX graph's inputs/outputs (names, element types,
ranks, fixed dimensions). The TypeScript engine performs the same checks at load time; this is
what the converters' tests (and `python -m training.convert.package_check DIR`) use.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path, PurePosixPath

from training.muse.onnx_utils import sha256_file

SETTINGS = ("steps", "guidance", "guidanceRamp", "temperature", "confidenceNoise")


class PackageInvalid(ValueError):
    pass


def _graph_io(path: Path) -> tuple[dict, dict]:
    import onnx

    model = onnx.load(str(path), load_external_data=False)

    def describe(values) -> dict:
        out = {}
        for v in values:
            t = v.type.tensor_type
            dims = [d.dim_value if d.HasField("dim_value") else None for d in t.shape.dim]
            out[v.name] = (onnx.TensorProto.DataType.Name(t.elem_type).lower(), dims)
        return out

    inits = {i.name for i in model.graph.initializer}
    return describe([i for i in model.graph.input if i.name not in inits]), describe(model.graph.output)


def _expect(where: str, got: dict, want: dict) -> list[str]:
    """want: name -> (type, dims), dims entries an int (the manifest fixes it: a graph dim must be
    that number or dynamic), "B" (batch: must be dynamic) or None (anything). Same rules as the
    engine (src/engine/onnx/session.ts): names as a set, dynamic dims pass."""
    errs = []
    if set(got) != set(want):
        return [f"{where}: names {sorted(got)}, expected {sorted(want)}"]
    for name, (wt, wd) in want.items():
        gt, gd = got[name]
        if gt != wt:
            errs.append(f"{where} {name}: element type {gt}, expected {wt}")
        if len(gd) != len(wd):
            errs.append(f"{where} {name}: rank {len(gd)}, expected {len(wd)}")
            continue
        for i, (g, w) in enumerate(zip(gd, wd)):
            if w == "B" and g is not None:
                errs.append(f"{where} {name}: dim {i} (batch) is fixed to {g}; it must be dynamic")
            elif isinstance(w, int) and g is not None and g != w:
                errs.append(f"{where} {name}: dim {i} is {g}, expected {w}")
    return errs


def check_package(pkg: Path) -> dict:
    """Returns the manifest; raises PackageInvalid listing every problem found."""
    pkg = Path(pkg)
    errs: list[str] = []
    try:
        m = json.loads((pkg / "manifest.json").read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise PackageInvalid(f"manifest.json: {e}") from None

    def req(obj: dict, key: str, types, where: str):
        if not isinstance(obj, dict) or key not in obj:
            errs.append(f"{where}.{key}: missing")
            return None
        v = obj[key]
        allowed = types if isinstance(types, tuple) else (types,)
        if not isinstance(v, allowed) or (isinstance(v, bool) and bool not in allowed):
            errs.append(f"{where}.{key}: wrong type {type(v).__name__}")
            return None
        return v

    if m.get("format") != "muse-studio-package":
        errs.append("format: must be 'muse-studio-package'")
    if m.get("formatVersion") != 1:
        errs.append("formatVersion: must be 1")
    name = req(m, "name", str, "manifest")
    if name is not None and not re.fullmatch(r"[a-z0-9-]+", name):
        errs.append(f"name {name!r}: must match [a-z0-9-]+")
    for k in ("displayName", "description", "license"):
        req(m, k, str, "manifest")
    req(m, "fixture", bool, "manifest")
    prov = req(m, "provenance", dict, "manifest") or {}
    req(prov, "source", str, "provenance")
    req(prov, "created", str, "provenance")
    files = req(m, "files", dict, "manifest") or {}

    referenced: list[str] = []

    def path_field(obj: dict, key: str, where: str) -> str | None:
        p = req(obj, key, str, where)
        if p is None:
            return None
        pp = PurePosixPath(p)
        if p.startswith("/") or ".." in pp.parts or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", p) or "\\" in p:
            errs.append(f"{where}.{key}: {p!r} is not a relative path inside the package")
            return None
        if p not in files:
            errs.append(f"{where}.{key}: {p!r} is not listed in files")
        referenced.append(p)
        return p

    te = req(m, "textEncoder", dict, "manifest") or {}
    kind = te.get("kind")
    if kind not in ("t5", "clip"):
        errs.append(f"textEncoder.kind: {kind!r}, expected 't5' or 'clip'")
    for k in ("onnx", "tokenizer", "config"):
        path_field(te, k, "textEncoder")
    S = req(te, "maxLength", int, "textEncoder")
    D = req(te, "hiddenSize", int, "textEncoder")
    req(te, "padTokenId", int, "textEncoder")
    P = None
    if kind == "clip":
        P = req(te, "projectionDim", int, "textEncoder")
    elif "projectionDim" in te:
        errs.append("textEncoder.projectionDim: only for kind 'clip'")

    vq = req(m, "vqgan", dict, "manifest") or {}
    path_field(vq, "encoder", "vqgan")
    path_field(vq, "decoder", "vqgan")
    f = req(vq, "downsample", int, "vqgan")
    K = req(vq, "codebookSize", int, "vqgan")
    pr = req(vq, "pixelRange", list, "vqgan")
    if pr is not None and not (len(pr) == 2 and all(isinstance(x, (int, float)) for x in pr) and pr[0] < pr[1]):
        errs.append(f"vqgan.pixelRange: {pr!r} must be [low, high] with low < high")

    stages = req(m, "stages", dict, "manifest") or {}
    base = req(stages, "base", dict, "stages") or {}
    M = None
    for sname, st in (("base", base), ("superRes", stages.get("superRes"))):
        if st is None:
            continue
        where = f"stages.{sname}"
        path_field(st, "onnx", where)
        grid = req(st, "grid", list, where)
        size = req(st, "imageSize", list, where)
        mask = req(st, "maskTokenId", int, where)
        if grid and size and f and [g * f for g in grid] != size:
            errs.append(f"{where}: imageSize {size} != grid {grid} × downsample {f}")
        if mask is not None and K is not None and mask < K:
            errs.append(f"{where}.maskTokenId {mask} < codebookSize {K}")
        d = req(st, "defaults", dict, where) or {}
        for k in SETTINGS:
            if k not in d:
                errs.append(f"{where}.defaults.{k}: missing")
        if d:
            if not (isinstance(d.get("steps"), int) and 1 <= d["steps"] <= 64):
                errs.append(f"{where}.defaults.steps must be an integer 1–64")
            if not (isinstance(d.get("guidance"), (int, float)) and d["guidance"] >= 0):
                errs.append(f"{where}.defaults.guidance must be ≥ 0")
            if not (isinstance(d.get("temperature"), (int, float)) and d["temperature"] > 0):
                errs.append(f"{where}.defaults.temperature must be > 0")
            if not (isinstance(d.get("confidenceNoise"), (int, float)) and d["confidenceNoise"] >= 0):
                errs.append(f"{where}.defaults.confidenceNoise must be ≥ 0")
            if d.get("guidanceRamp") not in ("none", "linear"):
                errs.append(f"{where}.defaults.guidanceRamp must be 'none' or 'linear'")
        if "onnxFp16" in st:
            if sname != "base":
                errs.append(f"{where}.onnxFp16: only for the base stage")
            elif path_field(st, "onnxFp16", where) == st.get("onnx"):
                errs.append(f"{where}.onnxFp16: must name a different file than {where}.onnx")
        if st.get("confidenceSchedule", "linear-from-next") not in ("linear-from-next", "amused"):
            errs.append(f"{where}.confidenceSchedule must be 'linear-from-next' or 'amused'")
        mc = st.get("microConditioning")
        if sname == "base" and kind == "clip":
            if not isinstance(mc, dict) or not isinstance(mc.get("values"), list) or not mc["values"] \
                    or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in mc["values"]):
                errs.append(f"{where}.microConditioning: required for CLIP packages, with a non-empty numeric 'values'")
            else:
                M = len(mc["values"])
                names = mc.get("names")
                if names is not None and (not isinstance(names, list) or len(names) != M):
                    errs.append(f"{where}.microConditioning.names must list one name per value")
        elif mc is not None:
            errs.append(f"{where}.microConditioning: only for the base stage of CLIP packages")
    sr = stages.get("superRes")
    if sr is not None:
        if kind == "clip":
            errs.append("stages.superRes: not supported with a CLIP text encoder")
        elif sr.get("lowResGrid") != base.get("grid"):
            errs.append("stages.superRes.lowResGrid must equal stages.base.grid")

    ext = m.get("externalData", {})
    if not isinstance(ext, dict):
        errs.append("externalData: must be an object")
        ext = {}
    graphs = {te.get("onnx"), vq.get("encoder"), vq.get("decoder"), base.get("onnx")} | ({sr.get("onnx")} if sr else set())
    if base.get("onnxFp16"):
        graphs.add(base["onnxFp16"])
    for g, data in ext.items():
        if g not in graphs:
            errs.append(f"externalData: {g!r} is not one of the package's graphs")
        holder = {"data": data}
        p = path_field(holder, "data", f"externalData[{g!r}]")
        if p is not None and PurePosixPath(p).parent != PurePosixPath(g).parent:
            errs.append(f"externalData[{g!r}]: {p!r} must sit in the graph's folder")

    # files: exist, sizes, hashes; nothing unlisted, nothing listed but unused.
    for rel, entry in files.items():
        fp = pkg / rel
        if not fp.is_file():
            errs.append(f"files[{rel!r}]: missing")
            continue
        if not isinstance(entry, dict) or not re.fullmatch(r"[0-9a-f]{64}", str(entry.get("sha256", ""))):
            errs.append(f"files[{rel!r}]: needs sha256 (64 lower-case hex) and bytes")
            continue
        if fp.stat().st_size != entry.get("bytes"):
            errs.append(f"files[{rel!r}]: {fp.stat().st_size} bytes, manifest says {entry.get('bytes')}")
        elif sha256_file(fp) != entry["sha256"]:
            errs.append(f"files[{rel!r}]: sha256 mismatch")
    on_disk = {str(q.relative_to(pkg)).replace("\\", "/") for q in pkg.rglob("*") if q.is_file()} - {"manifest.json"}
    for extra in sorted(on_disk - set(files)):
        errs.append(f"{extra}: in the package folder but not in files")
    for unused in sorted(set(files) - set(referenced)):
        errs.append(f"files[{unused!r}]: listed but not referenced by the manifest")

    # ONNX graphs.
    if not errs and None not in (S, D, K):
        specs: dict[str, tuple[dict, dict]] = {}
        if kind == "clip":
            specs[te["onnx"]] = ({"input_ids": ("int64", ["B", S])},
                                 {"hidden_states": ("float", ["B", S, D]), "text_embeds": ("float", ["B", P])})
        else:
            specs[te["onnx"]] = ({"input_ids": ("int64", [None, None]), "attention_mask": ("int64", [None, None])},
                                 {"last_hidden_state": ("float", [None, None, D])})
        specs[vq["encoder"]] = ({"pixels": ("float", ["B", 3, None, None])}, {"tokens": ("int64", ["B", None, None])})
        specs[vq["decoder"]] = ({"tokens": ("int64", ["B", None, None])}, {"pixels": ("float", ["B", 3, None, None])})
        n = base["grid"][0] * base["grid"][1]
        if kind == "clip":
            specs[base["onnx"]] = ({"tokens": ("int64", ["B", n]), "text_states": ("float", ["B", S, D]),
                                    "pooled_text": ("float", ["B", P]), "micro_conds": ("float", ["B", M])},
                                   {"logits": ("float", ["B", n, K])})
        else:
            specs[base["onnx"]] = ({"tokens": ("int64", ["B", n]), "text_states": ("float", ["B", S, D]),
                                    "text_mask": ("int64", ["B", S])}, {"logits": ("float", ["B", n, K])})
        if base.get("onnxFp16"):    # fp16 copy: same contract (float32 inputs and outputs)
            specs[base["onnxFp16"]] = specs[base["onnx"]]
        if sr:
            nsr = sr["grid"][0] * sr["grid"][1]
            specs[sr["onnx"]] = ({"tokens": ("int64", ["B", nsr]), "low_res_tokens": ("int64", ["B", n]),
                                  "text_states": ("float", ["B", S, D]), "text_mask": ("int64", ["B", S])},
                                 {"logits": ("float", ["B", nsr, K])})
        for rel, (win, wout) in specs.items():
            try:
                gin, gout = _graph_io(pkg / rel)
            except Exception as e:  # noqa: BLE001
                errs.append(f"{rel}: not a readable ONNX graph ({e})")
                continue
            errs += _expect(f"{rel} inputs", gin, win)
            errs += _expect(f"{rel} outputs", gout, wout)
    if errs:
        raise PackageInvalid("\n".join(errs))
    return m


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    if len(args) != 1:
        print("usage: python -m training.convert.package_check PACKAGE_DIR", file=sys.stderr)
        return 2
    try:
        check_package(Path(args[0]))
    except PackageInvalid as e:
        print(e, file=sys.stderr)
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
