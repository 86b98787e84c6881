#!/usr/bin/env bash
# The Qwen3-VL-2B recipe rehearsed on one CUDA GPU in bf16, in well under 10 minutes: Toto-2.0-22m and
# Qwen3-VL-2B-Instruct at their published shapes with random weights, loaded by Hub id from a temporary offline cache;
# option scoring throughput at batch 1 and 8, one optimizer step of align and of sft, peak GPU memory per phase.
#   scripts/gpu_check.sh [REPORT.json]          (PYTHON=... to use another interpreter than .venv/bin/python)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
if ! "$PYTHON" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)'; then
    echo "gpu_check: torch sees no CUDA device (CUDA_VISIBLE_DEVICES='${CUDA_VISIBLE_DEVICES-}'); run it on a machine with an NVIDIA GPU and a CUDA build of torch" >&2
    exit 2
fi
exec "$PYTHON" benchmarks/rehearsal.py --recipe toto22m-qwen3vl2b --device cuda --throughput --json "${1:-gpu_check.json}"
