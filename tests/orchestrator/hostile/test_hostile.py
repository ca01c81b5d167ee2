"""The hostile catalogue, run through the local executor several at a time, with honest
submissions running alongside: each attack ends with the right reason (or is contained
and the run scores normally), and every honest run scores correctly.

The whole catalogue runs once per module (``outcomes``), concurrently; each case then
asserts on its own outcome, so a failure names the attack that got through.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from services.orchestrator.executors.base import RunOutcome, RunRequest
from services.orchestrator.executors.local.executor import LocalSandboxExecutor
from services.orchestrator.executors.local.runner import LocalRunner
from services.orchestrator.executors.local.spec import MIB
from services.scorer.scoring import score
from shared.events import ExecutionSpec, FailureReason, ScoringSpec
from shared.storage import LocalStorage
from tests.conftest import make_traversable_dir
from tests.orchestrator.hostile.catalogue import (
    CASES,
    DAEMON_MARKER,
    LABEL_MARKER,
    NORMAL,
    SECRET,
    TIME_LIMIT_S,
    Case,
)

pytestmark = pytest.mark.usefixtures("sandbox_available")

CONCURRENCY = 4
NORMAL_RUNS = 3
ROWS = 40


@dataclass
class Ran:
    case: Case
    outcome: RunOutcome
    log: str
    predictions: bytes = b""


def _features() -> bytes:
    return ("id,x\n" + "".join(f"r{i},{(i % 10) / 10 + 0.05:.2f}\n" for i in range(ROWS))).encode()


def _labels() -> bytes:
    rows = [f"r{i},{int((i % 10) / 10 + 0.05 > 0.5)},{'Public' if i % 2 else 'Private'}" for i in range(ROWS)]
    # the marker sits in the labels as a participant's hunt would look for it
    return ("id,label,Usage\n" + "\n".join(rows) + f"\n{LABEL_MARKER},0,Private\n").encode()


async def _run_all(root: Path, runtimes_dir: Path) -> dict[str, Ran]:
    storage = LocalStorage(root / "storage")
    cid = uuid.uuid4()
    await storage.put_bytes("data", f"{cid}/v1/features.csv", _features())
    await storage.put_bytes("labels", f"{cid}/v1.csv", _labels())
    executor = LocalSandboxExecutor(
        LocalRunner(
            storage,
            runs_dir=root / "runs",
            cache_dir=root / "cache",
            runtimes_dir=runtimes_dir,
            build_missing_runtimes=False,
            tmp_bytes=64 * MIB,
        ),
    )
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(case: Case, key: str) -> tuple[str, Ran]:
        sid = uuid.uuid4()
        await storage.put_bytes("submissions", f"{cid}/{sid}.zip", case.zip_bytes())
        execution = ExecutionSpec(
            **{
                "time_limit_s": TIME_LIMIT_S,
                "memory_mb": 256,
                "cpus": 1,
                "max_processes": 32,
                "output_limit_mb": 8,
                "log_limit_kb": 16,
                "data_prefix": f"{cid}/v1/",
                "data_files": ["features.csv"],
                **case.spec,
            }
        )
        request = RunRequest(sid, cid, 1, f"{cid}/{sid}.zip", execution)
        async with gate:
            outcome = await executor.run(request)
        log = ""
        if outcome.log_key:
            log = (await storage.get_bytes("outputs", outcome.log_key)).decode(errors="replace")
        predictions = b""
        if outcome.predictions_key:
            predictions = await storage.get_bytes("outputs", outcome.predictions_key)
        return key, Ran(case, outcome, log, predictions)

    # honest runs first, in the middle and last, so they overlap the attacks
    jobs = [one(case, case.name) for case in CASES]
    for i in range(NORMAL_RUNS):
        jobs.insert(i * len(jobs) // NORMAL_RUNS, one(NORMAL, f"normal-{i}"))
    return dict(await asyncio.gather(*jobs))


@pytest.fixture(scope="module")
def outcomes(runtimes_dir: Path) -> Iterator[dict[str, Ran]]:
    root = make_traversable_dir("holdout-hostile-")
    os.environ["HOLDOUT_TEST_SECRET"] = SECRET  # the orchestrator's own secret
    try:
        yield asyncio.run(_run_all(root, runtimes_dir))
    finally:
        os.environ.pop("HOLDOUT_TEST_SECRET", None)
        shutil.rmtree(root, ignore_errors=True)


def test_the_catalogue_is_big_enough() -> None:
    assert len(CASES) >= 20
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_submission(case: Case, outcomes: dict[str, Ran]) -> None:
    ran = outcomes[case.name]
    outcome = ran.outcome
    context = f"{case.name} ({case.what}): {outcome.failure_reason} {outcome.detail}\n--- log ---\n"
    context += ran.log[-3000:]
    assert "ESCAPED" not in outcome.detail and "ESCAPED" not in ran.log, context
    assert outcome.failure_reason == case.expect, context
    assert outcome.failure_reason != FailureReason.INTERNAL_ERROR, context
    for text in case.detail_contains:
        assert text in outcome.detail, context
    for text in case.log_contains:
        assert text in ran.log, context
    if case.expect is None:
        # contained: the attacker's run still scores, and correctly
        assert outcome.predictions_key is not None, context
    if case.expect == FailureReason.TIME_LIMIT_EXCEEDED:
        assert TIME_LIMIT_S <= outcome.resources.wall_seconds < TIME_LIMIT_S + 10, context


def test_honest_runs_alongside_score_correctly(outcomes: dict[str, Ran]) -> None:
    spec = ScoringSpec(metric="accuracy", id_column="id", target_columns=["label"], labels_key="-")
    labels = _labels().replace(f"{LABEL_MARKER},0,Private\n".encode(), b"")
    for i in range(NORMAL_RUNS):
        ran = outcomes[f"normal-{i}"]
        assert ran.outcome.failure_reason is None, ran.outcome.detail
        # scored by the scorer's own validation and metric
        scores = score(ran.predictions, labels, spec)
        assert (scores.public_score, scores.private_score) == (1.0, 1.0)
        assert (scores.public_rows, scores.private_rows) == (ROWS // 2, ROWS // 2)


def test_spinning_every_core_gets_only_its_cpu_share(outcomes: dict[str, Ran]) -> None:
    res = outcomes["spin_every_core"].outcome.resources
    # cpus=0.5: the CFS quota holds it to half a core, however many processes spin
    assert res.cpu_seconds <= 0.5 * res.wall_seconds * 1.3 + 0.3, res


def test_no_daemon_outlives_its_run(outcomes: dict[str, Ran]) -> None:
    assert outcomes["orphaned_daemon"].outcome.failure_reason is None
    survivors = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if DAEMON_MARKER.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                survivors.append(pid)
        except OSError:
            pass
    assert survivors == []


def test_memory_bomb_is_reported_with_its_limit_and_peak(outcomes: dict[str, Ran]) -> None:
    res = outcomes["memory_bomb"].outcome.resources
    assert 200 <= res.peak_memory_mb <= 260, res
