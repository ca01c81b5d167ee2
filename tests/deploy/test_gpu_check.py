"""bench/gpu_check.sh, the GPU path's check for a machine with an NVIDIA GPU: it parses,
and where no GPU answers it says so and runs nothing (exit 3), so a run on the wrong
machine cannot be mistaken for a check. (What it prints on a GPU is in the closing notes
of the sessions that had one.)"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "gpu_check.sh"


def test_the_script_parses_and_is_executable() -> None:
    assert os.access(SCRIPT, os.X_OK)
    subprocess.run(["bash", "-n", str(SCRIPT)], check=True)


def test_without_a_gpu_it_says_so_and_runs_nothing(tmp_path: Path) -> None:
    # an nvidia-smi that finds no device, first on PATH, as on a machine without a GPU
    fake = tmp_path / "nvidia-smi"
    fake.write_text("#!/bin/sh\necho 'No devices were found' >&2\nexit 6\n")
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"}
    done = subprocess.run([str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 3, done.stdout + done.stderr
    assert "no NVIDIA GPU on this machine" in done.stdout
    assert "building the GPU runtime" not in done.stdout
