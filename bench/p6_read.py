"""P6: reading 1 GB of test features inside the sandbox against outside it.

The same reader (a Python script reading the file in 1 MiB ``readinto`` blocks), run by
the same runtime Python, on the same file with the page cache warm for both: inside,
by ``run_sandbox`` with the file in the read-only ``/code_execution/data`` mount (and
the seccomp filter, cgroups and limits of a real run); outside, as a plain process.
The reader times its own read loop, so interpreter and sandbox start-up are left out:
this measures what isolation costs a submission's I/O. Samples alternate.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from bench.common import machine, summary
from services.orchestrator.executors.local.runtimes import runtime_path, runtime_python
from services.orchestrator.executors.local.sandbox import MIB, SandboxLimits, SandboxSpec, run_sandbox
from shared.settings import default_data_dir

SIZE = 1024**3
READER = """\
import sys, time
path = sys.argv[1] if len(sys.argv) > 1 else "/code_execution/data/features.bin"
buf = bytearray(1 << 20)
view = memoryview(buf)
total = 0
t0 = time.perf_counter()
with open(path, "rb", buffering=0) as f:
    while n := f.readinto(view):
        total += n
elapsed = time.perf_counter() - t0
print(f"read {total} bytes in {elapsed:.6f} s")
if len(sys.argv) == 1:
    open("/code_execution/submission/submission.csv", "w").write("id\\n")
"""
RESULT = re.compile(r"read (\d+) bytes in ([0-9.]+) s")


def _traversable_tmp(prefix: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/var/tmp"))
    path.chmod(0o755)
    return path


def _parse(text: str) -> float:
    m = RESULT.search(text)
    if m is None or int(m.group(1)) != SIZE:
        raise RuntimeError(f"the reader did not read the whole file:\n{text[-2000:]}")
    return float(m.group(2))


def outside(python: Path, reader: Path, features: Path) -> float:
    cmd = [str(python), str(reader), str(features)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return _parse(out.stdout)


async def inside(runtime: Path, src: Path, data: Path, scratch: Path) -> float:
    sub = scratch / "submission"
    shutil.rmtree(sub, ignore_errors=True)
    sub.mkdir(mode=0o755)
    if os.geteuid() == 0:
        os.chown(sub, 64000, 64000)
    spec = SandboxSpec(runtime_dir=runtime, src_dir=src, data_dir=data, submission_dir=sub)
    limits = SandboxLimits(time_limit_s=120, memory_bytes=2 * 1024 * MIB, cpus=1.0)
    result = await run_sandbox(spec, limits, log_path=scratch / "log.txt")
    if result.failure_reason is not None:
        raise RuntimeError(f"sandbox run failed: {result.failure_reason} {result.detail}")
    return _parse(result.log_path.read_text())


async def run(samples: int = 10, warmup: int = 2) -> dict[str, Any]:
    runtime = runtime_path("default", default_data_dir() / "runtimes")
    python = runtime_python(runtime)
    work = _traversable_tmp("holdout-bench-p6-")
    try:
        src, data, scratch = work / "src", work / "data", work / "scratch"
        for d in (src, data, scratch):
            d.mkdir(mode=0o755)
        (src / "main.py").write_text(READER)
        features = data / "features.bin"
        block = os.urandom(MIB)
        with features.open("wb") as f:
            for _ in range(SIZE // MIB):
                f.write(block)
        features.chmod(0o644)
        t_in: list[float] = []
        t_out: list[float] = []
        for i in range(warmup + samples):  # the warm-up reads fill the page cache
            a = outside(python, src / "main.py", features)
            b = await inside(runtime, src, data, scratch)
            if i >= warmup:
                t_out.append(a)
                t_in.append(b)
    finally:
        shutil.rmtree(work, ignore_errors=True) if not os.environ.get("HOLDOUT_BENCH_KEEP") else None
    s_in, s_out = summary(t_in), summary(t_out)
    gbps = SIZE / 1024**3
    return {
        "measure": "reading 1 GiB of features: throughput inside the sandbox / outside",
        "value": s_out["p50"] / s_in["p50"],
        "p99": s_out["p99"] / s_in["p99"],
        "goal": ">= 0.95",
        "met": s_out["p50"] / s_in["p50"] >= 0.95,
        "holdout": s_in,
        "baseline": s_out,
        "holdout_text": f"p50 {gbps / s_in['p50']:.2f} GiB/s ({s_in['p50'] * 1000:.0f} ms)",
        "baseline_text": f"p50 {gbps / s_out['p50']:.2f} GiB/s ({s_out['p50'] * 1000:.0f} ms)",
        "method": (
            f"{samples} samples after {warmup} warm-up, alternating: one Python reader (1 MiB readinto "
            "blocks, unbuffered, timing its own read loop) run by the default runtime's Python on the "
            "same 1 GiB file, page cache warm; inside = `run_sandbox` (bwrap, seccomp, cgroups, 1 CPU, "
            "2 GiB) reading /code_execution/data, outside = a plain process. value = p50 read time "
            "outside / inside (throughput ratio), p99 likewise."
        ),
        "machine": machine(),
    }
