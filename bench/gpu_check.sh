#!/usr/bin/env bash
# The GPU path, checked on a machine with an NVIDIA GPU: builds the GPU runtime
# (runtimes/default-gpu, from its lock), runs a submission that uses the GPU through
# Holdout's own sandbox (`holdout test-submission`, the orchestrator's executor with GPU
# passthrough), and prints what it saw: the device and its memory as nvidia-smi reports
# them, and a float32 matrix multiply's time inside the sandbox against the same code
# run outside it with the same interpreter.
#
#   bench/gpu_check.sh            (from the repository root, after `make install`)
#
# Exit codes: 0 checked; 3 no NVIDIA GPU on this machine (nothing was run); other: failed.
# Building the runtime downloads PyTorch's CUDA wheels (several GB) unless pip finds them
# in its cache or a local index (PIP_FIND_LINKS, PIP_INDEX_URL).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
SIZE=${GPU_CHECK_SIZE:-8192}

if ! command -v nvidia-smi >/dev/null || ! nvidia-smi -L >/dev/null 2>&1; then
    echo "gpu_check: no NVIDIA GPU on this machine (nvidia-smi missing or found no device); nothing was run"
    exit 3
fi
echo "== the device, outside the sandbox"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader

echo "== building the GPU runtime from runtimes/default-gpu/requirements.lock"
RUNTIMES=$("$BIN/python" -c 'from services.orchestrator.config import OrchestratorSettings as S; print(S().runtimes_path)')
"$BIN/holdout" runtime build default-gpu
PY="$RUNTIMES/default-gpu/bin/python"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/main.py" <<PYEOF
"""Reports the GPU it sees and times a matrix multiply; writes one prediction."""
import json, sys, time
import torch

def matmul_seconds(n):
    a = torch.randn(n, n, device="cuda")
    b = torch.randn(n, n, device="cuda")
    torch.cuda.synchronize()
    (a @ b).sum().item()  # warm-up: kernels and cuBLAS handles
    best = float("inf")
    for _ in range(5):
        torch.cuda.synchronize(); t0 = time.perf_counter()
        (a @ b).sum().item()
        torch.cuda.synchronize(); best = min(best, time.perf_counter() - t0)
    return best

if not torch.cuda.is_available():
    print("gpu_check: CUDA is not available", file=sys.stderr)
    sys.exit(1)
props = torch.cuda.get_device_properties(0)
seconds = matmul_seconds($SIZE)
print("GPU_CHECK " + json.dumps({
    "device": props.name, "memory_gib": round(props.total_memory / 2**30, 1),
    "torch": torch.__version__, "cuda": torch.version.cuda,
    "matmul_n": $SIZE, "matmul_s": seconds, "tflops": 2 * $SIZE**3 / seconds / 1e12,
}))
if len(sys.argv) < 2:  # in the sandbox: the predictions the run must write
    with open("/code_execution/submission/submission.csv", "w") as f:
        f.write("id,y\n1,0.5\n")
PYEOF

echo "== outside the sandbox (the runtime's interpreter)"
"$PY" "$work/main.py" outside | grep GPU_CHECK

echo "== inside the sandbox (holdout test-submission, GPU passthrough)"
mkdir -p "$work/competition/data"
echo "id" > "$work/competition/data/features.csv"; echo "1" >> "$work/competition/data/features.csv"
printf 'id,y\n1,1\n' > "$work/competition/labels.csv"
cat > "$work/competition/competition.json" <<JSON
{"metric": "rmse", "id_column": "id", "target_columns": ["y"], "runtime": "default-gpu",
 "gpu": true, "limits": {"time_limit_s": 600, "memory_mb": 16384, "cpus": 4}}
JSON
(cd "$work" && zip -q submission.zip main.py)
"$BIN/holdout" test-submission "$work/submission.zip" --competition "$work/competition" --show-log | grep -E "GPU_CHECK|score|fail" || {
    echo "gpu_check: the sandboxed run did not report the GPU (see the log above)"; exit 1; }
