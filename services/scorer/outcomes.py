"""What a judgement ends in, and how it is recorded: the values ``judging`` passes around.

``Submission`` is the run being judged as the scorer announces it (from an
``execution.finished``, or from its ``scores`` row when it is rescored); ``Failure`` is a
judgement that gave no scores, with the ``Fault`` that says whose it is, so each caller
decides what to do with it from one value (``judging.Judge.evaluate`` is the one place
that turns exceptions into failures). ``record_outcome`` saves the outcome and stages
``submission.scored`` or ``submission.scoring_failed`` in the caller's transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from services.scorer import repository
from services.scorer.models import outbox
from services.scorer.repository import ScoreRecord
from services.scorer.scoring import Scores
from shared.db import add_event
from shared.events import (
    ExecutionFinished,
    FailureReason,
    Purpose,
    SubmissionScored,
    SubmissionScoringFailed,
    utcnow,
)
from shared.runs import output_keys


class Fault(StrEnum):
    # the run's predictions file is absent, or over the size limit
    NO_PREDICTIONS = "no_predictions"
    # the participant's predictions do not fit the labels
    PREDICTIONS = "predictions"
    # the labels or the spec cannot be used: every run scored with them fails alike
    SPEC = "spec"
    # computing this run's scores failed on the platform's side (a metric on these rows)
    PLATFORM = "platform"
    # the stage's scoring program gave no scores (the host's)
    PROGRAM = "program"


@dataclass(frozen=True)
class Failure:
    reason: FailureReason
    detail: str  # what the participant reads
    fault: Fault
    # the scoring program failed: its log, for the host's eyes only
    scoring_log_key: str | None = None
    # what the host and the logs are told (the participant's detail when empty)
    host_detail: str = ""


@dataclass(frozen=True)
class Submission:
    submission_id: uuid.UUID
    competition_id: uuid.UUID
    attempt: int
    team_id: uuid.UUID
    team_name: str
    submitted_at: datetime
    is_smoke: bool
    predictions_key: str | None
    stage_id: uuid.UUID | None
    purpose: Purpose

    @property
    def stage(self) -> uuid.UUID:
        return self.stage_id or self.competition_id

    @classmethod
    def of_run(cls, event: ExecutionFinished) -> Submission:
        return cls(
            submission_id=event.submission_id,
            competition_id=event.competition_id,
            attempt=event.attempt,
            team_id=event.team_id,
            team_name=event.team_name,
            submitted_at=event.submitted_at,
            is_smoke=event.is_smoke,
            predictions_key=event.predictions_key,
            stage_id=event.stage_id,
            purpose=event.purpose,
        )

    @classmethod
    def of_record(cls, record: ScoreRecord, stage_id: uuid.UUID) -> Submission | None:
        """None for a row written before rescoring existed (no team to announce it for)."""
        if record.team_id is None or record.team_name is None or record.submitted_at is None:
            return None
        return cls(
            submission_id=record.submission_id,
            competition_id=record.competition_id,
            attempt=record.attempt,
            team_id=record.team_id,
            team_name=record.team_name,
            submitted_at=record.submitted_at,
            is_smoke=record.is_smoke,
            # rows from before the key was recorded: where every run's predictions lie
            predictions_key=record.predictions_key
            or output_keys(record.submission_id, record.attempt).predictions,
            stage_id=stage_id,
            purpose=record.purpose,
        )


def outcome_record(
    submission: Submission, outcome: Scores | Failure, metric: str, rescore_id: uuid.UUID | None = None
) -> ScoreRecord:
    return ScoreRecord(
        submission_id=submission.submission_id,
        competition_id=submission.competition_id,
        attempt=submission.attempt,
        status="scored" if isinstance(outcome, Scores) else "failed",
        metric=outcome.metric if isinstance(outcome, Scores) else metric,
        higher_is_better=outcome.higher_is_better if isinstance(outcome, Scores) else None,
        public_score=outcome.public_score if isinstance(outcome, Scores) else None,
        private_score=outcome.private_score if isinstance(outcome, Scores) else None,
        reason=None if isinstance(outcome, Scores) else outcome.reason.value,
        detail="" if isinstance(outcome, Scores) else outcome.detail,
        scored_at=utcnow(),
        team_id=submission.team_id,
        team_name=submission.team_name,
        submitted_at=submission.submitted_at,
        is_smoke=submission.is_smoke,
        predictions_key=submission.predictions_key,
        public_extra=outcome.public_extra if isinstance(outcome, Scores) else {},
        private_extra=outcome.private_extra if isinstance(outcome, Scores) else {},
        rescore_id=rescore_id,
        stage_id=submission.stage_id,
        purpose=submission.purpose,
    )


def outcome_event(
    record: ScoreRecord, submission: Submission, outcome: Scores | Failure
) -> SubmissionScored | SubmissionScoringFailed:
    """The event that announces ``record`` (a run's scoring or a rescoring)."""
    if isinstance(outcome, Scores):
        return SubmissionScored(
            submission_id=record.submission_id,
            competition_id=record.competition_id,
            team_id=submission.team_id,
            team_name=submission.team_name,
            submitted_at=submission.submitted_at,
            is_smoke=record.is_smoke,
            metric=record.metric,
            higher_is_better=bool(record.higher_is_better),
            public_score=record.public_score or 0.0,
            private_score=record.private_score,
            public_extra_scores=record.public_extra,
            private_extra_scores=record.private_extra,
            scores=record.public_scores,
            private_scores=record.private_scores,
            stage_id=submission.stage_id,
            purpose=record.purpose,
        )
    return SubmissionScoringFailed(
        submission_id=record.submission_id,
        competition_id=record.competition_id,
        reason=outcome.reason,
        detail=record.detail,
        stage_id=submission.stage_id,
        scoring_log_key=outcome.scoring_log_key,
    )


async def record_outcome(
    session: AsyncSession,
    submission: Submission,
    outcome: Scores | Failure,
    metric: str,
    *,
    replace: bool,
    rescore_id: uuid.UUID | None = None,
) -> ScoreRecord:
    """Save the submission's outcome and stage its event, in the caller's transaction."""
    record = outcome_record(submission, outcome, metric, rescore_id)
    await repository.save(session, record, replace=replace)
    await add_event(session, outbox, outcome_event(record, submission, outcome))
    return record
