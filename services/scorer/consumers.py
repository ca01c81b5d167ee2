"""The scorer's consumer of ``execution.finished``.

For a run that produced predictions (``failure_reason`` is None; a failed run is the
gateway's business): fetch the predictions and the labels, validate and score them in
a worker thread, then in one transaction record the outcome and stage
``submission.scored`` or ``submission.scoring_failed`` in the outbox.

Idempotent twice over: the inbox drops a redelivered event, and the ``scores`` row
keyed on the submission drops a stale or repeated run (a scored submission, or an
attempt no newer than the one already judged).

A run submitted before its stage's latest rescoring was requested is scored with that
rescoring's spec, not with the (older) snapshot in its event, so a run that finishes
while a rescoring is under way cannot slip through with the old labels.

A stage scored by a program: the predictions are validated (and the registry's columns
computed) first, so a participant's mistake stays ``invalid_predictions``; then the
program runs (``programs``). Its failure is the host's: ``internal_error`` with the
program's log key for the host, and a detail that tells the participant nothing of it.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from prometheus_client import Counter, Histogram
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.scorer import repository
from services.scorer.config import ScorerSettings
from services.scorer.models import inbox, outbox
from services.scorer.programs import PARTICIPANT_DETAIL, ProgramFailed, ScoringPrograms
from services.scorer.repository import ScoreRecord
from services.scorer.scoring import Prepared, Scores, prepare, score_prepared, with_program
from services.scorer.validation import InvalidPredictions, ScoringProblem
from shared.bus import Subscription, TransientError
from shared.db import add_event, claim_event, transaction
from shared.events import (
    Event,
    ExecutionFinished,
    FailureReason,
    ScoringSpec,
    SubmissionScored,
    SubmissionScoringFailed,
    utcnow,
)
from shared.runtime import ServiceRuntime
from shared.scoring_runs import StorageRef
from shared.storage import BlobNotFound, ObjectTooLarge, StorageError

log = structlog.get_logger(__name__)

SCORINGS = Counter("holdout_scorer_scorings_total", "Runs judged by the scorer", ["outcome"])
LABELS_CACHED = 2
SCORING_SECONDS = Histogram("holdout_scorer_scoring_seconds", "Time to validate and score one run")


@dataclass(frozen=True)
class Failure:
    reason: FailureReason
    detail: str
    # the scoring program failed: its log, for the host's eyes only
    scoring_log_key: str | None = None


async def score_run(
    predictions: bytes,
    prepared: Prepared,
    programs: ScoringPrograms,
    run_prefix: str,
    predictions_key: str,
    is_smoke: bool,
) -> Scores | Failure:
    """Every column of the spec; raises ``InvalidPredictions`` or another ``ScoringProblem``
    before any program runs. ``run_prefix``: what the program's run ids start with."""
    scores = await asyncio.to_thread(score_prepared, predictions, prepared)
    spec = prepared.spec
    if spec.program is None:
        return scores
    outcome = await programs.run(
        spec.program,
        run_prefix,
        StorageRef(container="outputs", key=predictions_key),
        StorageRef(container="labels", key=spec.labels_key),
        prepared.program_keys,
        is_smoke=is_smoke,
        private_rows=scores.private is not None,
    )
    if isinstance(outcome, ProgramFailed):
        log.error(
            "scoring.program_gave_up", run_prefix=run_prefix, detail=outcome.detail, log_key=outcome.log_key
        )
        return Failure(FailureReason.INTERNAL_ERROR, PARTICIPANT_DETAIL, outcome.log_key)
    return with_program(scores, prepared, outcome.public, outcome.private)


class ExecutionFinishedConsumer:
    def __init__(self, runtime: ServiceRuntime, settings: ScorerSettings, programs: ScoringPrograms) -> None:
        self.rt = runtime
        self.settings = settings
        self.programs = programs
        # parsed labels of the last few specs: every run of a competition is scored
        # against the same labels, and parsing millions of rows each time would dominate
        self._labels: OrderedDict[tuple[str, bytes], Prepared] = OrderedDict()

    async def _prepared(self, labels: bytes, spec: ScoringSpec) -> Prepared:
        key = (spec.model_dump_json(), hashlib.blake2b(labels, digest_size=16).digest())
        found = self._labels.get(key)
        if found is None:
            found = await asyncio.to_thread(prepare, labels, spec)
            self._labels[key] = found
            while len(self._labels) > LABELS_CACHED:
                self._labels.popitem(last=False)
        self._labels.move_to_end(key)
        return found

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
        if await self._already_judged(event):
            log.info(
                "scoring.duplicate_ignored", submission_id=str(event.submission_id), attempt=event.attempt
            )
            return
        started = time.perf_counter()
        async with self.rt.sessionmaker() as session:
            spec, rescore_id = await _applicable_spec(session, event)
        outcome = await self._judge(event, spec)
        SCORING_SECONDS.observe(time.perf_counter() - started)

        async with transaction(self.rt.sessionmaker, self.rt.relay) as session:
            if (await _applicable_spec(session, event))[1] != rescore_id:
                raise TransientError(
                    "a rescoring was requested while this run was being scored; scoring it again"
                )
            if not await claim_event(session, inbox, event):
                return
            existing = await repository.get(session, event.submission_id)
            if existing is not None and existing.supersedes(event.attempt):
                return
            record, result = _outcome_records(event, outcome, spec.metric)
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

    async def _judge(self, event: ExecutionFinished, spec: ScoringSpec) -> Scores | Failure:
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
            labels = await storage.get_bytes("labels", spec.labels_key)
        except BlobNotFound:
            log.error(
                "scoring.labels_missing",
                competition_id=str(event.competition_id),
                labels_key=spec.labels_key,
            )
            return Failure(
                FailureReason.INTERNAL_ERROR,
                "the competition's hidden labels are missing from storage, so the run could not be scored; "
                "this is the platform's fault, not your submission's",
            )
        except StorageError as exc:
            raise TransientError(f"reading labels failed: {exc}") from exc
        try:
            prepared = await self._prepared(labels, spec)
            run_prefix = f"{event.submission_id}-{event.attempt}"
            return await score_run(
                predictions, prepared, self.programs, run_prefix, event.predictions_key, event.is_smoke
            )
        except InvalidPredictions as exc:
            return Failure(FailureReason.INVALID_PREDICTIONS, exc.detail)
        except ScoringProblem as exc:
            log.error("scoring.platform_problem", competition_id=str(event.competition_id), detail=exc.detail)
            return Failure(
                FailureReason.INTERNAL_ERROR,
                f"the run could not be scored because of a problem on the platform's side: {exc.detail}",
            )


async def _applicable_spec(
    session: AsyncSession, event: ExecutionFinished
) -> tuple[ScoringSpec, uuid.UUID | None]:
    """The spec to score ``event`` with, and the rescoring it comes from (None: the event's)."""
    if event.is_smoke:
        return event.scoring, None
    latest = await repository.latest_rescore(
        session, event.competition_id, event.stage_id or event.competition_id
    )
    if latest is None or latest.requested_at <= event.submitted_at:
        return event.scoring, None
    return latest.spec, latest.rescore_id


def outcome_event(
    record: ScoreRecord,
    team_id: uuid.UUID,
    team_name: str,
    submitted_at: datetime,
    reason: FailureReason | None,
    stage_id: uuid.UUID | None,
    scoring_log_key: str | None = None,
) -> SubmissionScored | SubmissionScoringFailed:
    """The event that announces ``record`` (a run's scoring or a rescoring) for ``stage_id``."""
    if record.status == "scored":
        return SubmissionScored(
            submission_id=record.submission_id,
            competition_id=record.competition_id,
            team_id=team_id,
            team_name=team_name,
            submitted_at=submitted_at,
            is_smoke=record.is_smoke,
            metric=record.metric,
            higher_is_better=bool(record.higher_is_better),
            public_score=record.public_score or 0.0,
            private_score=record.private_score,
            public_extra_scores=record.public_extra,
            private_extra_scores=record.private_extra,
            scores=record.public_scores,
            private_scores=record.private_scores,
            stage_id=stage_id,
            purpose=record.purpose,
        )
    return SubmissionScoringFailed(
        submission_id=record.submission_id,
        competition_id=record.competition_id,
        reason=reason or FailureReason.INTERNAL_ERROR,
        detail=record.detail,
        stage_id=stage_id,
        scoring_log_key=scoring_log_key,
    )


def outcome_record(
    base: dict[str, Any], outcome: Scores | Failure, metric: str, rescore_id: uuid.UUID | None = None
) -> ScoreRecord:
    """``base``: submission_id, competition_id, attempt, team_id, team_name, submitted_at,
    is_smoke, predictions_key, stage_id, purpose."""
    if isinstance(outcome, Scores):
        return ScoreRecord(
            **base,
            status="scored",
            metric=outcome.metric,
            higher_is_better=outcome.higher_is_better,
            public_score=outcome.public_score,
            private_score=outcome.private_score,
            reason=None,
            detail="",
            scored_at=utcnow(),
            public_extra=outcome.public_extra,
            private_extra=outcome.private_extra,
            rescore_id=rescore_id,
        )
    return ScoreRecord(
        **base,
        status="failed",
        metric=metric,
        higher_is_better=None,
        public_score=None,
        private_score=None,
        reason=outcome.reason.value,
        detail=outcome.detail,
        scored_at=utcnow(),
        rescore_id=rescore_id,
    )


def _outcome_records(
    event: ExecutionFinished, outcome: Scores | Failure, metric: str
) -> tuple[ScoreRecord, SubmissionScored | SubmissionScoringFailed]:
    base = {
        "submission_id": event.submission_id,
        "competition_id": event.competition_id,
        "attempt": event.attempt,
        "team_id": event.team_id,
        "team_name": event.team_name,
        "submitted_at": event.submitted_at,
        "is_smoke": event.is_smoke,
        "predictions_key": event.predictions_key,
        "stage_id": event.stage_id,
        "purpose": event.purpose,
    }
    record = outcome_record(base, outcome, metric)
    failure = None if isinstance(outcome, Scores) else outcome
    return record, outcome_event(
        record,
        event.team_id,
        event.team_name,
        event.submitted_at,
        failure.reason if failure else None,
        event.stage_id,
        failure.scoring_log_key if failure else None,
    )


def _human_bytes(n: int) -> str:
    return f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{n} bytes"
