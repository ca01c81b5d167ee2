"""Collected pods: how a run's outcome outlives the orchestrator that reached it.

A run pod that has ended is the durable record of its attempt until the scheduler has
recorded the outcome in its database. So ``run`` never deletes an ended pod before it
returns. It hands the outcome back as soon as the log is stored, and the ``Collector``
then marks the pod *collected* in the background (a merge patch adding the
``RunOutcome`` as JSON in the ``holdout.dev/outcome`` annotation), behind the runs still
ending: at most ``MARK_CONCURRENCY`` marks are in flight, oldest first, and none on an
outcome's way back (at 2,000 runs ending within seconds, the marks awaited before
returning were 12% of the event loop's time and the last round trip of every outcome).

An orchestrator stopped anywhere before the outcome is recorded leaves the ended pod,
and the next one's ``run`` of the same attempt meets 409 and adopts it; nothing is
created or run again:

- marked: it returns the outcome in the annotation, exactly the one handed back;
- not yet marked: the pod is classified again, to the same verdict. The failure reason,
  exit code, resources, predictions, image digest and node come from the pod itself;
  a runtime error's last lines come from its log, read again with the same bounds and
  stored again under the same key. Only what came from outside the pod can differ: a
  log that could not be stored (the new attempt at it may work, and the pod's own
  verdict is given) or that can no longer be read (its node gone: the same failure
  reason, a detail and stored log saying it could not be read).

A mark still queued when the outcome is recorded (``release``) or when the pod is
deleted after the grace is dropped: it would protect nothing. One in flight then meets
404 or lands on a pod about to go, both harmless. ``close`` gives the queued marks a
few seconds (``CLOSE_SECONDS``) and drops the rest: a merge patch lands whole or not at
all, so a pod is marked or not, never half.

The collected pod goes once the outcome is safe, at most ``DELETE_CONCURRENCY`` deletes
in flight (so a burst of releases leaves the API to the runs that are ending):

- at once when the scheduler calls ``Executor.release`` after recording it (the
  finaliser step);
- else ``grace_seconds`` after it was handed back, longer than the scheduler needs to
  write an end (its retries, then its reconcile, which re-queues a row it could not end
  as the next attempt, a different pod);
- never after ``detach()`` (shutting down): the rows may still be unwritten; the next
  orchestrator's ``recover`` deletes collected pods of runs no longer active and its
  ``run`` adopts the others. Marks still go out after ``detach()``: they delete nothing.

An ended pod holds no node resources and no pod quota (both count only pods that are
not over), so keeping it a while costs an API object, not capacity.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import structlog

from services.orchestrator.executors.base import RunOutcome
from shared.aio import cancel_and_wait

log = structlog.get_logger(__name__)

OUTCOME_ANNOTATION = "holdout.dev/outcome"
MARK_CONCURRENCY = 4  # marks in flight at once: background work, behind ending runs
DELETE_CONCURRENCY = 16  # deletes in flight at once, releases and the grace's together
CLOSE_SECONDS = 5.0  # how long ``close`` lets the queued marks go out


def is_over(pod: dict[str, Any] | None) -> bool:
    """Whether the pod itself has ended (its containers will never run again)."""
    return pod is not None and (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def collected(pod: dict[str, Any] | None) -> RunOutcome | None:
    """The outcome a previous ``run`` handed back for this pod, if it was collected."""
    annotations = ((pod or {}).get("metadata") or {}).get("annotations") or {}
    text = annotations.get(OUTCOME_ANNOTATION)
    if not text:
        return None
    try:
        return RunOutcome.from_json(text)
    except (ValueError, TypeError) as exc:
        log.warning("k8s.collected_unreadable", error=repr(exc)[:300])
        return None


def mark(outcome: RunOutcome) -> dict[str, Any]:
    """The merge patch that marks a pod collected with ``outcome``."""
    return {"metadata": {"annotations": {OUTCOME_ANNOTATION: outcome.to_json()}}}


class Collector:
    """Marks handed-back pods collected in the background, and deletes them: when
    released, else ``grace_seconds`` after they were handed back."""

    def __init__(
        self,
        mark: Callable[[str, RunOutcome], Awaitable[None]],
        delete: Callable[[str], Awaitable[None]],
        *,
        grace_seconds: float,
        mark_concurrency: int = MARK_CONCURRENCY,
        delete_concurrency: int = DELETE_CONCURRENCY,
    ) -> None:
        self._mark = mark
        self._delete = delete
        self.grace_seconds = grace_seconds
        self.mark_concurrency = max(1, mark_concurrency)
        # insertion order is the order they go out: oldest hand-back first
        self._marks: dict[str, RunOutcome] = {}
        self._markers: set[asyncio.Task[None]] = set()
        self._deleting = asyncio.Semaphore(max(1, delete_concurrency))
        # insertion order is due order: every pod gets the same grace
        self._due: dict[str, float] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopped = False

    @property
    def pending(self) -> int:
        """Collected pods waiting for their release or grace."""
        return len(self._due)

    @property
    def unmarked(self) -> int:
        """Marks queued, not yet sent."""
        return len(self._marks)

    def collected(self, name: str, outcome: RunOutcome | None = None) -> None:
        """``name``'s outcome was handed back: mark the pod with ``outcome`` (None: it is
        marked already), and delete it after the grace unless released first."""
        if outcome is not None:
            self._marks[name] = outcome
            # done(), not the set's size: a sender that just returned leaves the set later
            if sum(not task.done() for task in self._markers) < self.mark_concurrency:
                task = asyncio.create_task(self._send_marks(), name="holdout-k8s-marker")
                self._markers.add(task)
                task.add_done_callback(self._markers.discard)
        if self._stopped:
            return
        self._due.pop(name, None)
        self._due[name] = asyncio.get_running_loop().time() + self.grace_seconds
        # no wake: a pod collected now is due after every pod already waiting
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="holdout-k8s-reaper")

    async def release(self, name: str) -> None:
        """The outcome is recorded: the pod may go now (even after ``stop``), and a mark
        not yet sent is dropped."""
        self._marks.pop(name, None)
        self._due.pop(name, None)
        try:
            async with self._deleting:
                await self._delete(name)
        except Exception as exc:
            log.warning("k8s.release_failed", pod=name, error=repr(exc)[:300])

    def stop(self) -> None:
        """Shutting down: delete nothing more on a timer; the next orchestrator sorts it out."""
        self._stopped = True
        self._due.clear()
        self._wake.set()

    async def close(self) -> None:
        self.stop()
        if self._markers:
            # a few seconds for the queued marks (a restart then has the exact outcomes)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(CLOSE_SECONDS):
                    await asyncio.gather(*self._markers)
            self._marks.clear()
            for task in list(self._markers):
                await cancel_and_wait(task)
        await cancel_and_wait(self._task)
        self._task = None

    async def _send_marks(self) -> None:
        """One of at most ``mark_concurrency`` senders: until no mark is queued."""
        while self._marks:
            name = next(iter(self._marks))
            outcome = self._marks.pop(name)
            try:
                await self._mark(name, outcome)
            except Exception as exc:  # the outcome stands: classified again, it gives this verdict
                log.warning("k8s.collect_mark_failed", pod=name, error=repr(exc)[:300])

    async def _reap(self, name: str) -> None:
        async with self._deleting:
            await self._delete(name)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._stopped:
            self._wake.clear()
            now = loop.time()
            due = []
            for name, at in self._due.items():  # in due order (a retry may come a little late)
                if at > now:
                    break
                due.append(name)
            if not due:
                wait = next(iter(self._due.values()), now + self.grace_seconds) - now
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(max(0.01, wait)):
                        await self._wake.wait()
                continue
            for name in due:
                del self._due[name]
                self._marks.pop(name, None)  # about to go: the mark protects nothing
            results = await asyncio.gather(*(self._reap(n) for n in due), return_exceptions=True)
            for name, result in zip(due, results, strict=True):
                if isinstance(result, Exception) and not self._stopped:
                    log.warning("k8s.reap_failed", pod=name, error=repr(result)[:300])
                    self._due[name] = loop.time() + min(self.grace_seconds, 30.0)
