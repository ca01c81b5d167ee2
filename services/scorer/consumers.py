"""The scorer's consumer of ``execution.finished``: a thin adapter over ``judging``.

For a run that produced predictions (``failure_reason`` is None; a failed run is the
gateway's business) it asks ``Judge.judge_run`` to judge the run, record the outcome and
stage ``submission.scored`` or ``submission.scoring_failed``, then counts and logs what
came of it. What another try may fix comes back as ``TransientError``, which the bus
redelivers.

Idempotent twice over: the inbox drops a redelivered event, and the ``scores`` row
keyed on the submission drops a stale or repeated run (a scored submission, or an
attempt no newer than the one already judged). The submission's claim keeps two
replicas (or this consumer and a rescoring) from judging it at once.

``stop`` (a replica shutting down) turns new deliveries away (``TransientError``: the
broker hands them to another replica, or to this one once it is back) and cancels the
judgements under way, which keep their claims; only then may the replica free what it
holds (``Claims.release_all``), since nothing of it is judging any more.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import structlog
from prometheus_client import Counter, Histogram

from services.scorer.config import ScorerSettings
from services.scorer.judging import Judge
from services.scorer.scoring import Scores
from shared.aio import cancel_and_wait
from shared.bus import Subscription, TransientError
from shared.events import Event, ExecutionFinished

log = structlog.get_logger(__name__)

SCORINGS = Counter("holdout_scorer_scorings_total", "Runs judged by the scorer", ["outcome"])
SCORING_SECONDS = Histogram("holdout_scorer_scoring_seconds", "Time to validate and score one run")


class ExecutionFinishedConsumer:
    def __init__(self, judge: Judge, settings: ScorerSettings) -> None:
        self.judge = judge
        self.settings = settings
        self._stopping = False
        self._in_flight: set[asyncio.Task[None]] = set()

    async def stop(self) -> None:
        """Take no more events and end the judgements under way (cancelled: their claims
        run out or are released by the caller after this returns)."""
        self._stopping = True
        for task in list(self._in_flight):
            await cancel_and_wait(task)

    def subscription(self, also: Callable[[Event], Awaitable[None]] | None = None) -> Subscription:
        """The scorer's one queue; ``also`` handles ``competition.rescore_requested``."""

        async def handle(event: Event) -> None:
            if self._stopping:
                raise TransientError("this scorer replica is shutting down; the event waits for another")
            task = asyncio.create_task(self._dispatch(event, also))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
            try:
                await task
            except asyncio.CancelledError:
                if task.cancelled() and self._stopping and not _cancelling():
                    # ended by ``stop``, not by the bus: the event is redelivered
                    raise TransientError("this scorer replica shut down while judging the run") from None
                raise

        return Subscription(
            queue="scorer",
            routing_keys=["execution.finished", *(["competition.rescore_requested"] if also else [])],
            handler=handle,
            prefetch=self.settings.scoring_concurrency,
        )

    async def _dispatch(self, event: Event, also: Callable[[Event], Awaitable[None]] | None) -> None:
        if isinstance(event, ExecutionFinished):
            await self.handle(event)
        elif also is not None:
            await also(event)

    async def handle(self, event: Event) -> None:
        if not isinstance(event, ExecutionFinished) or event.failure_reason is not None:
            return
        if event.kind == "training":
            # a training run leaves a model for the next stage, no predictions: nothing to score
            log.info("scoring.training_run_skipped", submission_id=str(event.submission_id))
            return
        started = time.perf_counter()
        outcome = await self.judge.judge_run(event)
        if outcome is None:
            log.info(
                "scoring.duplicate_ignored", submission_id=str(event.submission_id), attempt=event.attempt
            )
            return
        SCORING_SECONDS.observe(time.perf_counter() - started)
        SCORINGS.labels("scored" if isinstance(outcome, Scores) else outcome.reason.value).inc()
        if isinstance(outcome, Scores):
            log.info(
                "scoring.scored",
                submission_id=str(event.submission_id),
                metric=outcome.metric,
                public_score=outcome.public_score,
                private_score=outcome.private_score,
            )
        else:
            log.info(
                "scoring.failed",
                submission_id=str(event.submission_id),
                reason=outcome.reason.value,
                fault=outcome.fault.value,
                detail=outcome.detail,
            )


def _cancelling() -> bool:
    """Whether the running task itself is being cancelled (not only what it awaited)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
