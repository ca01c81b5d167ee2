"""What the internal API's routes (``api.py``) answer, made from what they read: an
executions row as an ``ExecutionView``, a submission's place in a queue ``Snapshot``
(``queue.py``), and the ``submission_ids`` of a many-at-once queue read, parsed and
capped. No HTTP here beyond the problem a bad list of ids is answered with."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from services.orchestrator.models import ExecutionStatus
from services.orchestrator.queue import Snapshot
from services.orchestrator.schemas import ExecutionView, QueuePlace, QueuePlaces
from shared.db import as_aware
from shared.events import Resources
from shared.web import ProblemError

MAX_QUEUE_IDS = 200
"""The most submission ids one queue read may ask for (a page of the gateway's)."""


def execution_view(row: Any) -> ExecutionView:
    """An executions row (``repository.get``) as the API shows it."""
    return ExecutionView(
        submission_id=row.submission_id,
        status=row.status,
        attempt=row.attempt,
        failure_reason=row.failure_reason,
        detail=row.detail or "",
        exit_code=row.exit_code,
        resources=Resources(**(row.resources or {})),
        queued_at=as_aware(row.queued_at),
        started_at=as_aware(row.started_at) if row.started_at else None,
        finished_at=as_aware(row.finished_at) if row.finished_at else None,
        runtime=row.runtime or "",
        runtime_digest=row.runtime_digest or "",
        machine=row.machine or "",
        gpu_used=bool(row.gpu_used),
    )


def queue_place(submission_id: str, status: str, snapshot: Snapshot) -> QueuePlace:
    """Where one submission stands in ``snapshot`` (no position unless it is queued)."""
    place = snapshot.places.get(submission_id) if status == ExecutionStatus.QUEUED else None
    return QueuePlace(
        submission_id=uuid.UUID(submission_id),
        status=ExecutionStatus(status),
        position=place.position if place else None,
        ahead=place.position - 1 if place else None,
        estimated_start_at=place.estimated_start_at if place else None,
        running=snapshot.running,
        updated_at=snapshot.taken_at,
    )


def queue_places(ids: Iterable[str], statuses: Mapping[str, str], snapshot: Snapshot) -> QueuePlaces:
    """The places of ``ids`` in the order asked, each once; an id without a status
    (unknown to the orchestrator) is left out."""
    return QueuePlaces(
        items=[queue_place(i, statuses[i], snapshot) for i in dict.fromkeys(ids) if i in statuses],
        running=snapshot.running,
        queued=snapshot.queued,
        updated_at=snapshot.taken_at,
    )


def parse_submission_ids(values: Iterable[str]) -> list[str]:
    """The ids in ``values`` (each repeated, or comma-separated), in canonical UUID form;
    a 422 for one that is not a UUID, or for more than ``MAX_QUEUE_IDS``."""
    ids: list[str] = []
    for value in values:
        for part in filter(None, (p.strip() for p in value.split(","))):
            try:
                ids.append(str(uuid.UUID(part)))
            except ValueError:
                raise ProblemError(
                    f"submission_ids: {part[:60]!r} is not a submission id (a UUID was expected)",
                    status=422,
                    code="invalid-submission-id",
                ) from None
    if len(ids) > MAX_QUEUE_IDS:
        raise ProblemError(
            f"submission_ids: {len(ids)} ids asked for, at most {MAX_QUEUE_IDS} at once",
            status=422,
            code="too-many-submission-ids",
        )
    return ids
