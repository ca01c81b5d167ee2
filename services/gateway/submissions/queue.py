"""Queued submissions' places in the queue, read from the orchestrator (its
``GET /internal/v1/queue``: the fair-share order and start estimates) for the
submission reads in ``endpoints.py``.

One call per read or page. The place is extra: an orchestrator that is unreachable,
slow (``HOLDOUT_QUEUE_TIMEOUT_S``) or answers badly, or any other failure to get the
place, leaves ``queue`` null, and the read still succeeds.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import httpx
import structlog
from pydantic import BaseModel, ValidationError

from services.gateway import proxy
from services.gateway.config import GatewaySettings
from services.gateway.submissions.schemas import QueuePosition, SubmissionRead, SubmissionStatus

log = structlog.get_logger(__name__)


class _Place(BaseModel):
    """One item of the orchestrator's answer (the fields the gateway reads)."""

    submission_id: uuid.UUID
    position: int | None
    ahead: int | None
    estimated_start_at: datetime | None
    running: int
    updated_at: datetime


class _Places(BaseModel):
    items: list[_Place]


async def with_queue(
    http: httpx.AsyncClient, settings: GatewaySettings, reads: Sequence[SubmissionRead]
) -> list[SubmissionRead]:
    """``reads`` with ``queue`` filled in for those queued."""
    queued = [str(r.id) for r in reads if r.status is SubmissionStatus.QUEUED]
    if not queued:
        return list(reads)
    url = f"{settings.orchestrator_url.rstrip('/')}/internal/v1/queue"
    try:
        response = await proxy.get(
            http,
            "orchestrator",
            url,
            {"submission_ids": ",".join(queued)},
            timeout_s=settings.queue_timeout_s,
        )
        if response.status_code != 200:
            log.warning("submission.queue_unread", status=response.status_code, body=response.text[:300])
            return list(reads)
        answer = _Places.model_validate_json(response.content)
    except (proxy.ServiceUnavailable, ValidationError) as exc:
        log.warning("submission.queue_unread", error=repr(exc)[:300])
        return list(reads)
    except Exception as exc:  # the place is extra: nothing about it may fail the read itself
        log.exception("submission.queue_unread", error=repr(exc)[:300])
        return list(reads)
    places = {
        p.submission_id: QueuePosition(
            position=p.position,
            ahead=p.ahead if p.ahead is not None else p.position - 1,
            estimated_start_at=p.estimated_start_at,
            running=p.running,
            updated_at=p.updated_at,
        )
        for p in answer.items
        if p.position is not None and p.estimated_start_at is not None
    }
    return [
        r.model_copy(update={"queue": places[r.id]})
        if r.status is SubmissionStatus.QUEUED and r.id in places
        else r
        for r in reads
    ]
