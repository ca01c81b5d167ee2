"""The scheduler: starts queued executions fairly, up to a global concurrency limit
and each competition's own cap.

Fair share: each free slot goes to the team with the fewest runs running now, then
to the team whose last run started longest ago, then to the oldest queued run. A
host's reproducibility re-run (purpose ``reproduce``) takes a slot only when no
competing run is due. A team with 500 queued runs therefore delays another team's
single run by at most one free slot (the slot that frees first after it is queued
goes to it).

Every run has a deadline: its time limit plus ``grace_seconds`` (download, unpack,
upload). A run still going then is stopped and ends as a retryable platform fault, so
no execution stays ``running`` for ever; a row left ``running`` by this process
without a task (its end could not be written) is found by the periodic reconcile and
treated as interrupted.

A platform fault that clears with time rather than at once (the machine's disk is
full) does not use up an attempt: the run goes back to the queue, not to start again
before a delay that doubles each time (``wait_retry_seconds`` up to
``wait_retry_max_seconds``), at most ``wait_retries`` times; then it is an ordinary
platform fault.

Consumers only record work (``consumers.py``); this loop does it. Each start and each
end is one transaction that changes the execution's row and stages the event it
causes (``execution.started`` / ``execution.finished``) in the outbox. The loop wakes
when a consumer records something, when a run ends, and every ``poll_seconds``.

After a crash, executions still marked ``running`` belonged to a dead process (the
local sandbox runs inside this process, so nothing else can be running them): each
is queued again as its next attempt, and an execution interrupted on its last
attempt ends with ``internal_error``. An executor whose runs live outside the process
(Kubernetes pods) says so in ``Executor.resume``: then the same attempt is run again,
and the executor adopts the pod or collects its result.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import Row

from services.orchestrator import repository
from services.orchestrator.executors.base import Executor, RunOutcome, RunRequest
from services.orchestrator.models import ExecutionStatus, outbox
from shared.aio import cancel_and_wait, wait_event
from shared.db import add_event, as_aware, transaction
from shared.events import (
    ExecutionFinished,
    ExecutionStarted,
    FailureReason,
    Resources,
    SubmissionQueued,
    utcnow,
)
from shared.runtime import ServiceRuntime

log = structlog.get_logger(__name__)

INTERRUPTED_TWICE = "the run was interrupted twice by a platform fault"
_NEVER = datetime.min.replace(tzinfo=UTC)


def fair_pick(
    candidates: Sequence[Row[Any]],
    free: int,
    running_by_team: dict[str, int],
    running_by_competition: dict[str, int],
    last_started: dict[str, datetime],
) -> list[Row[Any]]:
    """Choose up to ``free`` runs from ``candidates`` (queued rows), one slot at a time:
    competing runs before reproductions, then the team with the fewest running, then
    the one that started a run longest ago, then the oldest queued run; a competition
    at its cap is skipped."""
    by_team = dict(running_by_team)
    by_competition = dict(running_by_competition)
    started = dict(last_started)
    pending = sorted(candidates, key=lambda r: (_low(r), as_aware(r.queued_at), r.submission_id))
    chosen: list[Row[Any]] = []
    while len(chosen) < free:
        best: Row[Any] | None = None
        best_key: tuple[Any, ...] | None = None
        seen_teams: set[str] = set()
        for row in pending:
            if row.team_id in seen_teams:
                continue  # only a team's oldest eligible run competes for the slot
            cap = row.max_concurrent
            if cap is not None and by_competition.get(row.competition_id, 0) >= cap:
                continue
            seen_teams.add(row.team_id)
            key = (_low(row), by_team.get(row.team_id, 0), started.get(row.team_id, _NEVER))
            if best_key is None or key < best_key:
                best, best_key = row, key
        if best is None:
            break
        chosen.append(best)
        pending.remove(best)
        by_team[best.team_id] = by_team.get(best.team_id, 0) + 1
        by_competition[best.competition_id] = by_competition.get(best.competition_id, 0) + 1
        started[best.team_id] = utcnow()
    return chosen


def _low(row: Row[Any]) -> bool:
    return getattr(row, "purpose", "compete") == "reproduce"


class Scheduler:
    def __init__(
        self,
        rt: ServiceRuntime,
        executor: Executor,
        *,
        max_concurrent: int,
        poll_seconds: float = 2.0,
        max_attempts: int = 2,
        grace_seconds: float = 300.0,
        reconcile_seconds: float = 30.0,
        wait_retry_seconds: float = 30.0,
        wait_retry_max_seconds: float = 600.0,
        wait_retries: int = 20,
    ) -> None:
        self.rt = rt
        self.executor = executor
        self.max_concurrent = max(1, max_concurrent)
        self.poll_seconds = poll_seconds
        self.max_attempts = max(1, max_attempts)
        self.grace_seconds = grace_seconds
        self.reconcile_seconds = reconcile_seconds
        self.wait_retry_seconds = wait_retry_seconds
        self.wait_retry_max_seconds = wait_retry_max_seconds
        self.wait_retries = wait_retries
        self._wake = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._runs: dict[str, asyncio.Task[None]] = {}
        self._cancelling: set[str] = set()

    @property
    def running(self) -> set[str]:
        return set(self._runs)

    def wake(self) -> None:
        self._wake.set()

    def cancel(self, submission_id: str) -> bool:
        """Stop this process's run of ``submission_id``; False if it is not running here."""
        task = self._runs.get(submission_id)
        if task is None:
            return False
        self._cancelling.add(submission_id)
        task.cancel()
        return True

    async def start(self) -> None:
        await self.recover()
        self._loop_task = asyncio.create_task(self._loop(), name="orchestrator-scheduler")

    async def stop(self) -> None:
        """Stop starting runs and kill the ones in progress.

        Their rows stay ``running``: the next start treats them as interrupted.
        """
        await cancel_and_wait(self._loop_task)
        self._loop_task = None
        tasks = list(self._runs.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def recover(self) -> None:
        async with self.rt.sessionmaker() as session:
            rows = [r for r in await repository.running(session) if r.submission_id not in self._runs]
        live = [r for r in rows if not r.cancel_requested]
        # an executor whose runs outside this process may outlive it (Kubernetes pods)
        # carries on the same attempt; otherwise they died with the previous process
        resumed = await self.executor.resume([(r.submission_id, r.attempt) for r in live])
        async with transaction(self.rt.sessionmaker, self.rt.relay) as session:
            for row in rows:
                if not (resumed and not row.cancel_requested):
                    await self._end_interrupted(session, row)
        if resumed:
            for row in live:
                log.info("execution.resumed", submission_id=row.submission_id, attempt=row.attempt)
                self._runs[row.submission_id] = asyncio.create_task(
                    self._execute(row), name=f"run-{row.submission_id}"
                )

    async def _end_interrupted(self, session: Any, row: Row[Any]) -> None:
        sid, attempt = row.submission_id, row.attempt
        if row.cancel_requested:
            await repository.mark_finished(session, sid, attempt, status=ExecutionStatus.CANCELLED)
            log.info("execution.cancelled", submission_id=sid, attempt=attempt)
        elif attempt < self.max_attempts:
            await repository.requeue(session, sid, attempt)
            log.warning("execution.requeued_after_interruption", submission_id=sid, attempt=attempt + 1)
        else:
            outcome = RunOutcome(FailureReason.INTERNAL_ERROR, INTERRUPTED_TWICE)
            await self._record_finished(session, row, outcome)
            log.error("execution.interrupted_twice", submission_id=sid, attempt=attempt)

    async def reconcile(self) -> int:
        """Rows ``running`` with no task here (their end could not be written): interrupted."""
        async with transaction(self.rt.sessionmaker, self.rt.relay) as session:
            orphans = [r for r in await repository.running(session) if r.submission_id not in self._runs]
            for row in orphans:
                log.warning("execution.orphan_found", submission_id=row.submission_id, attempt=row.attempt)
                await self._end_interrupted(session, row)
        return len(orphans)

    async def _loop(self) -> None:
        failures = 0
        loop = asyncio.get_running_loop()
        next_reconcile = loop.time() + self.reconcile_seconds
        while True:
            self._wake.clear()
            try:
                if loop.time() >= next_reconcile:
                    next_reconcile = loop.time() + self.reconcile_seconds
                    await self.reconcile()
                await self.start_due()
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                delay = min(30.0, 0.5 * 2**failures)
                log.warning("scheduler.failed", error=repr(exc), retry_in=delay)
                await asyncio.sleep(delay)
                continue
            await wait_event(self._wake, self.poll_seconds)

    async def start_due(self) -> int:
        """Claim queued executions for the free slots and start them; returns how many."""
        free = self.max_concurrent - len(self._runs)
        if free <= 0:
            return 0
        now = utcnow()
        claimed: list[Row[Any]] = []
        async with transaction(self.rt.sessionmaker, self.rt.relay) as session:
            candidates = await repository.queued_heads(session, free, exclude=list(self._runs))
            if not candidates:
                return 0
            by_team, by_competition = await repository.running_counts(session)
            started = await repository.last_started(session, sorted({r.team_id for r in candidates}))
            for row in fair_pick(candidates, free, by_team, by_competition, started):
                if not await repository.mark_running(session, row.submission_id, row.attempt, now):
                    continue
                queued = SubmissionQueued.model_validate_json(row.snapshot)
                await add_event(
                    session,
                    outbox,
                    ExecutionStarted(
                        submission_id=queued.submission_id,
                        attempt=row.attempt,
                        started_at=now,
                        correlation_id=queued.correlation_id,
                    ),
                )
                claimed.append(row)
        for row in claimed:
            log.info("execution.started", submission_id=row.submission_id, attempt=row.attempt)
            task = asyncio.create_task(self._execute(row), name=f"run-{row.submission_id}")
            self._runs[row.submission_id] = task
        return len(claimed)

    async def _execute(self, row: Row[Any]) -> None:
        sid, attempt = row.submission_id, row.attempt
        queued = SubmissionQueued.model_validate_json(row.snapshot)
        request = RunRequest(
            submission_id=uuid.UUID(sid),
            competition_id=queued.competition_id,
            attempt=attempt,
            archive_key=queued.archive_key,
            execution=queued.execution,
            is_smoke=queued.is_smoke,
        )
        started = as_aware(row.started_at) if row.started_at is not None else utcnow()
        allowed = queued.execution.time_limit_s + self.grace_seconds
        remaining = allowed - (utcnow() - started).total_seconds()
        try:
            try:
                async with asyncio.timeout(max(0.0, remaining)):
                    outcome = await self.executor.run(request)
            except TimeoutError:
                log.error("execution.deadline_passed", submission_id=sid, attempt=attempt, allowed_s=allowed)
                outcome = RunOutcome.internal(
                    f"the run did not end within its {queued.execution.time_limit_s:g} s time limit "
                    f"plus {self.grace_seconds:g} s and was stopped"
                )
            except asyncio.CancelledError:
                if sid not in self._cancelling:
                    raise  # shutting down: the row stays running, the next start recovers it
                await self._finish(row, None)
                return
            except Exception as exc:
                log.exception("execution.executor_crashed", submission_id=sid, error=repr(exc))
                outcome = RunOutcome.internal("the executor crashed")
            await self._finish(row, outcome)
        finally:
            self._runs.pop(sid, None)
            self._cancelling.discard(sid)
            self.wake()

    async def _finish(self, row: Row[Any], outcome: RunOutcome | None) -> None:
        """Record the end of a run (``outcome`` None: it was cancelled), retrying the database."""
        for attempt in range(1, 6):
            try:
                async with transaction(self.rt.sessionmaker, self.rt.relay) as session:
                    await self._record_end(session, row, outcome)
                return
            except Exception as exc:
                log.warning("execution.finish_failed", submission_id=row.submission_id, error=repr(exc))
                if attempt == 5:
                    # left running: the next start of the service recovers it
                    return
                await asyncio.sleep(0.5 * 2**attempt)

    async def _record_end(self, session: Any, row: Row[Any], outcome: RunOutcome | None) -> None:
        sid, attempt = row.submission_id, row.attempt
        current = await repository.get(session, sid)
        if current is None or current.status != ExecutionStatus.RUNNING or current.attempt != attempt:
            return
        if outcome is None or current.cancel_requested:
            await repository.mark_finished(session, sid, attempt, status=ExecutionStatus.CANCELLED)
            log.info("execution.cancelled", submission_id=sid, attempt=attempt)
        elif outcome.wait_and_retry and current.deferrals < self.wait_retries:
            delay = min(self.wait_retry_max_seconds, self.wait_retry_seconds * 2**current.deferrals)
            await repository.defer(session, sid, attempt, utcnow() + timedelta(seconds=delay))
            log.warning("execution.deferred", submission_id=sid, attempt=attempt, retry_in_s=delay)
        elif outcome.retryable and attempt < self.max_attempts:
            await repository.requeue(session, sid, attempt)
            log.warning("execution.retrying", submission_id=sid, attempt=attempt + 1, detail=outcome.detail)
        else:
            await self._record_finished(session, current, outcome)
            log.info(
                "execution.finished",
                submission_id=sid,
                attempt=attempt,
                failure_reason=outcome.failure_reason,
                exit_code=outcome.exit_code,
            )

    async def _record_finished(self, session: Any, row: Row[Any], outcome: RunOutcome) -> None:
        queued = SubmissionQueued.model_validate_json(row.snapshot)
        resources = outcome.resources
        if queued.execution.gpu and not resources.gpu_seconds:
            # the GPU is the run's alone for as long as it runs
            resources = resources.model_copy(update={"gpu_seconds": resources.wall_seconds})
        updated = await repository.mark_finished(
            session,
            row.submission_id,
            row.attempt,
            status=ExecutionStatus.FINISHED,
            failure_reason=outcome.failure_reason.value if outcome.failure_reason else None,
            detail=outcome.detail,
            exit_code=outcome.exit_code,
            resources=resources.model_dump(),
            predictions_key=outcome.predictions_key,
            log_key=outcome.log_key,
            **ran_on(outcome),
        )
        if not updated:
            return
        await add_event(
            session,
            outbox,
            ExecutionFinished(
                submission_id=queued.submission_id,
                competition_id=queued.competition_id,
                team_id=queued.team_id,
                team_name=queued.team_name,
                submitted_at=queued.submitted_at,
                is_smoke=queued.is_smoke,
                attempt=row.attempt,
                failure_reason=outcome.failure_reason,
                detail=outcome.detail,
                exit_code=outcome.exit_code,
                predictions_key=outcome.predictions_key,
                log_key=outcome.log_key,
                resources=resources,
                scoring=queued.scoring,
                stage_id=queued.stage_id,
                purpose=queued.purpose,
                correlation_id=queued.correlation_id,
                **ran_on(outcome),
            ),
        )


def ran_on(outcome: RunOutcome) -> dict[str, Any]:
    """The execution record's fields of ``outcome`` (columns and ExecutionFinished alike)."""
    return {
        "runtime": outcome.runtime,
        "runtime_digest": outcome.runtime_digest,
        "machine": outcome.machine,
        "gpu_used": outcome.gpu_used,
    }


def replayed_event(row: Row[Any]) -> ExecutionStarted | ExecutionFinished | None:
    """The event the execution's current state caused, again (a new ``event_id``): for a
    reconciler whose copy was lost. Consumers are idempotent on the state machine, so a
    replay changes nothing where the original arrived. None: queued or cancelled."""
    if row.snapshot is None or row.status not in (ExecutionStatus.RUNNING, ExecutionStatus.FINISHED):
        return None
    queued = SubmissionQueued.model_validate_json(row.snapshot)
    if row.status == ExecutionStatus.RUNNING:
        return ExecutionStarted(
            submission_id=queued.submission_id,
            attempt=row.attempt,
            started_at=as_aware(row.started_at) if row.started_at else utcnow(),
            correlation_id=queued.correlation_id,
        )
    return ExecutionFinished(
        submission_id=queued.submission_id,
        competition_id=queued.competition_id,
        team_id=queued.team_id,
        team_name=queued.team_name,
        submitted_at=queued.submitted_at,
        is_smoke=queued.is_smoke,
        attempt=row.attempt,
        failure_reason=FailureReason(row.failure_reason) if row.failure_reason else None,
        detail=row.detail or "",
        exit_code=row.exit_code,
        predictions_key=row.predictions_key,
        log_key=row.log_key,
        resources=Resources(**(row.resources or {})),
        scoring=queued.scoring,
        stage_id=queued.stage_id,
        purpose=queued.purpose,
        correlation_id=queued.correlation_id,
        runtime=row.runtime or "",
        runtime_digest=row.runtime_digest or "",
        machine=row.machine or "",
        gpu_used=bool(row.gpu_used),
    )
