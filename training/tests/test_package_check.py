"""The Python package check against the shared schema: the fixtures pass, and every bad manifest
of tests/fixtures/manifest-cases.json (which the TypeScript engine refuses too, in
tests/unit/schemas/manifestCases.test.ts) is refused with an error naming the same field."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from training.convert.package_check import PackageInvalid, check_package, manifest_errors, validate_manifest

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures"
CASES = json.loads((FIXTURES / "manifest-cases.json").read_text())["cases"]


def manifest(pkg: str) -> dict:
    return json.loads((FIXTURES / pkg / "manifest.json").read_text())


def set_pointer(root: dict, pointer: str, value) -> None:
    keys = [k.replace("~1", "/").replace("~0", "~") for k in pointer.split("/")[1:]]
    obj = root
    for k in keys[:-1]:
        obj = obj[k]
    if value is None:
        del obj[keys[-1]]
    else:
        obj[keys[-1]] = value


def test_fixture_packages_pass_the_whole_check():
    for pkg in ("tiny", "amused-tiny", "amused-tiny-512"):
        assert check_package(FIXTURES / pkg)["name"]


@pytest.mark.parametrize("case", CASES, ids=[", ".join(c["set"]) for c in CASES])
def test_bad_manifest_is_refused_naming_the_field(case):
    m = copy.deepcopy(manifest(case["package"]))
    for pointer, value in case["set"].items():
        set_pointer(m, pointer, value)
    errs = manifest_errors(m)
    assert errs, case
    assert any(e.startswith(case["field"]) and e[len(case["field"])] in ":.[" for e in errs), errs
    with pytest.raises(PackageInvalid):
        validate_manifest(m)


def test_schema_messages_name_the_field_and_the_bound():
    m = manifest("tiny")
    m["stages"]["base"]["defaults"]["steps"] = 65
    assert manifest_errors(m) == ["stages.base.defaults.steps: 65 is greater than the maximum of 64"]
    m = manifest("tiny")
    m["stages"]["base"]["grid"] = [4]
    assert manifest_errors(m) == ["stages.base.grid: must be two positive integers"]


def test_package_check_reports_a_graph_that_breaks_the_contract(tmp_path):
    import shutil

    pkg = tmp_path / "tiny"
    shutil.copytree(FIXTURES / "tiny", pkg)
    m = json.loads((pkg / "manifest.json").read_text())
    m["textEncoder"]["hiddenSize"] = 33     # the graph's last_hidden_state is 32 wide
    (pkg / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(PackageInvalid, match=r"encoder_model.onnx outputs last_hidden_state: dim 2 is 32, expected 33"):
        check_package(pkg)


def test_preview_atlas_is_added_in_place_with_the_decoders_centre_patches(tmp_path):
    import shutil

    import numpy as np
    import onnxruntime as ort

    from training.muse.atlas import ATLAS_FILE, add_preview_atlas

    pkg = tmp_path / "tiny"
    shutil.copytree(FIXTURES / "tiny", pkg)
    graphs = {p: (pkg / p).read_bytes() for p in manifest("tiny")["files"]}
    add_preview_atlas(pkg)
    m = json.loads((pkg / "manifest.json").read_text())
    vq = m["vqgan"]
    K, f = vq["codebookSize"], vq["downsample"]
    assert vq["previewAtlas"] == ATLAS_FILE and m["files"][ATLAS_FILE]["bytes"] == K * f * f * 4
    assert check_package(pkg)["name"]                       # hashes, sizes and rules all hold
    assert all((pkg / p).read_bytes() == b for p, b in graphs.items())   # nothing else rewritten
    atlas = np.frombuffer((pkg / ATLAS_FILE).read_bytes(), dtype=np.uint8).reshape(K, f, f, 4)
    assert (atlas[..., 3] == 255).all()
    # Code 5's patch is the centre token of a decoded 3x3 grid of code 5, mapped [-1, 1] -> [0, 255].
    sess = ort.InferenceSession(str(pkg / vq["decoder"]), providers=["CPUExecutionProvider"])
    (px,) = sess.run(["pixels"], {"tokens": np.full((1, 3, 3), 5, dtype=np.int64)})
    want = np.floor((np.clip(px[0, :, f:2 * f, f:2 * f], -1, 1) + 1) * 127.5 + 0.5).transpose(1, 2, 0)
    assert np.abs(atlas[5, ..., :3].astype(int) - want.astype(int)).max() == 0
