#!/usr/bin/env bash
# Runs the project's Python (training, export, evaluation, Python tests) from .venv, creating
# the venv and installing training/requirements.txt first when it is missing or out of date.
#   scripts/py.sh -m training.train_all
set -euo pipefail
cd "$(dirname "$0")/.."
req=training/requirements.txt
stamp=.venv/.requirements.sha256
want=$(sha256sum "$req" | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "[py] setting up .venv from $req (once)" >&2
  python3 -m venv .venv
  pip_args=()
  # Build machines without internet carry a local package index; use it directly so pip does
  # not spend minutes retrying an unreachable default index.
  if [ -d /opt/pypi/simple ]; then
    pip_args=(--index-url file:///opt/pypi/simple)
    [ -d /opt/pypi-more/simple ] && pip_args+=(--extra-index-url file:///opt/pypi-more/simple)
    [ -d /opt/wheels ] && pip_args+=(--find-links /opt/wheels)
  fi
  # A file:// index answers a project it lacks with a missing folder, and pip warns "Location
  # '…/simple/<name>/' is ignored: it is neither a file nor a directory" twice per project and
  # index (/opt/pypi-more holds ~60 projects, /opt/pypi no torch): expected here, so those lines
  # are dropped; every other warning and error still shows, and pip's exit status is kept.
  { .venv/bin/pip install -q "${pip_args[@]}" -r "$req" 2>&1 >&3 |
    { grep -v "is ignored: it is neither a file nor a directory" || true; } >&2; } 3>&1
  echo "$want" > "$stamp"
fi
# torch prints "Could not initialize NNPACK! Reason: Unsupported hardware." once per thread and
# call site on CPUs NNPACK does not know (AMD EPYC): harmless, so C++-side warnings are hidden
# unless the caller asks for them.
export TORCH_CPP_LOG_LEVEL="${TORCH_CPP_LOG_LEVEL:-ERROR}"
exec .venv/bin/python "$@"
