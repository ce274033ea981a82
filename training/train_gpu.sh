#!/usr/bin/env bash
# The whole Scenes pipeline on a CUDA machine, in one command, with its results (at most 64 MiB)
# in one folder:
#
#   training/train_gpu.sh OUT [--minutes 8] [--scenes 120000] [--sr-scenes 24000] [-- extra train_transformers args]
#
# 1. the VQ: reused from models/scenes (same architecture; its weights are checked against the
#    package's graphs) unless --train-vq is given;
# 2. renders the Scenes data and the edit pairs (the same scenes at another time of day) there with
#    every core and tokenises them on the GPU;
# 3. trains T5 + base + super-res with bf16 autocast, torchrun over every GPU, within --minutes
#    (the schedule's decay is fitted into the budget from the measured step time), with the
#    shipped recipe's binding loss and edit pairs (training/train_all.py RECIPE, npm run train's
#    defaults; extra args after -- override them);
# 4. writes OUT/ (transformers.pt in fp32, vq.pt, tokenizer.json, logs, timings): bring it back and
#    build the package on any machine with
#      .venv/bin/python -m training.export_scenes --run OUT --out models/scenes
#
# It uses the machine's own python3 (torch with CUDA, onnx, onnxruntime, transformers, pillow);
# nothing is downloaded. RUN (default /tmp/scenes-gpu) holds the run state; run again to resume.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[ $# -ge 1 ] || usage
OUT=$1; shift
MINUTES=8 SCENES=120000 SR_SCENES=24000 TRAIN_VQ=0 EXTRA=()
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) MINUTES=$2; shift 2 ;;
    --scenes) SCENES=$2; shift 2 ;;
    --sr-scenes) SR_SCENES=$2; shift 2 ;;
    --train-vq) TRAIN_VQ=1; shift ;;
    --) shift; EXTRA=("$@"); break ;;
    *) echo "train_gpu.sh: unknown option $1" >&2; usage ;;
  esac
done
PY=${PYTHON:-python3}
RUN=${RUN:-/tmp/scenes-gpu}
export TORCH_CPP_LOG_LEVEL=${TORCH_CPP_LOG_LEVEL:-ERROR}

if ! "$PY" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)'; then
  echo "train_gpu.sh: no CUDA device visible to $PY (use npm run train on a CPU machine)" >&2
  exit 2
fi
missing=$("$PY" -c 'import importlib.util as u; print(" ".join(m for m in ["numpy","PIL","tokenizers","transformers","onnx","onnxruntime"] if u.find_spec(m) is None))')
if [ -n "$missing" ]; then
  echo "train_gpu.sh: $PY lacks: $missing" >&2
  exit 2
fi
GPUS=$("$PY" -c 'import torch; print(torch.cuda.device_count())')
CORES=$(nproc)
mkdir -p "$RUN" "$OUT"
t0=$(date +%s)

if [ "$TRAIN_VQ" = 1 ]; then
  "$PY" -m training.train_vq --run "$RUN" --steps 2500
elif [ ! -f "$RUN/vq_eval.json" ]; then
  "$PY" -m training.train_vq --run "$RUN" --from-package models/scenes
fi
"$PY" -m training.build_tokens --run "$RUN" --base "$SCENES" --sr "$SR_SCENES" --workers "$CORES"
[ -f "$RUN/edit_pairs.npz" ] || "$PY" -m training.build_edit_pairs --run "$RUN" --workers "$CORES"
recipe=$("$PY" -c 'from training.train_all import recipe_flags; print(*recipe_flags())')
read -ra RECIPE <<< "$recipe"
t_data=$(( $(date +%s) - t0 ))
left=$(awk -v m="$MINUTES" -v d="$t_data" 'BEGIN { x = m - d / 60 - 0.5; print (x > 1 ? x : 1) }')
# One process per GPU; batches per rank are large because these models are small.
"$PY" -m torch.distributed.run --standalone --nproc_per_node="$GPUS" -m training.train_transformers \
  --run-dir "$RUN" --precision bf16 --base-batch 256 --sr-batch 64 --lr 2e-3 --steps 100000 \
  --time-budget-min "$left" --threads "$(( CORES / GPUS ))" --save-every 500 --log-every 100 \
  "${RECIPE[@]}" "${EXTRA[@]}"
"$PY" -m training.checkpoints --run "$RUN" --out "$OUT" --bundle --dtype fp32
echo "train_gpu.sh: done in $(( $(date +%s) - t0 )) s; results in $OUT ($(du -sh "$OUT" | cut -f1))"
