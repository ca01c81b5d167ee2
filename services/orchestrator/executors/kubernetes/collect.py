"""Collected pods: how a run's outcome outlives the orchestrator that reached it.

A run pod that has ended is the durable record of its attempt until the scheduler has
recorded the outcome in its database. So ``run`` never deletes an ended pod before it
returns: it marks the pod *collected* (a merge patch adding the ``RunOutcome`` as JSON
in the ``holdout.dev/outcome`` annotation) and hands the outcome back. An orchestrator
stopped anywhere in between (after the mark, before the row is written) leaves the pod
with its verdict: the next one's ``run`` of the same attempt meets 409, reads the
annotation and returns that outcome; nothing is created or run again. Without the mark
(stopped before it) the ended pod is classified again, to the same verdict.

The collected pod goes once the outcome is safe (the ``Reaper``):

- at once when the scheduler calls ``Executor.release`` after recording it (the
  finaliser step);
- else ``grace_seconds`` after it was handed back, longer than the scheduler needs to
  write an end (its retries, then its reconcile, which re-queues a row it could not end
  as the next attempt, a different pod);
- never after ``detach()`` (shutting down): the rows may still be unwritten; the next
  orchestrator's ``recover`` deletes collected pods of runs no longer active and its
  ``run`` adopts the others.

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
DELETE_CONCURRENCY = 32


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


class Reaper:
    """Deletes collected pods: when released, else ``grace_seconds`` after collection."""

    def __init__(self, delete: Callable[[str], Awaitable[None]], *, grace_seconds: float) -> None:
        self._delete = delete
        self.grace_seconds = grace_seconds
        # insertion order is due order: every pod gets the same grace
        self._due: dict[str, float] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopped = False

    @property
    def pending(self) -> int:
        return len(self._due)

    def collected(self, name: str) -> None:
        if self._stopped:
            return
        self._due.pop(name, None)
        self._due[name] = asyncio.get_running_loop().time() + self.grace_seconds
        # no wake: a pod collected now is due after every pod already waiting
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="holdout-k8s-reaper")

    async def release(self, name: str) -> None:
        """The outcome is recorded: the pod may go now (even after ``stop``)."""
        self._due.pop(name, None)
        try:
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
        await cancel_and_wait(self._task)
        self._task = None

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
            for start in range(0, len(due), DELETE_CONCURRENCY):
                batch = due[start : start + DELETE_CONCURRENCY]
                results = await asyncio.gather(*(self._delete(n) for n in batch), return_exceptions=True)
                for name, result in zip(batch, results, strict=True):
                    if isinstance(result, Exception) and not self._stopped:
                        log.warning("k8s.reap_failed", pod=name, error=repr(result)[:300])
                        self._due[name] = loop.time() + min(self.grace_seconds, 30.0)
