"""The scheduler: starts queued executions fairly (``fair_share.py``), up to a global
concurrency limit, each competition's own cap and this replica's capacity.

Several replicas may share one database (``leases.py``). Claims are serialised across
them (``repository.lock_claims``) and read the database's counts, so the global limit,
the caps and the fair share hold for all replicas together; a replica starts at most
``capacity`` runs itself. A claimed attempt is held by this replica (its ``owner`` and
lease) until it ends; only the holder records its end.

Every run has a deadline: its time limit plus ``grace_seconds`` (download, unpack,
upload). A run still going then is stopped and ends as a retryable platform fault, so
no execution stays ``running`` for ever.

A platform fault that clears with time rather than at once (the machine's disk is
full) does not use up an attempt: the run goes back to the queue, not to start again
before a delay that doubles each time (``wait_retry_seconds`` up to
``wait_retry_max_seconds``, jittered by the one retry policy), at most ``wait_retries``
times; then it is an ordinary platform fault.

Consumers only record work (``consumers.py``); this loop does it. Each start and each
end is one transaction that changes the execution's row and stages the event it
causes (``execution.started`` / ``execution.finished``) in the outbox. The loop wakes
when a consumer records something, when a run ends, and every ``poll_seconds``; each
round also cancels the runs held here whose cancel another replica received.

A running row no live replica holds (its replica died and the lease ran out, or this
replica has no run for it because its end could not be written) is taken over by the
reconcile, at start-up and every ``reconcile_seconds``: it is queued again as its next
attempt, and one interrupted on its last attempt ends with ``internal_error``. An
executor whose runs live outside the process (Kubernetes pods) says so in
``Executor.resume``: then the same attempt is run again, held here, and the executor
adopts the pod or collects its result.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import timedelta
from typing import Any

import structlog
from sqlalchemy import Row

from services.orchestrator import repository
from services.orchestrator.executors.base import Executor, RunOutcome, RunRequest
from services.orchestrator.fair_share import fair_pick
from services.orchestrator.leases import Leases, cancels_for, live_attempts, orphans, take_over
from services.orchestrator.models import ExecutionStatus, outbox
from services.orchestrator.records import charged, finished_event, ran_on
from shared.db import add_event, as_aware, transaction
from shared.events import ExecutionStarted, FailureReason, SubmissionQueued, utcnow
from shared.loops import BackgroundLoop
from shared.retry import backoff, retrying
from shared.runtime import ServiceRuntime

__all__ = ["INTERRUPTED_TWICE", "Scheduler", "fair_pick"]

log = structlog.get_logger(__name__)

INTERRUPTED_TWICE = "the run was interrupted twice by a platform fault"


class Scheduler:
    def __init__(
        self,
        rt: ServiceRuntime,
        executor: Executor,
        *,
        max_concurrent: int,
        capacity: int | None = None,
        replica_id: str | None = None,
        lease_seconds: float = 15.0,
        poll_seconds: float = 2.0,
        max_attempts: int = 2,
        grace_seconds: float = 300.0,
        reconcile_seconds: float = 5.0,
        wait_retry_seconds: float = 30.0,
        wait_retry_max_seconds: float = 600.0,
        wait_retries: int = 20,
    ) -> None:
        self.rt = rt
        self.executor = executor
        self.max_concurrent = max(1, max_concurrent)  # all replicas together
        self.capacity = max(1, capacity or max_concurrent)  # this replica
        self.replica_id = replica_id or uuid.uuid4().hex
        self.poll_seconds = poll_seconds
        self.max_attempts = max(1, max_attempts)
        self.grace_seconds = grace_seconds
        self.reconcile_seconds = reconcile_seconds
        self.wait_retry_seconds = wait_retry_seconds
        self.wait_retry_max_seconds = wait_retry_max_seconds
        self.wait_retries = wait_retries
        self.leases = Leases(
            rt,
            self.replica_id,
            lease_seconds=lease_seconds,
            held=self._held,
            lost=self._drop,
            cancel=self.cancel,
        )
        self._loop = BackgroundLoop("orchestrator-scheduler", self._tick, interval_s=poll_seconds)
        self._next_reconcile = 0.0
        self._resumes = False  # the executor's runs outlive this process (``Executor.resume``)
        self._runs: dict[str, asyncio.Task[None]] = {}
        self._attempts: dict[str, int] = {}
        self._claiming: set[str] = set()  # claimed, not yet committed
        self._cancelling: set[str] = set()  # cancelled by request: record it
        self._lost: set[str] = set()  # another replica holds it now: record nothing
        self._ending: set[str] = set()  # ended, its end being recorded

    @property
    def running(self) -> set[str]:
        return set(self._runs)

    def wake(self) -> None:
        self._loop.wake()

    def cancel(self, submission_id: str) -> bool:
        """Stop this replica's run of ``submission_id``; False if it is not running here."""
        task = self._runs.get(submission_id)
        if task is None:
            return False
        if submission_id not in self._ending and submission_id not in self._cancelling:
            self._cancelling.add(submission_id)
            task.cancel()
        return True

    async def start(self) -> None:
        await self.recover()
        self._next_reconcile = asyncio.get_running_loop().time() + self.reconcile_seconds
        self.leases.start()
        self._loop.start()

    async def stop(self) -> None:
        """Stop starting runs and kill the ones in progress.

        Their rows stay ``running`` and their leases run out now: the next start of a
        replica takes them over as interrupted (pods: adopted).
        """
        await self._loop.stop()
        await self.leases.stop()
        tasks = list(self._runs.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.leases.release()

    async def recover(self) -> None:
        """At start-up: tell the executor which attempts may be live anywhere (it cleans
        up what a dead process left, sparing those), then take the orphans over."""
        async with self.rt.sessionmaker() as session:
            live = await live_attempts(session)
        self._resumes = await self.executor.resume(live)
        await self.reconcile()

    async def reconcile(self) -> int:
        """Take over the running rows no live replica holds (``leases.py``); returns how many."""
        now = utcnow()
        adopted: list[Row[Any]] = []
        taken = 0
        async with transaction(self.rt.sessionmaker, self.rt.relay) as session:
            exclude = [*self._runs, *self._claiming]
            for row in await orphans(session, self.replica_id, now, exclude):
                if not await take_over(session, row, self.replica_id, now, self.leases.until(now)):
                    continue  # another replica was first
                taken += 1
                sid, attempt = row.submission_id, row.attempt
                log.warning("execution.orphan_found", submission_id=sid, attempt=attempt, owner=row.owner)
                if self._resumes and not row.cancel_requested:
                    adopted.append(row)
                else:
                    await self._end_interrupted(session, row)
        for row in adopted:
            log.info("execution.resumed", submission_id=row.submission_id, attempt=row.attempt)
            self._spawn(row)
        return taken

    async def _end_interrupted(self, session: Any, row: Row[Any]) -> None:
        sid, attempt, me = row.submission_id, row.attempt, self.replica_id
        if row.cancel_requested:
            await repository.mark_finished(session, sid, attempt, owner=me, status=ExecutionStatus.CANCELLED)
            log.info("execution.cancelled", submission_id=sid, attempt=attempt)
        elif attempt < self.max_attempts:
            await repository.requeue(session, sid, attempt, owner=me)
            log.warning("execution.requeued_after_interruption", submission_id=sid, attempt=attempt + 1)
        else:
            outcome = RunOutcome(FailureReason.INTERNAL_ERROR, INTERRUPTED_TWICE)
            await self._record_finished(session, row, outcome)
            log.error("execution.interrupted_twice", submission_id=sid, attempt=attempt)

    async def _tick(self) -> None:
        now = asyncio.get_running_loop().time()
        if now >= self._next_reconcile:
            self._next_reconcile = now + self.reconcile_seconds
            await self.reconcile()
        if self._runs:
            async with self.rt.sessionmaker() as session:
                cancelled = await cancels_for(session, self.replica_id)
            for sid in cancelled:
                self.cancel(sid)
        await self.start_due()

    async def start_due(self) -> int:
        """Claim queued executions for the free slots and start them; returns how many."""
        room = self.capacity - len(self._runs)
        if room <= 0:
            return 0
        now = utcnow()
        claimed: list[Row[Any]] = []
        try:
            async with transaction(self.rt.sessionmaker, self.rt.relay) as session:
                await repository.lock_claims(session)
                by_team, by_competition = await repository.running_counts(session)
                free = min(room, self.max_concurrent - sum(by_competition.values()))
                if free <= 0:
                    return 0
                candidates = await repository.queued_heads(session, free, exclude=list(self._runs))
                if not candidates:
                    return 0
                started = await repository.last_started(session, sorted({r.team_id for r in candidates}))
                lease = self.leases.until(now)
                for row in fair_pick(candidates, free, by_team, by_competition, started):
                    sid = row.submission_id
                    if not await repository.mark_running(
                        session, sid, row.attempt, now, owner=self.replica_id, lease_until=lease
                    ):
                        continue
                    queued = SubmissionQueued.model_validate_json(row.snapshot)
                    event = ExecutionStarted(
                        submission_id=queued.submission_id,
                        attempt=row.attempt,
                        started_at=now,
                        correlation_id=queued.correlation_id,
                    )
                    await add_event(session, outbox, event)
                    claimed.append(row)
                    self._claiming.add(sid)
        finally:
            self._claiming.clear()
        for row in claimed:
            log.info("execution.started", submission_id=row.submission_id, attempt=row.attempt)
            self._spawn(row)
        return len(claimed)

    def _spawn(self, row: Row[Any]) -> None:
        sid = row.submission_id
        self._attempts[sid] = row.attempt
        self._runs[sid] = asyncio.create_task(self._execute(row), name=f"run-{sid}")

    def _held(self) -> dict[str, int]:
        return {sid: self._attempts[sid] for sid in self._runs}

    def _drop(self, submission_ids: list[str]) -> list[str]:
        """Stop runs this replica no longer holds, recording nothing (their holder does);
        returns those stopped (not the ones that ended meanwhile)."""
        dropped = []
        for sid in submission_ids:
            task = self._runs.get(sid)
            if task is not None and sid not in self._ending and sid not in self._lost:
                self._lost.add(sid)
                self.executor.abandon(sid, self._attempts[sid])  # a pod stays, for its holder
                task.cancel()
                dropped.append(sid)
        return dropped

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
        outcome: RunOutcome | None
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
                if sid in self._lost:
                    log.warning("execution.dropped", submission_id=sid, attempt=attempt)
                    return
                if sid not in self._cancelling:
                    raise  # shutting down: the row stays running, a replica takes it over
                outcome = None
            except Exception as exc:
                log.exception("execution.executor_crashed", submission_id=sid, error=repr(exc))
                outcome = RunOutcome.internal("the executor crashed")
            self._ending.add(sid)
            if await self._finish(row, outcome) and outcome is not None:
                await self.executor.release(request)  # recorded: what kept it recoverable goes
        finally:
            self._runs.pop(sid, None)
            self._attempts.pop(sid, None)
            for marks in (self._cancelling, self._lost, self._ending):
                marks.discard(sid)
            self.wake()

    async def _finish(self, row: Row[Any], outcome: RunOutcome | None) -> bool:
        """Record the end of a run (``outcome`` None: it was cancelled), retrying the
        database; False if nothing was recorded (another replica holds the row now)."""
        recorded = False
        try:
            async for attempt in retrying():
                with attempt:
                    async with transaction(self.rt.sessionmaker, self.rt.relay) as session:
                        recorded = await self._record_end(session, row, outcome)
        except Exception as exc:
            # left running, held here without a run: the reconcile takes it over
            log.error("execution.finish_failed", submission_id=row.submission_id, error=repr(exc))
            return False
        return recorded

    async def _record_end(self, session: Any, row: Row[Any], outcome: RunOutcome | None) -> bool:
        sid, attempt, me = row.submission_id, row.attempt, self.replica_id
        current = await repository.get(session, sid)
        if current is None or current.status != ExecutionStatus.RUNNING or current.attempt != attempt:
            return False
        if current.owner != me:
            # another replica took the row over after this one's lease ran out
            log.warning("execution.end_not_recorded", submission_id=sid, attempt=attempt, owner=current.owner)
            return False
        if outcome is None or current.cancel_requested:
            await repository.mark_finished(session, sid, attempt, owner=me, status=ExecutionStatus.CANCELLED)
            log.info("execution.cancelled", submission_id=sid, attempt=attempt)
        elif outcome.wait_and_retry and current.deferrals < self.wait_retries:
            # the one policy's doubling, jittered: runs deferred by one full disk do not
            # all come back in the same instant
            first, ceiling = self.wait_retry_seconds, self.wait_retry_max_seconds
            delay = backoff(current.deferrals + 1, initial_s=first, ceiling_s=ceiling)
            await repository.defer(session, sid, attempt, utcnow() + timedelta(seconds=delay), owner=me)
            log.warning("execution.deferred", submission_id=sid, attempt=attempt, retry_in_s=delay)
        elif outcome.retryable and attempt < self.max_attempts:
            await repository.requeue(session, sid, attempt, owner=me)
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
        return True

    async def _record_finished(self, session: Any, row: Row[Any], outcome: RunOutcome) -> None:
        queued = SubmissionQueued.model_validate_json(row.snapshot)
        fields: dict[str, Any] = {
            "failure_reason": outcome.failure_reason,
            "detail": outcome.detail,
            "exit_code": outcome.exit_code,
            "predictions_key": outcome.predictions_key,
            "log_key": outcome.log_key,
            "model_key": outcome.model_key,
            "model_sha256": outcome.model_sha256,
            "model_size_bytes": outcome.model_size_bytes,
            **ran_on(outcome),
        }
        resources = charged(queued, outcome)
        updated = await repository.mark_finished(
            session,
            row.submission_id,
            row.attempt,
            owner=self.replica_id,
            status=ExecutionStatus.FINISHED,
            resources=resources.model_dump(),
            **{**fields, "failure_reason": outcome.failure_reason.value if outcome.failure_reason else None},
        )
        if updated:
            event = finished_event(queued, row.attempt, resources=resources, **fields)
            await add_event(session, outbox, event)
