"""What every training entry point shares: the run folder, logging, atomic checkpoints, mixed
precision and the distributed set-up.

- `Run`: a run folder (`training/runs/<name>`) with one log file per stage; only rank 0 writes.
- `atomic_save` / `load_checkpoint`: write to `<file>.tmp` then rename, so an interrupted save
  never leaves a torn checkpoint; load with a message that names the file and what is wrong.
- `precision`: bf16 autocast where the hardware has it (CPU: `avx512_bf16` or `amx_bf16` in
  /proc/cpuinfo; CUDA: `torch.cuda.is_bf16_supported()`), fp32 elsewhere; weights stay fp32.
- `Dist`: `torchrun` sets RANK / WORLD_SIZE / LOCAL_RANK; without them this is one process and
  nothing is initialised. gloo on CPU, NCCL on CUDA.
"""
from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")


def cpu_has_bf16(cpuinfo: str | None = None) -> bool:
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text()
        except OSError:
            return False
    flags = set()
    for line in cpuinfo.splitlines():
        if line.startswith("flags"):
            flags.update(line.split(":", 1)[1].split())
    return any(f in flags for f in BF16_CPU_FLAGS)


@dataclass(frozen=True)
class Precision:
    dtype: torch.dtype | None  # None = fp32, no autocast
    device_type: str
    why: str

    @property
    def name(self) -> str:
        return "bf16" if self.dtype is torch.bfloat16 else "fp32"

    def autocast(self):
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device_type, dtype=self.dtype)


def precision(request: str, device: torch.device, cpuinfo: str | None = None) -> Precision:
    """'auto' | 'bf16' | 'fp32' -> the autocast to train under. bf16 asked for where the hardware
    lacks it is an error, not a silent fallback: it would be several times slower (emulated)."""
    if request not in ("auto", "bf16", "fp32"):
        raise SystemExit(f"--precision must be auto, bf16 or fp32 (got {request!r})")
    if request == "fp32":
        return Precision(None, device.type, "fp32 asked for")
    if device.type == "cuda":
        ok = torch.cuda.is_bf16_supported()
        where = f"CUDA device {torch.cuda.get_device_name(device)}"
    else:
        ok = cpu_has_bf16(cpuinfo)
        where = "this CPU" + ("" if ok else f" (no {' or '.join(BF16_CPU_FLAGS)} in /proc/cpuinfo)")
    if ok:
        return Precision(torch.bfloat16, device.type, f"bf16 autocast on {where}")
    if request == "bf16":
        raise SystemExit(f"--precision bf16: {where} has no native bf16; use --precision fp32 or auto")
    return Precision(None, device.type, f"fp32: {where} has no native bf16")


class Dist:
    """One process, or one rank of a `torchrun` launch."""

    def __init__(self, expect_world: int | None = None):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        if expect_world is not None and expect_world != self.world:
            raise SystemExit(f"this run was started with world size {expect_world} but torchrun launched "
                             f"{self.world} processes; use --nproc_per_node/--nnodes to match or start a new run")
        if torch.cuda.is_available():
            self.device = torch.device("cuda", self.local_rank)
            torch.cuda.set_device(self.device)
        else:
            self.device = torch.device("cpu")
        self.enabled = self.world > 1
        if self.enabled:
            import torch.distributed as dist

            dist.init_process_group("nccl" if self.device.type == "cuda" else "gloo")

    @property
    def main(self) -> bool:
        return self.rank == 0

    def barrier(self) -> None:
        if self.enabled:
            import torch.distributed as dist

            dist.barrier()

    def wrap(self, module: torch.nn.Module) -> torch.nn.Module:
        """DistributedDataParallel around module when distributed; the module itself otherwise."""
        if not self.enabled:
            return module
        from torch.nn.parallel import DistributedDataParallel as DDP

        ids = [self.local_rank] if self.device.type == "cuda" else None
        return DDP(module, device_ids=ids)

    def all_mean(self, values: list[float]) -> list[float]:
        if not self.enabled:
            return values
        import torch.distributed as dist

        t = torch.tensor(values, dtype=torch.float64)
        dist.all_reduce(t)
        return (t / self.world).tolist()

    def close(self) -> None:
        if self.enabled:
            import torch.distributed as dist

            dist.destroy_process_group()


class Run:
    """A run folder and one stage's log; on ranks other than 0 logging is a no-op."""

    def __init__(self, folder: str | Path, stage: str, main: bool = True):
        self.dir = Path(folder)
        self.main = main
        self.stage = stage
        self._log = None
        if main:
            self.dir.mkdir(parents=True, exist_ok=True)
            self._log = open(self.dir / f"{stage}.log", "a")

    def log(self, msg: str) -> None:
        if not self.main:
            return
        line = f"{time.strftime('%H:%M:%S')} {msg}"
        print(line, flush=True)
        assert self._log is not None
        self._log.write(line + "\n")
        self._log.flush()

    def path(self, name: str) -> Path:
        return self.dir / name

    def need(self, *names: str, hint: str) -> None:
        for n in names:
            if not (self.dir / n).exists():
                raise SystemExit(f"missing {self.dir / n}: {hint}")

    def write_json(self, name: str, obj: Any) -> None:
        if self.main:
            atomic_write_text(self.dir / name, json.dumps(obj, indent=2))


def atomic_write(path: Path, write) -> None:
    """Calls write(tmp_path) and renames the result over `path`: readers see the old file or the
    new one, never half of one. The temporary name keeps the suffix (numpy appends .npy/.npz)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.stem}.tmp{path.suffix}")
    write(tmp)
    os.replace(tmp, path)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda t: t.write_text(text))


def atomic_save(obj: Any, path: Path) -> None:
    """torch.save, atomically."""
    atomic_write(path, lambda t: torch.save(obj, t))


def atomic_save_npy(path: Path, array) -> None:
    import numpy as np

    atomic_write(path, lambda t: np.save(t, array))


def atomic_savez(path: Path, **arrays) -> None:
    import numpy as np

    atomic_write(path, lambda t: np.savez(t, **arrays))


def load_checkpoint(path: Path, kind: str, keys: tuple[str, ...]) -> dict:
    """Loads a checkpoint written by this pipeline, refusing foreign or torn files by name."""
    path = Path(path)
    try:
        st = torch.load(path, map_location="cpu", weights_only=False)
    except FileNotFoundError:
        raise SystemExit(f"{path}: checkpoint not found") from None
    except Exception as e:  # torn file, not a torch file, wrong pickle
        raise SystemExit(f"{path}: not a readable {kind} checkpoint ({type(e).__name__}: {e})") from None
    if not isinstance(st, dict) or st.get("kind", kind) != kind:
        got = st.get("kind") if isinstance(st, dict) else type(st).__name__
        raise SystemExit(f"{path}: this is a {got!r} checkpoint, not a {kind!r} one")
    missing = [k for k in keys if k not in st]
    if missing:
        raise SystemExit(f"{path}: not a {kind} checkpoint of this pipeline (missing {', '.join(missing)})")
    return st

