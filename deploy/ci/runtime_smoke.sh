#!/usr/bin/env bash
# Run a smoke submission in a runtime image under the execution contract (CI:
# .github/workflows/runtimes.yml): the run user, no network, a read-only root with a
# small /tmp, no capabilities, the code and data read-only. Usage:
#   deploy/ci/runtime_smoke.sh IMAGE [PYTHON]
# PYTHON (default: python3) has Holdout installed; it prepares and checks the run.
set -euo pipefail
image=${1:?usage: $0 IMAGE [PYTHON]}
python=${2:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
"$python" -m holdout.runtime_smoke prepare "$work"
docker run --rm --network none --user 65532:65532 --read-only --cap-drop ALL \
    --security-opt no-new-privileges --tmpfs /tmp:size=256m \
    -e IS_SMOKE=true -e CPU_OR_GPU=cpu -e HOME=/tmp -e PYTHONUNBUFFERED=1 \
    -v "$work/src:/code_execution/src:ro" -v "$work/data:/code_execution/data:ro" \
    -v "$work/submission:/code_execution/submission" \
    -w /code_execution/src "$image" python main.py
"$python" -m holdout.runtime_smoke check "$work"
