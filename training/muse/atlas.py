"""The super-res preview atlas a package carries (docs/MODEL_PACKAGE.md, ``vqgan.previewAtlas``).

While the super-res stage runs, the studio previews its tokens as a mosaic: each token drawn as
its code's patch. A patch is the centre token of a 3x3 grid of that one code, decoded by the
package's own VQ decoder, as src/engine/pipeline/mosaic.ts ``buildAtlas`` makes it. Building it
in the browser takes a thousand decodes (seconds on WASM, on every device's first visit), so the
export writes it once: K patches of f x f RGBA bytes, code after code, row after row.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnxruntime as ort

from training.convert.package_check import validate_manifest

from .onnx_utils import sha256_file

ATLAS_FILE = "vqgan/preview_atlas.rgba"
_CHUNK = 64


def preview_atlas(decoder: Path, codes: int, f: int, pixel_range: tuple[float, float] = (-1.0, 1.0)) -> bytes:
    """The atlas bytes from the exported decoder graph (its ``tokens`` -> ``pixels`` contract)."""
    lo, hi = pixel_range
    sess = ort.InferenceSession(str(decoder), providers=["CPUExecutionProvider"])
    out = np.empty((codes, f, f, 4), dtype=np.uint8)
    out[..., 3] = 255
    for first in range(0, codes, _CHUNK):
        ids = np.arange(first, min(first + _CHUNK, codes), dtype=np.int64)
        grids = np.repeat(ids[:, None, None], 3, axis=1).repeat(3, axis=2)
        (pixels,) = sess.run(["pixels"], {"tokens": grids})
        centre = np.clip(pixels[:, :, f:2 * f, f:2 * f], lo, hi)
        # As planarToRgba: Math.round, i.e. halves up (numpy's round would take them to even).
        rgb = np.floor((centre - lo) * (255.0 / (hi - lo)) + 0.5).astype(np.uint8)
        out[ids, :, :, :3] = rgb.transpose(0, 2, 3, 1)
    return out.tobytes()


def write_preview_atlas(package: Path, manifest: dict) -> None:
    """Writes the atlas into ``package`` and records it in ``manifest`` (its vqgan and files, kept sorted)."""
    vq = manifest["vqgan"]
    data = preview_atlas(package / vq["decoder"], vq["codebookSize"], vq["downsample"], tuple(vq["pixelRange"]))
    (package / ATLAS_FILE).write_bytes(data)
    vq["previewAtlas"] = ATLAS_FILE
    files = {**manifest["files"], ATLAS_FILE: {"sha256": sha256_file(package / ATLAS_FILE), "bytes": len(data)}}
    manifest["files"] = dict(sorted(files.items()))


def add_preview_atlas(package: Path) -> Path:
    """Gives an exported package its atlas in place (its graphs untouched); returns the file."""
    path = package / "manifest.json"
    manifest = json.loads(path.read_text())
    if "superRes" not in manifest["stages"]:
        raise SystemExit(f"{package}: no super-res stage, so no previews that would use an atlas")
    write_preview_atlas(package, manifest)
    validate_manifest(manifest)
    path.write_text(json.dumps(manifest, indent=2) + "\n")
    return package / ATLAS_FILE
