"""Checks a package folder on the Python side: the manifest against schemas/manifest.schema.json
(with `jsonschema`, the same file the TypeScript engine's validator is compiled from), the rules
that relate two fields (the ones the schema's `$comment`s list, as src/engine/manifest/parse.ts
checks them), the file list, sizes and hashes, and every ONNX graph's inputs/outputs against
schemas/onnx-graphs.json. tests/fixtures/manifest-cases.json holds bad manifests both sides
must refuse. Used by the converters' tests, the writers (`validate_manifest` before writing) and
`python -m training.convert.package_check DIR`.
"""
from __future__ import annotations

import json
import re
import sys
from functools import lru_cache
from pathlib import Path, PurePosixPath

from training.muse.onnx_utils import sha256_file

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
FORMAT = "muse-studio-package"
FORMAT_VERSION = 1


class PackageInvalid(ValueError):
    pass


@lru_cache(maxsize=1)
def _validator():
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    docs = {n: json.loads((SCHEMAS / n).read_text()) for n in ("manifest.schema.json", "settings.schema.json")}
    registry = Registry().with_resources((d["$id"], Resource.from_contents(d)) for d in docs.values())
    schema = docs["manifest.schema.json"]
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, registry=registry)


def _field(path) -> str:
    out = ""
    for seg in path:
        seg = str(seg)
        out += (("." if out else "") + seg) if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", seg) else f"[{json.dumps(seg)}]"
    return out or "manifest"


def schema_errors(m) -> list[str]:
    """Every place `m` breaks schemas/manifest.schema.json, as "field: what is wrong"."""
    errs = []
    for e in sorted(_validator().iter_errors(m), key=lambda e: list(map(str, e.absolute_path))):
        schema = e.schema if isinstance(e.schema, dict) else {}
        if e.validator == "required":
            for key in (k for k in e.validator_value if k not in e.instance):
                why = f" ({schema['x-why']})" if "x-why" in schema else ""
                errs.append(f"{_field([*e.absolute_path, key])}: is missing{why}")
            continue
        # x-expected (the schema's wording for messages) says more than jsonschema's generic text.
        expected = schema.get("x-expected")
        errs.append(f"{_field(e.absolute_path)}: {('must be ' + expected) if expected else e.message}")
    return errs


def _folder(p: str) -> str:
    return p[: p.rfind("/") + 1]


def rule_errors(m: dict) -> list[str]:
    """The rules relating two fields (a schema-valid `m`): same rules and order as parse.ts."""
    errs: list[str] = []
    te, vq, stages, files = m["textEncoder"], m["vqgan"], m["stages"], m["files"]
    base, sr = stages["base"], stages.get("superRes")
    lo, hi = vq["pixelRange"]
    if not lo < hi:
        errs.append(f"vqgan.pixelRange: must be [low, high] with low < high, got {vq['pixelRange']}")
    refs = [("textEncoder.onnx", te["onnx"]), ("textEncoder.tokenizer", te["tokenizer"]), ("textEncoder.config", te["config"]),
            ("vqgan.encoder", vq["encoder"]), ("vqgan.decoder", vq["decoder"]), ("stages.base.onnx", base["onnx"])]
    if "onnxFp16" in base:
        refs.append(("stages.base.onnxFp16", base["onnxFp16"]))
    if sr is not None:
        refs.append(("stages.superRes.onnx", sr["onnx"]))
    if "previewAtlas" in vq:
        refs.append(("vqgan.previewAtlas", vq["previewAtlas"]))
    errs += [f"{field}: names {p!r}, which is not listed in files" for field, p in refs if p not in files]
    atlas = vq.get("previewAtlas")
    if atlas in files:
        want = vq["codebookSize"] * vq["downsample"] ** 2 * 4
        if files[atlas]["bytes"] != want:
            errs.append(f"vqgan.previewAtlas: {atlas!r} must be codebookSize × downsample² × 4 = {want} bytes, "
                        f"files says {files[atlas]['bytes']}")
    for name, st in (("base", base), ("superRes", sr)):
        if st is None:
            continue
        want = [g * vq["downsample"] for g in st["grid"]]
        if st["imageSize"] != want:
            errs.append(f"stages.{name}.imageSize: must be grid × vqgan.downsample = {want}, got {st['imageSize']}")
        if st["maskTokenId"] < vq["codebookSize"]:
            errs.append(f"stages.{name}.maskTokenId: must be ≥ vqgan.codebookSize ({vq['codebookSize']}), got {st['maskTokenId']}")
    if base.get("onnxFp16") == base["onnx"]:
        errs.append("stages.base.onnxFp16: must name a different file than stages.base.onnx")
    mc = base.get("microConditioning")
    if mc and "names" in mc and len(mc["names"]) != len(mc["values"]):
        errs.append(f"stages.base.microConditioning.names: must name each of the {len(mc['values'])} values")
    if sr is not None and sr["lowResGrid"] != base["grid"]:
        errs.append(f"stages.superRes.lowResGrid: must equal stages.base.grid {base['grid']}, got {sr['lowResGrid']}")
    graphs = {p for field, p in refs if field not in ("textEncoder.tokenizer", "textEncoder.config")}
    for graph, data in m.get("externalData", {}).items():
        where = _field(["externalData", graph])
        if graph not in graphs:
            errs.append(f"{where}: {graph!r} is not one of the package's ONNX graphs")
        if data not in files:
            errs.append(f"{where}: names {data!r}, which is not listed in files")
        if data in graphs:
            errs.append(f"{where}: {data!r} is an ONNX graph, not its external data")
        if _folder(data) != _folder(graph):
            errs.append(f"{where}: {data!r} must be in the graph's folder")
    return errs


def manifest_errors(m) -> list[str]:
    """Everything wrong with a manifest that needs no package files."""
    if not isinstance(m, dict):
        return ["manifest: must hold a JSON object"]
    if m.get("format") != FORMAT:
        return [f"format: not a Muse Studio model package (expected {FORMAT!r})"]
    if m.get("formatVersion") != FORMAT_VERSION:
        return [f"formatVersion: unsupported version {m.get('formatVersion')!r} (this code writes {FORMAT_VERSION})"]
    return schema_errors(m) or rule_errors(m)


def validate_manifest(m) -> None:
    """Raises PackageInvalid listing what is wrong with `m`; writers call it before writing manifest.json."""
    errs = manifest_errors(m)
    if errs:
        raise PackageInvalid("manifest.json: " + "\n".join(errs))


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


def _graph_specs(m: dict) -> dict[str, tuple[dict, dict]]:
    """graph file -> (inputs, outputs) as `_expect` wants them, from schemas/onnx-graphs.json."""
    graphs = json.loads((SCHEMAS / "onnx-graphs.json").read_text())["graphs"]
    te, vq, stages = m["textEncoder"], m["vqgan"], m["stages"]
    base, sr = stages["base"], stages.get("superRes")
    kind = te["kind"]
    sizes = {"S": te["maxLength"], "D": te["hiddenSize"], "K": vq["codebookSize"], "L": base["grid"][0] * base["grid"][1]}
    if kind == "clip":
        sizes |= {"P": te["projectionDim"], "M": len(base["microConditioning"]["values"])}

    def spec(key: str, n: int | None = None) -> tuple[dict, dict]:
        raw = graphs[kind].get(key) or graphs["any"][key]
        dims = sizes | ({"N": n} if n is not None else {})

        def side(tensors) -> dict:
            return {name: ("float" if t == "float32" else t, [None if d == "*" else d if isinstance(d, int) or d == "B" else dims[d]
                                                               for d in shape]) for name, t, shape in tensors}
        return side(raw["inputs"]), side(raw["outputs"])

    specs = {te["onnx"]: spec("textEncoder"), vq["encoder"]: spec("vqEncoder"), vq["decoder"]: spec("vqDecoder"),
             base["onnx"]: spec("base", base["grid"][0] * base["grid"][1])}
    if base.get("onnxFp16"):    # fp16 copy: same contract (float32 inputs and outputs)
        specs[base["onnxFp16"]] = specs[base["onnx"]]
    if sr:
        specs[sr["onnx"]] = spec("superRes", sr["grid"][0] * sr["grid"][1])
    return specs


def check_package(pkg: Path) -> dict:
    """Returns the manifest; raises PackageInvalid listing every problem found."""
    pkg = Path(pkg)
    try:
        m = json.loads((pkg / "manifest.json").read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise PackageInvalid(f"manifest.json: {e}") from None
    errs = manifest_errors(m)
    if errs:    # the file checks below assume a valid manifest
        raise PackageInvalid("\n".join(errs))
    files = m["files"]
    te, vq, stages = m["textEncoder"], m["vqgan"], m["stages"]
    referenced = [te["onnx"], te["tokenizer"], te["config"], vq["encoder"], vq["decoder"], stages["base"]["onnx"],
                  *[p for p in (stages["base"].get("onnxFp16"), (stages.get("superRes") or {}).get("onnx"), vq.get("previewAtlas")) if p],
                  *m.get("externalData", {}).values()]

    # files: exist, sizes, hashes; nothing unlisted, nothing listed but unused.
    for rel, entry in files.items():
        fp = pkg / rel
        if not fp.is_file():
            errs.append(f"files[{rel!r}]: missing")
            continue
        if fp.stat().st_size != entry["bytes"]:
            errs.append(f"files[{rel!r}]: {fp.stat().st_size} bytes, manifest says {entry['bytes']}")
        elif sha256_file(fp) != entry["sha256"]:
            errs.append(f"files[{rel!r}]: sha256 mismatch")
    on_disk = {str(q.relative_to(pkg)).replace("\\", "/") for q in pkg.rglob("*") if q.is_file()} - {"manifest.json"}
    for extra in sorted(on_disk - set(files)):
        errs.append(f"{extra}: in the package folder but not in files")
    for unused in sorted(set(files) - set(referenced)):
        errs.append(f"files[{unused!r}]: listed but not referenced by the manifest")

    # ONNX graphs.
    if not errs:
        for rel, (win, wout) in _graph_specs(m).items():
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
