"""Scoring runs: a host's scoring program run in the local sandbox on one set of
predictions (``POST /internal/v1/scoring-runs``, contract in ``shared.scoring_runs``).

Same isolation and the same code path as a submission's run (``executors/local/runner``):
the program's zip from the ``programs`` container unpacked into ``src/`` (``score.py`` or
``score.sh`` at its root), the predictions and the labels downloaded into the read-only
``data/`` as ``predictions.csv`` and ``labels.csv``, and ``scores.json`` copied out of
the writable ``submission/`` with the rules of a predictions file (no symlinks, no
FIFOs, at most ``SCORES_MAX_BYTES``). Runs at once are bounded by a semaphore of their
own (``HOLDOUT_SCORING_RUN_CONCURRENCY``): the submission scheduler's slots are not
touched. Run folder: ``<runs_dir>/scoring/<owner>/<run_id>-<random>/``: a run id asked
twice at once runs twice, apart, and the folders of a process that was killed (its
``owner``, pid and start time, is gone) are removed by the next one to start.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

import structlog

from services.orchestrator.executors.local import cgroups
from services.orchestrator.executors.local.runner import (
    Job,
    LocalRunner,
    Refused,
    is_out_of_space,
    remove_run_dir,
)
from services.orchestrator.executors.local.spec import MIB, OutputFile, SandboxLimits
from shared.archive import ArchiveError
from shared.scoring_runs import (
    PROGRAM_ENTRYPOINTS,
    PROGRAMS_CONTAINER,
    SCORES_FILENAME,
    SCORES_MAX_BYTES,
    ScoringRunRequest,
    ScoringRunResult,
    ScoringRunStatus,
    StorageRef,
    log_key,
)
from shared.storage.base import BlobNotFound

log = structlog.get_logger(__name__)

# the scorer's and the gateway's readers show the tail; the whole log is in storage
LOG_TAIL_BYTES = 4096
PREDICTIONS_FILENAME = "predictions.csv"
LABELS_FILENAME = "labels.csv"
# a scoring program writes a few numbers: its writable folder and its log stay small
OUTPUT_LIMIT_BYTES = 16 * MIB
LOG_LIMIT_BYTES = 256 * 1024
MAX_PROCESSES = 64

SCORES_OUTPUT = OutputFile(
    name=SCORES_FILENAME, what="scores", expected="a JSON file", max_bytes=SCORES_MAX_BYTES
)


class ScoringRuns:
    """Runs scoring programs, at most ``concurrency`` at once in this process."""

    def __init__(self, runner: LocalRunner, *, concurrency: int) -> None:
        # the submissions' runner (``LocalSandboxExecutor.runner``): its folders, runtimes,
        # sandbox user and /tmp size are the scoring programs' too
        self.runner = runner
        self._slots = asyncio.Semaphore(concurrency)
        self.root = runner.runs_dir / "scoring"
        self.owner = cgroups.own_owner()

    async def remove_stale(self) -> list[str]:
        """Remove the run folders of processes that are gone (called at start-up)."""

        def remove() -> list[str]:
            stale = [p for p in self.root.glob("*") if p.is_dir() and not cgroups.owner_alive(p.name)]
            for path in stale:
                remove_run_dir(path)
            return [p.name for p in stale]

        removed = await asyncio.to_thread(remove)
        if removed:
            log.warning("scoring_run.stale_folders_removed", owners=removed)
        return removed

    async def run(self, request: ScoringRunRequest) -> ScoringRunResult:
        """Run the program to its end; every outcome is a result, never an exception."""
        async with self._slots:
            run_dir = self.root / self.owner / f"{request.run_id}-{uuid.uuid4().hex[:8]}"
            try:
                return await self._run(request, run_dir)
            except ArchiveError as exc:
                return _failed(f"the scoring program's archive is refused: {'; '.join(exc.problems)}")
            except Exception as exc:
                if is_out_of_space(exc):
                    what = "this machine is out of disk space"
                elif isinstance(exc, Refused):
                    what = exc.what
                else:
                    log.exception("scoring_run.failed", run_id=request.run_id, error=repr(exc))
                    what = "the executor failed"
                log.error("scoring_run.platform_fault", run_id=request.run_id, what=what)
                return ScoringRunResult(
                    status=ScoringRunStatus.PLATFORM_FAULT,
                    detail=f"the scoring program could not run: {what}",
                )

    async def _run(self, request: ScoringRunRequest, run_dir: Path) -> ScoringRunResult:
        program = request.program
        job = Job(
            name=f"scoring-{request.run_id}",
            archive_container=PROGRAMS_CONTAINER,
            archive_key=program.archive_key,
            archive_what="the scoring program",
            entrypoints=PROGRAM_ENTRYPOINTS,
            runtime=program.runtime,
            limits=SandboxLimits(
                time_limit_s=program.time_limit_s,
                memory_bytes=program.memory_mb * MIB,
                cpus=program.cpus,
                max_processes=MAX_PROCESSES,
                output_limit_bytes=OUTPUT_LIMIT_BYTES,
                log_limit_bytes=LOG_LIMIT_BYTES,
                tmp_bytes=self.runner.tmp_bytes,
            ),
            output=SCORES_OUTPUT,
            log_key=log_key(request.run_id),
            stage_inputs=lambda data: self._stage_inputs(request, data),
            is_smoke=request.is_smoke,
        )
        async with self.runner.run(job, run_dir) as result:
            tail = await asyncio.to_thread(_tail, result.log_path)
            raw = await asyncio.to_thread(result.output_path.read_bytes) if result.output_path else None

        def answer(status: ScoringRunStatus, detail: str = "", scores: str | None = None) -> ScoringRunResult:
            return ScoringRunResult(
                status=status,
                detail=detail,
                exit_code=result.exit_code,
                scores_json=scores,
                log_key=job.log_key,
                log_tail=tail,
                resources=result.resources,
            )

        if result.failure_reason is not None:
            reason = result.failure_reason.value
            return answer(
                ScoringRunStatus.PROGRAM_FAILED, f"the scoring program failed ({reason}): {result.detail}"
            )
        assert raw is not None  # a run that did not fail left its scores file
        try:
            scores = raw.decode("utf-8")
        except UnicodeDecodeError:
            return answer(
                ScoringRunStatus.PROGRAM_FAILED,
                f"the scoring program failed: {SCORES_FILENAME} is not UTF-8 text",
            )
        log.info("scoring_run.finished", run_id=request.run_id, wall_seconds=result.resources.wall_seconds)
        return answer(ScoringRunStatus.OK, scores=scores)

    async def _stage_inputs(self, request: ScoringRunRequest, data: Path) -> None:
        for ref, filename, what in (
            (request.predictions, PREDICTIONS_FILENAME, "the predictions"),
            (request.labels, LABELS_FILENAME, "the labels"),
        ):
            await self._download(ref, data / filename, what)

    async def _download(self, ref: StorageRef, dest: Path, what: str) -> None:
        try:
            await self.runner.storage_call(
                f"download {what}", self.runner.storage.download_to, ref.container, ref.key, dest
            )
        except BlobNotFound:
            raise Refused(
                f"{what} ({ref.container}/{ref.key}) are missing from storage", retryable=False
            ) from None
        dest.chmod(0o644)  # read by the sandbox user; the mount is read-only anyway


def _tail(path: Path) -> str:
    with path.open("rb") as f:
        f.seek(max(0, os.fstat(f.fileno()).st_size - LOG_TAIL_BYTES))
        return f.read().decode("utf-8", errors="replace")


def _failed(detail: str) -> ScoringRunResult:
    return ScoringRunResult(status=ScoringRunStatus.PROGRAM_FAILED, detail=detail)
