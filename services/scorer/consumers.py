"""The scorer's consumer of ``execution.finished``.

For a run that produced predictions (``failure_reason`` is None; a failed run is the
gateway's business): fetch the predictions and the labels, validate and score them in
a worker thread, then in one transaction record the outcome and stage
``submission.scored`` or ``submission.scoring_failed`` in the outbox.

Idempotent twice over: the inbox drops a redelivered event, and the ``scores`` row
keyed on the submission drops a stale or repeated run (a scored submission, or an
attempt no newer than the one already judged).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import structlog
from prometheus_client import Counter, Histogram
from sqlalchemy import select

from services.scorer import repository
from services.scorer.config import ScorerSettings
from services.scorer.models import inbox, outbox
from services.scorer.repository import ScoreRecord
from services.scorer.scoring import Scores, score
from services.scorer.validation import InvalidPredictions, ScoringProblem
from shared.bus import Subscription, TransientError
from shared.db import add_event, claim_event, transaction
from shared.events import (
    Event,
    ExecutionFinished,
    FailureReason,
    SubmissionScored,
    SubmissionScoringFailed,
    utcnow,
)
from shared.service import ServiceRuntime
from shared.storage import BlobNotFound, ObjectTooLarge, StorageError

log = structlog.get_logger(__name__)

SCORINGS = Counter("holdout_scorer_scorings_total", "Runs judged by the scorer", ["outcome"])
SCORING_SECONDS = Histogram("holdout_scorer_scoring_seconds", "Time to validate and score one run")


@dataclass(frozen=True)
class Failure:
    reason: FailureReason
    detail: str


class ExecutionFinishedConsumer:
    def __init__(self, runtime: ServiceRuntime, settings: ScorerSettings) -> None:
        self.rt = runtime
        self.settings = settings

    def subscription(self) -> Subscription:
        return Subscription(
            queue="scorer",
            routing_keys=["execution.finished"],
            handler=self.handle,
            prefetch=self.settings.scoring_concurrency,
        )

    async def handle(self, event: Event) -> None:
        if not isinstance(event, ExecutionFinished) or event.failure_reason is not None:
            return
        if await self._already_judged(event):
            log.info(
                "scoring.duplicate_ignored", submission_id=str(event.submission_id), attempt=event.attempt
            )
            return
        started = time.perf_counter()
        outcome = await self._judge(event)
        SCORING_SECONDS.observe(time.perf_counter() - started)

        async with transaction(self.rt.sessionmaker, self.rt.relay) as session:
            if not await claim_event(session, inbox, event):
                return
            existing = await repository.get(session, event.submission_id)
            if existing is not None and existing.supersedes(event.attempt):
                return
            record, result = _outcome_records(event, outcome)
            await repository.save(session, record, replace=existing is not None)
            await add_event(session, outbox, result)
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
                detail=outcome.detail,
            )

    async def _already_judged(self, event: ExecutionFinished) -> bool:
        async with self.rt.sessionmaker() as session:
            seen = await session.scalar(
                select(inbox.c.event_id).where(inbox.c.event_id == str(event.event_id))
            )
            if seen is not None:
                return True
            existing = await repository.get(session, event.submission_id)
        return existing is not None and existing.supersedes(event.attempt)

    async def _judge(self, event: ExecutionFinished) -> Scores | Failure:
        storage = self.rt.storage
        if not event.predictions_key:
            return Failure(
                FailureReason.MISSING_PREDICTIONS, "the run finished without writing a predictions file"
            )
        limit = self.settings.max_predictions_bytes
        try:
            predictions = await storage.get_bytes("outputs", event.predictions_key, max_bytes=limit)
        except BlobNotFound:
            return Failure(
                FailureReason.MISSING_PREDICTIONS,
                "the run finished but wrote no predictions file; write it to /code_execution/submission/",
            )
        except ObjectTooLarge:
            return Failure(
                FailureReason.INVALID_PREDICTIONS,
                f"the predictions file is larger than the {_human_bytes(limit)} limit",
            )
        except StorageError as exc:
            raise TransientError(f"reading predictions failed: {exc}") from exc
        try:
            labels = await storage.get_bytes("labels", event.scoring.labels_key)
        except BlobNotFound:
            log.error(
                "scoring.labels_missing",
                competition_id=str(event.competition_id),
                labels_key=event.scoring.labels_key,
            )
            return Failure(
                FailureReason.INTERNAL_ERROR,
                "the competition's hidden labels are missing from storage, so the run could not be scored; "
                "this is the platform's fault, not your submission's",
            )
        except StorageError as exc:
            raise TransientError(f"reading labels failed: {exc}") from exc
        try:
            return await asyncio.to_thread(score, predictions, labels, event.scoring)
        except InvalidPredictions as exc:
            return Failure(FailureReason.INVALID_PREDICTIONS, exc.detail)
        except ScoringProblem as exc:
            log.error("scoring.platform_problem", competition_id=str(event.competition_id), detail=exc.detail)
            return Failure(
                FailureReason.INTERNAL_ERROR,
                f"the run could not be scored because of a problem on the platform's side: {exc.detail}",
            )


def _outcome_records(
    event: ExecutionFinished, outcome: Scores | Failure
) -> tuple[ScoreRecord, SubmissionScored | SubmissionScoringFailed]:
    now = utcnow()
    if isinstance(outcome, Scores):
        record = ScoreRecord(
            submission_id=event.submission_id,
            competition_id=event.competition_id,
            attempt=event.attempt,
            status="scored",
            metric=outcome.metric,
            higher_is_better=outcome.higher_is_better,
            public_score=outcome.public_score,
            private_score=outcome.private_score,
            reason=None,
            detail="",
            scored_at=now,
        )
        scored = SubmissionScored(
            submission_id=event.submission_id,
            competition_id=event.competition_id,
            team_id=event.team_id,
            team_name=event.team_name,
            submitted_at=event.submitted_at,
            is_smoke=event.is_smoke,
            metric=outcome.metric,
            higher_is_better=outcome.higher_is_better,
            public_score=outcome.public_score,
            private_score=outcome.private_score,
        )
        return record, scored
    record = ScoreRecord(
        submission_id=event.submission_id,
        competition_id=event.competition_id,
        attempt=event.attempt,
        status="failed",
        metric=event.scoring.metric,
        higher_is_better=None,
        public_score=None,
        private_score=None,
        reason=outcome.reason.value,
        detail=outcome.detail,
        scored_at=now,
    )
    failed = SubmissionScoringFailed(
        submission_id=event.submission_id,
        competition_id=event.competition_id,
        reason=outcome.reason,
        detail=outcome.detail,
    )
    return record, failed


def _human_bytes(n: int) -> str:
    return f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{n} bytes"
