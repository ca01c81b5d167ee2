"""The events an execution's state causes (``execution.started``,
``execution.finished``), built in one place: by the scheduler (``scheduler.py``) when a
run starts or ends, and again by the API's replay for a reconciler whose copy was lost.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from services.orchestrator.executors.base import RunOutcome
from services.orchestrator.models import ExecutionStatus
from shared.db import as_aware
from shared.events import (
    ExecutionFinished,
    ExecutionStarted,
    FailureReason,
    Resources,
    SubmissionQueued,
    utcnow,
)


def ran_on(outcome: RunOutcome) -> dict[str, Any]:
    """The execution record's fields of ``outcome`` (columns and ExecutionFinished alike)."""
    return {
        "runtime": outcome.runtime,
        "runtime_digest": outcome.runtime_digest,
        "machine": outcome.machine,
        "gpu_used": outcome.gpu_used,
    }


def charged(queued: SubmissionQueued, outcome: RunOutcome) -> Resources:
    """The resources a run is charged: a GPU run holds its GPU for its whole wall time."""
    resources = outcome.resources
    if queued.execution.gpu and not resources.gpu_seconds:
        resources = resources.model_copy(update={"gpu_seconds": resources.wall_seconds})
    return resources


def finished_event(queued: SubmissionQueued, attempt: int, **fields: Any) -> ExecutionFinished:
    """``execution.finished`` of ``attempt``: the submission's part from ``queued``, the
    outcome's from ``fields`` (failure_reason, detail, exit_code, keys, resources, record)."""
    return ExecutionFinished(
        submission_id=queued.submission_id,
        competition_id=queued.competition_id,
        team_id=queued.team_id,
        team_name=queued.team_name,
        submitted_at=queued.submitted_at,
        is_smoke=queued.is_smoke,
        attempt=attempt,
        scoring=queued.scoring,
        stage_id=queued.stage_id,
        purpose=queued.purpose,
        kind=queued.execution.kind,
        correlation_id=queued.correlation_id,
        **fields,
    )


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
    return finished_event(
        queued,
        row.attempt,
        failure_reason=FailureReason(row.failure_reason) if row.failure_reason else None,
        detail=row.detail or "",
        exit_code=row.exit_code,
        predictions_key=row.predictions_key,
        log_key=row.log_key,
        model_key=row.model_key,
        model_sha256=row.model_sha256 or "",
        model_size_bytes=row.model_size_bytes,
        resources=Resources(**(row.resources or {})),
        runtime=row.runtime or "",
        runtime_digest=row.runtime_digest or "",
        machine=row.machine or "",
        gpu_used=bool(row.gpu_used),
    )
