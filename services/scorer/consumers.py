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
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import structlog
from prometheus_client import Counter, Histogram

from services.scorer.config import ScorerSettings
from services.scorer.judging import Judge
from services.scorer.scoring import Scores
from shared.bus import Subscription
from shared.events import Event, ExecutionFinished

log = structlog.get_logger(__name__)

SCORINGS = Counter("holdout_scorer_scorings_total", "Runs judged by the scorer", ["outcome"])
SCORING_SECONDS = Histogram("holdout_scorer_scoring_seconds", "Time to validate and score one run")


class ExecutionFinishedConsumer:
    def __init__(self, judge: Judge, settings: ScorerSettings) -> None:
        self.judge = judge
        self.settings = settings

    def subscription(self, also: Callable[[Event], Awaitable[None]] | None = None) -> Subscription:
        """The scorer's one queue; ``also`` handles ``competition.rescore_requested``."""

        async def handle(event: Event) -> None:
            if isinstance(event, ExecutionFinished):
                await self.handle(event)
            elif also is not None:
                await also(event)

        return Subscription(
            queue="scorer",
            routing_keys=["execution.finished", *(["competition.rescore_requested"] if also else [])],
            handler=handle,
            prefetch=self.settings.scoring_concurrency,
        )

    async def handle(self, event: Event) -> None:
        if not isinstance(event, ExecutionFinished) or event.failure_reason is not None:
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
