"""P1: end-to-end latency of a no-op submission against a bare sandbox run of it.

End to end = from the moment the gateway accepted the upload (the POST returned 202)
to the moment the submission's row is on the public leaderboard: outbox, bus,
scheduling, unpacking, the sandbox run, uploading the predictions, scoring, the board.
Bare = the same code run by the same sandbox function on an already-unpacked copy.
Samples alternate between the two so both see the same machine.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from bench.common import machine, summary
from holdout.client import HoldoutClient
from holdout.processes import Platform, base_env
from services.orchestrator.executors.local.runtimes import runtime_path
from services.orchestrator.executors.local.sandbox import SandboxLimits, SandboxSpec, run_sandbox
from shared.settings import default_data_dir

NOOP_MAIN = """\
import csv
with open("/code_execution/data/features.csv") as f, \\
        open("/code_execution/submission/submission.csv", "w", newline="") as out:
    w = csv.writer(out)
    w.writerow(["id", "label"])
    for row in csv.DictReader(f):
        w.writerow([row["id"], 0])
"""
ROWS = 20


def traversable_tmp(prefix: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    path.chmod(0o755)
    return path


def write_inputs(work: Path) -> tuple[Path, Path, Path]:
    features = work / "features.csv"
    features.write_text("id,x\n" + "".join(f"r{i},{i}\n" for i in range(ROWS)))
    labels = work / "labels.csv"
    labels.write_text(
        "id,label,Usage\n"
        + "".join(f"r{i},{i % 2},{'Public' if i % 2 else 'Private'}\n" for i in range(ROWS))
    )
    archive = work / "noop.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("main.py", NOOP_MAIN)
    return features, labels, archive


async def bare_run(runtime: Path, src: Path, data: Path, scratch: Path) -> float:
    sub = scratch / "submission"
    shutil.rmtree(sub, ignore_errors=True)
    sub.mkdir()
    shutil.chown(sub, 64000, 64000)
    spec = SandboxSpec(runtime_dir=runtime, src_dir=src, data_dir=data, submission_dir=sub)
    limits = SandboxLimits(time_limit_s=60, memory_bytes=1024**3, cpus=1.0)
    t0 = time.perf_counter()
    result = await run_sandbox(spec, limits, log_path=scratch / "log.txt")
    elapsed = time.perf_counter() - t0
    if result.failure_reason is not None:
        raise RuntimeError(f"bare run failed: {result.failure_reason} {result.detail}")
    return elapsed


async def e2e_run(p: Platform, admin: HoldoutClient, comp_id: str, archive: Path, i: int) -> float:
    user = await admin.create_participant(f"bench{i}", comp_id)
    async with admin.as_user(user["token"]) as c:
        sub = await c.submit(comp_id, archive)
        t0 = time.perf_counter()
        while True:
            board = await c.leaderboard(comp_id)
            if any(e["submission_id"] == sub["id"] for e in board["entries"]):
                return time.perf_counter() - t0
            if time.perf_counter() - t0 > 120:
                raise TimeoutError(f"submission {sub['id']} never reached the board\n{p.dump_logs()}")
            await asyncio.sleep(0.005)


async def run(samples: int = 30, warmup: int = 3) -> dict[str, Any]:
    work = traversable_tmp("holdout-bench-p1-")
    runtime = runtime_path("default", default_data_dir() / "runtimes")
    features, labels, archive = write_inputs(work)
    src = work / "src"
    src.mkdir()
    (src / "main.py").write_text(NOOP_MAIN)
    data = work / "data"
    data.mkdir()
    shutil.copy(features, data / "features.csv")
    (work / "scratch").mkdir()
    for d in (src, data, work / "scratch"):
        d.chmod(0o755)

    env = base_env(work / "platform", runtime.parent)
    (work / "platform").mkdir()
    (work / "platform").chmod(0o755)
    p = Platform(env, env["HOLDOUT_ADMIN_TOKEN"], work / "platform")
    p.start("up", "up")
    e2e: list[float] = []
    bare: list[float] = []
    try:
        async with p.client() as admin:
            await admin.wait_ready(60)
            host = await admin.create_user("host", is_host=True)
            async with admin.as_user(host["token"]) as h:
                comp = await h.create_competition(
                    {
                        "slug": "noop",
                        "title": "No-op",
                        "metric": "accuracy",
                        "id_column": "id",
                        "target_columns": ["label"],
                        "limits": {"time_limit_s": 60, "memory_mb": 1024, "cpus": 1.0},
                        "daily_quota": 1000,
                    }
                )
                await h.upload_data(comp["id"], features, "features.csv")
                await h.upload_labels(comp["id"], labels)
            for i in range(warmup + samples):
                t_e2e = await e2e_run(p, admin, comp["id"], archive, i)
                t_bare = await bare_run(runtime, src, data, work / "scratch")
                if i >= warmup:
                    e2e.append(t_e2e)
                    bare.append(t_bare)
    finally:
        p.stop_all()
        shutil.rmtree(work, ignore_errors=True) if not os.environ.get("HOLDOUT_BENCH_KEEP") else None
    s_e2e, s_bare = summary(e2e), summary(bare)
    ratio_p50 = s_e2e["p50"] / s_bare["p50"]
    ratio_p99 = s_e2e["p99"] / s_bare["p99"]
    return {
        "measure": "no-op submission: accepted -> on the public board, / bare sandbox run",
        "value": ratio_p50,
        "p99": ratio_p99,
        "goal": "<= 3.0",
        "met": ratio_p50 <= 3.0,
        "holdout": s_e2e,
        "baseline": s_bare,
        "holdout_text": f"p50 {s_e2e['p50'] * 1000:.0f} ms, p99 {s_e2e['p99'] * 1000:.0f} ms",
        "baseline_text": f"p50 {s_bare['p50'] * 1000:.0f} ms, p99 {s_bare['p99'] * 1000:.0f} ms",
        "method": (
            f"{samples} samples after {warmup} warm-up, alternating: a no-op main.py uploaded to "
            "`holdout up` (embedded defaults) by a new team each time, timed from the 202 to its row on "
            "the public board (polled every 5 ms); against `run_sandbox` on the same code already unpacked. "
            "value = p50 ratio, p99 = p99 ratio."
        ),
        "machine": machine(),
    }
