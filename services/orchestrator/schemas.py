"""What the orchestrator's internal API returns (``api.py``): an execution's state, the
replay of the event its state caused, and queue places, as the gateway reads them.
Scoring runs answer with ``shared.scoring_runs.ScoringRunResult`` (the scorer reads it
too)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel

from services.orchestrator.models import ExecutionStatus
from shared.events import FailureReason, Resources


class ExecutionView(BaseModel):
    submission_id: uuid.UUID
    status: ExecutionStatus
    attempt: int
    failure_reason: FailureReason | None
    detail: str
    exit_code: int | None
    resources: Resources
    queued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    # the execution record of the finished attempt (empty until it finished)
    runtime: str = ""
    runtime_digest: str = ""
    machine: str = ""
    gpu_used: bool = False


class Replay(BaseModel):
    submission_id: uuid.UUID
    status: ExecutionStatus
    # the event type published again; None when the state caused none (queued, cancelled)
    republished: str | None


class QueuePlace(BaseModel):
    """Where a submission stands in the queue (``position`` and the rest null unless queued)."""

    submission_id: uuid.UUID
    status: ExecutionStatus
    position: int | None  # 1: the next run to start, in fair-share order
    ahead: int | None  # runs that will start before it
    estimated_start_at: datetime | None
    running: int  # runs going now, on the whole platform
    updated_at: datetime  # when the queue was looked at


class QueuePlaces(BaseModel):
    items: list[QueuePlace]  # the ids asked for that the orchestrator knows, in that order
    running: int
    queued: int
    updated_at: datetime
