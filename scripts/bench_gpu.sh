#!/usr/bin/env bash
# On a machine with a CUDA GPU and this repo's venv: build the benchmark models (random
# weights, opus-mt-base and bart-base shapes), then run bench_translate.py and
# bench_pipeline.py on cuda and print their JSON. Meant to finish within 8 minutes.
#
#   scripts/bench_gpu.sh                 # uses .venv/bin/python, or $PYTHON
#
# CTranslate2's PyPI wheel links against CUDA 12's cuBLAS; on a CUDA 13 machine the
# libcublas.so.12 / libcublasLt.so.12 names are made to point at the .so.13 files, in a
# private folder put first on LD_LIBRARY_PATH (nothing system-wide is touched).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

if ! command -v nvidia-smi >/dev/null || ! nvidia-smi -L >/dev/null 2>&1; then
    echo "bench_gpu.sh: no CUDA GPU visible (nvidia-smi)" >&2
    exit 2
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader >&2

CUDA_LIB=/usr/local/cuda/targets/x86_64-linux/lib
SHIM="$PWD/.cache/cuda-shim"
if [ -e "$CUDA_LIB/libcublas.so.13" ] && [ ! -e "$CUDA_LIB/libcublas.so.12" ]; then
    mkdir -p "$SHIM"
    ln -sf "$CUDA_LIB/libcublas.so.13" "$SHIM/libcublas.so.12"
    ln -sf "$CUDA_LIB/libcublasLt.so.13" "$SHIM/libcublasLt.so.12"
    export LD_LIBRARY_PATH="$SHIM:$CUDA_LIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    echo "bench_gpu.sh: CUDA 13: cuBLAS 12 names linked in $SHIM" >&2
fi
"$PYTHON" - <<'PY' >&2
import ctranslate2, torch
print(f"ctranslate2 {ctranslate2.__version__}: {ctranslate2.get_cuda_device_count()} CUDA device(s), "
      f"compute types {sorted(ctranslate2.get_supported_compute_types('cuda'))}; torch {torch.__version__} cuda={torch.cuda.is_available()}")
PY

# Models first (cached under .cache/; a minute or two on a fresh machine), then the runs.
timeout 150 "$PYTHON" - <<'PY' >&2
import sys
sys.path.insert(0, "scripts")
import bench_summarize, bench_translate
bench_translate.build_ct2(bench_translate.build_model())
bench_summarize.build_model(bench_summarize.DEFAULT_CACHE, bench_summarize.DEFAULT_DATA)
PY
timeout 170 "$PYTHON" scripts/bench_translate.py --device cuda --segments 1024 --repeats 2 --threads 4 --json \
    > .cache/bench-gpu-translate.json
timeout 150 "$PYTHON" scripts/bench_pipeline.py --device cuda --articles 45 --repeats 2 --threads 4 --json \
    > .cache/bench-gpu-pipeline.json
echo '{"bench_translate":'; cat .cache/bench-gpu-translate.json; echo ',"bench_pipeline":'; cat .cache/bench-gpu-pipeline.json; echo '}'
