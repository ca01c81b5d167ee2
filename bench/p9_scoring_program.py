"""P9: a host's scoring program on a 5-million-row predictions file, run by the
orchestrator in the sandbox against the same program run as a plain process.

The program is ``examples/scoring-programs/roc_auc`` (pandas reads both CSVs, a numpy
rank-sum ROC AUC on the public and on the private rows). Inside = what the scorer waits
for on ``POST /internal/v1/scoring-runs``, less HTTP: ``ScoringRuns.run`` with local
storage, i.e. the program's zip, the predictions and the labels fetched from storage
into a fresh run folder, the zip unpacked, the sandbox (bwrap, seccomp, cgroups, 1 CPU),
``scores.json`` copied out and the log uploaded. Outside = the runtime's own Python
running ``score.py`` as a plain subprocess, in a folder laid out like
``/code_execution`` whose inputs are already in place. Both sides start the
interpreter and import pandas; samples alternate, after one warm-up each (page cache).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
import zipfile
from pathlib import Path
from typing import Any

from bench.common import machine, summary
from bench.p4_scoring import write_files
from services.orchestrator.config import OrchestratorSettings
from services.orchestrator.executors.local.runner import LocalRunner
from services.orchestrator.executors.local.runtimes import runtime_path, runtime_python
from services.orchestrator.scoring_runs import ScoringRuns
from shared.events import ScoringProgram
from shared.scoring_runs import (
    PROGRAMS_CONTAINER,
    ScoringRunRequest,
    ScoringRunStatus,
    StorageRef,
    parse_scores,
)
from shared.storage import LocalStorage

ROWS = 5_000_000
GOAL = 0.9
PROGRAM = Path(__file__).resolve().parent.parent / "examples" / "scoring-programs" / "roc_auc" / "score.py"


def _traversable_tmp(prefix: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/var/tmp"))
    path.chmod(0o755)
    return path


def outside(python: Path, layout: Path) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the program, scores.json)."""
    scores = layout / "submission" / "scores.json"
    scores.unlink(missing_ok=True)
    t0 = time.perf_counter()
    proc = subprocess.Popen([str(python), "score.py"], cwd=layout / "src", stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"score.py exited with {proc.returncode} outside the sandbox")
    return elapsed, usage.ru_utime + usage.ru_stime, scores.read_text()


async def inside(runs: ScoringRuns, request: ScoringRunRequest) -> tuple[float, float, float, str]:
    """(wall seconds of the whole run, of the sandbox, its CPU seconds, scores.json)."""
    t0 = time.perf_counter()
    result = await runs.run(request)
    elapsed = time.perf_counter() - t0
    if result.status != ScoringRunStatus.OK or result.scores_json is None:
        raise RuntimeError(f"the scoring run failed: {result.detail}\n{result.log_tail}")
    used = result.resources
    return elapsed, used.wall_seconds, used.cpu_seconds, result.scores_json


async def run(rows: int = ROWS, samples: int = 5, warmup: int = 1) -> dict[str, Any]:
    settings = OrchestratorSettings()
    runtime = runtime_path("default", settings.runtimes_path)
    python = runtime_python(runtime)
    work = _traversable_tmp("holdout-bench-p9-")
    try:
        layout = work / "layout"
        for name in ("src", "data", "submission"):
            (layout / name).mkdir(parents=True, mode=0o755)
        predictions, labels = write_files(layout / "data", rows)
        shutil.copyfile(PROGRAM, layout / "src" / "score.py")
        size_mb = (predictions.stat().st_size + labels.stat().st_size) / 2**20

        storage = LocalStorage(work / "storage")
        stage = uuid.uuid4()
        program_zip = work / "program.zip"
        with zipfile.ZipFile(program_zip, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.write(PROGRAM, "score.py")
        await storage.put_file(PROGRAMS_CONTAINER, f"{stage}/1.zip", program_zip)
        await storage.put_file("outputs", f"{stage}/1/predictions.csv", predictions)
        await storage.put_file("labels", f"{stage}/1.csv", labels)
        runner = LocalRunner(
            storage,
            runs_dir=work / "runs",
            cache_dir=work / "cache",
            runtimes_dir=settings.runtimes_path,
            requirements_dir=settings.runtimes_requirements_dir,
            build_missing_runtimes=False,
        )
        runs = ScoringRuns(runner, concurrency=1)
        program = ScoringProgram(archive_key=f"{stage}/1.zip", time_limit_s=300, memory_mb=6144, cpus=1.0)

        t_in: list[float] = []
        t_sandbox: list[float] = []
        t_out: list[float] = []
        cpu_in: list[float] = []
        cpu_out: list[float] = []
        scores: set[str] = set()
        for i in range(warmup + samples):
            request = ScoringRunRequest(
                run_id=f"bench-{i}",
                program=program,
                predictions=StorageRef(container="outputs", key=f"{stage}/1/predictions.csv"),
                labels=StorageRef(container="labels", key=f"{stage}/1.csv"),
            )
            out_s, out_cpu, out_scores = outside(python, layout)
            in_s, sandbox_s, in_cpu, in_scores = await inside(runs, request)
            scores |= {json.dumps(parse_scores(s, ["roc_auc"])) for s in (out_scores, in_scores)}
            if i >= warmup:
                t_out.append(out_s)
                t_in.append(in_s)
                t_sandbox.append(sandbox_s)
                cpu_out.append(out_cpu)
                cpu_in.append(in_cpu)
    finally:
        if not os.environ.get("HOLDOUT_BENCH_KEEP"):
            shutil.rmtree(work, ignore_errors=True)
    if len(scores) != 1:
        raise RuntimeError(f"the two sides disagree: {scores}")
    s_in, s_out = summary(t_in), summary(t_out)
    value = s_out["p50"] / s_in["p50"]
    sandbox_p50 = statistics.median(t_sandbox)
    cpu_in_p50, cpu_out_p50 = statistics.median(cpu_in), statistics.median(cpu_out)
    return {
        "measure": f"a scoring program (numpy ROC AUC) on a {rows:,}-row predictions file: "
        "time outside the sandbox / inside (the whole scoring run)",
        "value": value,
        "p99": s_out["p99"] / s_in["p99"],
        "goal": f">= {GOAL}",
        "met": value >= GOAL,
        "holdout": {**s_in, "samples": t_in, "sandbox_wall_p50": sandbox_p50, "cpu_p50": cpu_in_p50},
        "baseline": {**s_out, "samples": t_out, "cpu_p50": cpu_out_p50},
        "holdout_text": f"p50 {s_in['p50']:.2f} s (the sandboxed program {sandbox_p50:.2f} s, "
        f"CPU {cpu_in_p50:.2f} s)",
        "baseline_text": f"p50 {s_out['p50']:.2f} s (CPU {cpu_out_p50:.2f} s)",
        "scores": json.loads(next(iter(scores))),
        "method": (
            f"{rows:,}-row predictions and labels CSVs ({size_mb:.0f} MB together, 30% public); "
            f"{samples} samples after {warmup} warm-up, alternating. Program: "
            "examples/scoring-programs/roc_auc/score.py (pandas read_csv, numpy rank-sum ROC AUC on both "
            "subsets). Inside = `ScoringRuns.run` wall time with local storage: program zip, predictions "
            "and labels fetched into a fresh run folder, unpack, sandbox (bwrap, seccomp, cgroups, 1 CPU, "
            "6 GiB), scores.json copied out, log uploaded. Outside = the default runtime's Python running "
            "score.py as a plain subprocess on the files in place. Both give the same scores. "
            "value = p50 outside / p50 inside, p99 likewise; the CPU seconds of the program on each side "
            "(cgroup inside, wait4 outside) are shown because wall time on a shared machine is noisy."
        ),
        "machine": machine(),
    }
