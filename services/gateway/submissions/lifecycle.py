"""How consumed events move a submission through its lifecycle.

Forward only (queued < running < scoring < terminal; a training run goes from running
to ``trained``, terminal, with its model's key): a stale or duplicated event
finds the submission already past it and changes nothing. One exception: a scored
submission takes the score of a newer ``submission.scored`` (a rescoring), judged by
``occurred_at``; an older one arriving late is ignored. Likewise a newer
``submission.scoring_failed`` (a rescoring that found the predictions no longer fit)
withdraws the score.
"""

from __future__ import annotations

import structlog

from services.gateway.models import Submission
from services.gateway.submissions.schemas import TERMINAL, SubmissionStatus, moves_forward
from shared.db import as_aware
from shared.events import (
    ExecutionFinished,
    ExecutionStarted,
    FailureReason,
    SubmissionScored,
    SubmissionScoringFailed,
    utcnow,
)

log = structlog.get_logger(__name__)

LifecycleEvent = ExecutionStarted | ExecutionFinished | SubmissionScored | SubmissionScoringFailed


def _move(submission: Submission, new: SubmissionStatus, event_type: str) -> bool:
    if not moves_forward(submission.status, new):
        log.info(
            "submission.stale_event_ignored",
            submission_id=str(submission.id),
            status=submission.status,
            on=event_type,
        )
        return False
    log.info(
        "submission.status_changed", submission_id=str(submission.id), old=submission.status, new=new.value
    )
    submission.status = new.value
    submission.updated_at = utcnow()
    return True


def _fail(submission: Submission, reason: FailureReason, detail: str, event_type: str) -> bool:
    if not _move(submission, SubmissionStatus.FAILED, event_type):
        return False
    submission.failure_reason = reason.value
    submission.detail = detail
    return True


def apply(submission: Submission, event: LifecycleEvent) -> bool:
    """Apply ``event``; returns whether anything changed."""
    if isinstance(event, ExecutionStarted):
        if submission.started_at is None:
            # even when a cancel won the race, the run did start (so it uses quota)
            submission.started_at = event.started_at
        return _move(submission, SubmissionStatus.RUNNING, event.type)
    if isinstance(event, ExecutionFinished):
        recorded = _record(submission, event)
        if event.failure_reason is not None:
            changed = _fail(submission, event.failure_reason, event.detail, event.type)
        elif event.kind == "training":
            # nothing to score: the run is done once its model is stored
            changed = _move(submission, SubmissionStatus.TRAINED, event.type)
            if changed:
                submission.model_key = event.model_key
                submission.model_sha256 = event.model_sha256 or None
                submission.model_size_bytes = event.model_size_bytes
        else:
            changed = _move(submission, SubmissionStatus.SCORING, event.type)
        if changed:
            submission.exit_code = event.exit_code
            submission.resources = event.resources.model_dump()
            if submission.started_at is None:
                submission.started_at = event.occurred_at
        return changed or recorded
    if isinstance(event, SubmissionScored):
        if submission.status == SubmissionStatus.SCORED.value:
            return _rescored(submission, event)
        if not _move(submission, SubmissionStatus.SCORED, event.type):
            return False
        submission.public_score = event.public_score
        submission.scores = all_scores(event)
        submission.scored_at = event.occurred_at
        submission.detail = ""
        return True
    if submission.status == SubmissionStatus.SCORED.value:
        changed = _rescore_failed(submission, event)
    else:
        changed = _fail(submission, event.reason, event.detail, event.type)
    if changed and event.scoring_log_key is not None:
        # the host's scoring program failed on it: its log, for the host's eyes only
        submission.scoring_log_key = event.scoring_log_key
    return changed


def _record(submission: Submission, event: ExecutionFinished) -> bool:
    """Keep where the run's outputs are and what it ran on, even when the status has moved
    past it (a score can arrive before its run's end): a host reviews them later. One
    finished event per execution; a replay carries the same values."""
    if submission.log_key is not None or (event.log_key is None and not event.runtime):
        return False
    submission.predictions_key = event.predictions_key
    submission.log_key = event.log_key
    submission.runtime = event.runtime or None
    submission.runtime_digest = event.runtime_digest or None
    submission.machine = event.machine or None
    submission.gpu_used = event.gpu_used if event.runtime else None
    return True


def _rescore_failed(submission: Submission, event: SubmissionScoringFailed) -> bool:
    """A rescoring found these predictions no longer valid (new labels, new metric): the
    score is withdrawn, as the leaderboard withdraws the entry. Only a failure newer
    than the score counts; a late failure from before the score is stale."""
    last = as_aware(submission.scored_at) if submission.scored_at is not None else None
    if last is None or event.occurred_at <= last:
        log.info("submission.stale_event_ignored", submission_id=str(submission.id), on=event.type)
        return False
    log.info("submission.rescore_failed", submission_id=str(submission.id), reason=event.reason.value)
    submission.status = SubmissionStatus.FAILED.value
    submission.failure_reason = event.reason.value
    submission.detail = f"after the host rescored the competition: {event.detail}"
    submission.public_score = None
    submission.scores = None
    submission.scored_at = event.occurred_at
    submission.updated_at = utcnow()
    return True


def _rescored(submission: Submission, event: SubmissionScored) -> bool:
    last = as_aware(submission.scored_at) if submission.scored_at is not None else None
    if last is not None and event.occurred_at <= last:
        log.info("submission.stale_score_ignored", submission_id=str(submission.id), on=event.type)
        return False
    log.info(
        "submission.rescored",
        submission_id=str(submission.id),
        old=submission.public_score,
        new=event.public_score,
    )
    submission.public_score = event.public_score
    submission.scores = all_scores(event)
    submission.scored_at = event.occurred_at
    submission.updated_at = utcnow()
    return True


def all_scores(event: SubmissionScored) -> dict[str, dict[str, float]]:
    """Every column's score by key, public and private (the ranking one under ``metric``
    too, for events from before ``scores``)."""
    public = {event.metric: event.public_score, **event.public_extra_scores, **event.scores}
    private = {**event.private_extra_scores, **event.private_scores}
    if event.private_score is not None:
        private = {event.metric: event.private_score, **private}
    return {"public": public, "private": private}


def fail_internal(submission: Submission, why: str) -> bool:
    """The platform could not process the submission: failed, and free of quota."""
    if SubmissionStatus(submission.status) in TERMINAL:
        return False
    return _fail(
        submission,
        FailureReason.INTERNAL_ERROR,
        f"Holdout failed to process this submission ({why}); it does not count against your quota",
        "dead_letter",
    )
