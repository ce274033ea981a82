"""Reading diffusers-layout component folders: config.json into a typed config, safetensors into a
module whose state_dict keys are exactly the checkpoint's, with a strict check that names every
missing, unexpected or mis-shaped tensor.
"""
from __future__ import annotations

import dataclasses
import json
import typing
from pathlib import Path
from typing import Any, Callable, TypeVar

import torch


class CheckpointError(ValueError):
    """A checkpoint folder that cannot be converted; the message names the file and the problem."""


C = TypeVar("C")
M = TypeVar("M", bound=torch.nn.Module)
MAX_LISTED = 12


def fmt_shape(shape) -> str:
    return "[" + ",".join(str(int(d)) for d in shape) + "]"


def _coerce(value: Any, tp: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if type(None) in args:  # X | None
        if value is None:
            return None
        inner = [a for a in args if a is not type(None)]
        return _coerce(value, inner[0], where)
    if tp is bool:
        if not isinstance(value, bool):
            raise CheckpointError(f"{where} must be true or false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise CheckpointError(f"{where} must be an integer, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise CheckpointError(f"{where} must be a number, got {value!r}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise CheckpointError(f"{where} must be a string, got {value!r}")
        return value
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise CheckpointError(f"{where} must be a list, got {value!r}")
        return tuple(_coerce(v, args[0], f"{where}[{i}]") for i, v in enumerate(value))
    raise TypeError(f"unsupported config type {tp}")


def load_config(cls: type[C], path: Path, class_name: str) -> C:
    """Reads a diffusers config.json into dataclass `cls` (fields = the model's __init__ arguments,
    with diffusers' defaults for absent ones). Unknown fields fail: they may change the network.
    """
    if not path.is_file():
        raise CheckpointError(f"{path}: missing (expected the {class_name} config)")
    try:
        raw = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise CheckpointError(f"{path}: not valid JSON ({e})") from None
    if not isinstance(raw, dict):
        raise CheckpointError(f"{path}: must hold a JSON object")
    got_class = raw.get("_class_name")
    if got_class is not None and got_class != class_name:
        raise CheckpointError(f"{path}: _class_name is {got_class!r}, expected {class_name!r}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(k for k in raw if not k.startswith("_") and k not in names)
    if unknown:
        raise CheckpointError(f"{path}: unknown {class_name} config field(s) {', '.join(map(repr, unknown))}")
    kwargs = {k: _coerce(v, hints[k], f"{path}: field {k!r}") for k, v in raw.items() if k in names}
    cfg = cls(**kwargs)
    check = getattr(cfg, "validate", None)
    if check is not None:
        problem = check()
        if problem:
            raise CheckpointError(f"{path}: {problem}")
    return cfg


def find_weights(folder: Path, stem: str, variant: str | None) -> list[Path]:
    """The safetensors file(s) of one component: `<stem>[.<variant>].safetensors`, or the shards
    named by `<stem>[.<variant>].safetensors.index.json`. Without `variant`, the plain file wins
    and a lone `fp16` variant is taken. Pickled `.bin` weights are refused (they can run code).
    """
    def candidates(v: str | None) -> tuple[Path, Path]:
        name = f"{stem}.{v}.safetensors" if v else f"{stem}.safetensors"
        return folder / name, folder / (name + ".index.json")

    order = [variant] if variant else [None, "fp16"]
    for v in order:
        single, index = candidates(v)
        if single.is_file():
            return [single]
        if index.is_file():
            try:
                weight_map = json.loads(index.read_text())["weight_map"]
            except (OSError, json.JSONDecodeError, KeyError, TypeError) as e:
                raise CheckpointError(f"{index}: not a safetensors index ({e})") from None
            shards = sorted({folder / s for s in weight_map.values()})
            for s in shards:
                if not s.is_file():
                    raise CheckpointError(f"{index}: shard {s.name} is missing")
            return shards
    bins = sorted(p.name for p in folder.glob("*.bin")) if folder.is_dir() else []
    want = candidates(variant)[0].name
    if bins:
        raise CheckpointError(f"{folder}: no {want}; only pickled weights ({', '.join(bins)}), which this "
                              f"converter does not load: download the .safetensors files")
    raise CheckpointError(f"{folder}: no {want} (nor a sharded index)")


def read_tensors(files: list[Path]) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    out: dict[str, torch.Tensor] = {}
    for f in files:
        try:
            part = load_file(str(f))
        except Exception as e:  # noqa: BLE001 - safetensors raises several types
            raise CheckpointError(f"{f}: not a readable safetensors file ({e})") from None
        for k, v in part.items():
            if k in out:
                raise CheckpointError(f"{f}: tensor {k!r} appears in more than one shard")
            out[k] = v
    return out


def load_strict(factory: Callable[[], M], tensors: dict[str, torch.Tensor], label: str) -> M:
    """Builds the module (on the meta device: no memory, no random init), checks that the
    checkpoint has exactly its tensors with exactly its shapes, and loads them as float32.
    `label` names the weights file in messages.
    """
    with torch.device("meta"):
        module = factory()
    expected = {k: tuple(v.shape) for k, v in module.state_dict().items()}
    problems: list[str] = []
    for k in sorted(expected):
        if k not in tensors:
            problems.append(f"{label}: missing tensor {k!r}")
    for k in sorted(tensors):
        if k not in expected:
            problems.append(f"{label}: unexpected tensor {k!r} (not part of this model for its config)")
    for k in sorted(expected):
        if k in tensors and tuple(tensors[k].shape) != expected[k]:
            problems.append(f"{label}: {k!r} has shape {fmt_shape(tensors[k].shape)} "
                            f"but the config implies {fmt_shape(expected[k])}")
    for k in sorted(expected):
        if k in tensors and not tensors[k].is_floating_point():
            problems.append(f"{label}: {k!r} has dtype {tensors[k].dtype}, expected a floating-point type")
    if problems:
        more = len(problems) - MAX_LISTED
        lines = problems[:MAX_LISTED] + ([f"… and {more} more"] if more > 0 else [])
        raise CheckpointError("\n".join(lines))
    state = {k: tensors[k].to(torch.float32) for k in expected}
    module.load_state_dict(state, strict=True, assign=True)
    return module.eval()


def load_component(folder: Path, cfg_cls: type[C], class_name: str, factory: Callable[[C], M],
                   variant: str | None) -> tuple[C, M, list[Path]]:
    cfg = load_config(cfg_cls, folder / "config.json", class_name)
    files = find_weights(folder, "diffusion_pytorch_model", variant)
    label = f"{folder.name}/{files[0].name}" if len(files) == 1 else f"{folder.name}/{files[0].name} (+{len(files) - 1} shards)"
    model = load_strict(lambda: factory(cfg), read_tensors(files), label)
    return cfg, model, files
