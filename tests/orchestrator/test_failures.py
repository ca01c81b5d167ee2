"""The failure wording is written once (``executors/failures.py``): the same failure reads
the same whether the local sandbox or a Kubernetes pod ran the submission. Pure
functions on both sides (the local ``classify`` and ``copy_output``, the pod status
``classify``); no submission runs."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from services.orchestrator.executors import failures
from services.orchestrator.executors.base import RunRequest
from services.orchestrator.executors.kubernetes import classify as pods
from services.orchestrator.executors.local import classify as local
from services.orchestrator.executors.local.executor import LocalSandboxExecutor
from services.orchestrator.executors.local.output import copy_output
from services.orchestrator.executors.local.runner import LocalRunner
from services.orchestrator.executors.local.spec import MIB, OutputFile, SandboxLimits
from shared.events import ExecutionSpec, FailureReason
from shared.storage import LocalStorage
from tests.orchestrator.kubernetes import statuses

SPEC = ExecutionSpec(
    time_limit_s=2.5, memory_mb=512, cpus=1, output_limit_mb=4, data_prefix="c/v1/", data_files=["x.csv"]
)
LIMITS = SandboxLimits(
    time_limit_s=SPEC.time_limit_s,
    memory_bytes=SPEC.memory_mb * MIB,
    cpus=SPEC.cpus,
    output_limit_bytes=SPEC.output_limit_mb * MIB,
)


def _local(**seen: object) -> tuple[FailureReason, str]:
    ended: dict[str, object] = {
        "timed_out": False,
        "oom_killed": False,
        "output_exceeded": False,
        "exit_code": 0,
        "log_text": "",
    }
    failure = local.classify(limits=LIMITS, **{**ended, **seen})  # type: ignore[arg-type]
    assert failure is not None
    return failure


def _pod(status: dict[str, object]) -> tuple[FailureReason | None, str]:
    verdict = pods.classify({"status": status}, SPEC)
    assert verdict is not None
    return verdict.failure_reason, verdict.detail


def test_a_time_limit_reads_the_same_on_both_executors() -> None:
    expected = (FailureReason.TIME_LIMIT_EXCEEDED, "ran longer than the 2.5 s time limit and was stopped")
    assert _local(timed_out=True) == expected
    assert _pod(statuses.finished(124, statuses.report(124, "skipped", timed_out=True))) == expected


def test_memory_and_exit_codes_read_the_same_on_both_executors() -> None:
    reason, detail = _local(oom_killed=True, exit_code=137)
    oom = _pod(statuses.finished(137, reason="OOMKilled"))
    assert reason == oom[0] == FailureReason.MEMORY_LIMIT_EXCEEDED
    # the local tmpfs is memory too, and says so after the shared sentence
    assert detail == oom[1] + " (memory written to /tmp counts too)"
    assert oom[1] == "exceeded the 512 MiB memory limit and was killed"

    assert _local(exit_code=3) == (FailureReason.RUNTIME_ERROR, "exited with code 3")
    crashed = statuses.finished(3, statuses.report(3))
    assert _pod(crashed) == (FailureReason.RUNTIME_ERROR, "exited with code 3")
    reason, detail = _local(exit_code=137, log_text="one\ntwo\n")
    assert detail == "exited with code 137 (killed by SIGKILL); last lines of the log:\none\ntwo"


@pytest.mark.parametrize(
    ("make", "report"),
    [
        (lambda path: None, statuses.report(predictions="missing")),
        (
            lambda path: path.mkdir(),
            statuses.report(
                predictions="not_regular", detail="/x/submission.csv is a directory, expected a CSV file"
            ),
        ),
        (
            lambda path: os.mkfifo(path),
            statuses.report(
                predictions="not_regular",
                detail="/x/submission.csv is a named pipe (FIFO), expected a CSV file",
            ),
        ),
        (
            lambda path: path.write_bytes(b"x" * (4 * MIB + 1)),
            statuses.report(predictions="too_large"),
        ),
    ],
    ids=["missing", "directory", "fifo", "too-large"],
)
def test_a_bad_predictions_file_reads_the_same_on_both_executors(
    tmp_path: Path, make: object, report: dict[str, object]
) -> None:
    submission = tmp_path / "submission"
    submission.mkdir()
    make(submission / "submission.csv")  # type: ignore[operator]
    failure = copy_output(submission, OutputFile(), tmp_path / "copy", LIMITS.output_limit_bytes)
    assert failure is not None
    assert _pod(statuses.finished(0, report)) == failure


def test_a_report_from_a_pod_repeats_only_the_kinds_the_wording_knows() -> None:
    forged = statuses.report(predictions="not_regular", detail="is <b>anything</b>, expected a CSV file")
    assert _pod(statuses.finished(0, forged)) == (
        FailureReason.INVALID_PREDICTIONS,
        "/code_execution/submission/submission.csv is not a regular file (a symbolic link?); "
        "write the predictions to a regular file",
    )
    assert set(failures.FILE_KINDS) == {
        failures.file_kind(mode) for mode in (0o040000, 0o120000, 0o010000, 0o140000, 0o020000)
    }


async def test_a_platform_fault_reads_the_same_on_both_executors(data_dir: Path, runtimes_dir: Path) -> None:
    """A submission archive gone from storage: the local runner's refusal and the pod's
    fetch container tell the participant the same (it never ran: no sandbox needed)."""
    storage = LocalStorage(data_dir / "storage")
    runner = LocalRunner(
        storage,
        runs_dir=data_dir / "runs",
        cache_dir=data_dir / "cache",
        runtimes_dir=runtimes_dir,
        build_missing_runtimes=False,
    )
    request = RunRequest(uuid.uuid4(), uuid.uuid4(), 1, "c/gone.zip", SPEC)
    outcome = await LocalSandboxExecutor(runner).run(request)
    fetch = {"name": "fetch", "state": {"terminated": {"exitCode": pods.FETCH_MISSING}}}
    missing = {"phase": "Failed", "initContainerStatuses": [fetch]}
    assert _pod(missing) == (outcome.failure_reason, outcome.detail)
    assert outcome.detail == (
        "Holdout could not run the submission because of a platform fault "
        "(the submission archive is missing from storage); it does not count against your quota"
    )
