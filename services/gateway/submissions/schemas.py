"""Response bodies of the submissions API and the status state machine."""

from __future__ import annotations

import uuid
from enum import StrEnum

from pydantic import BaseModel, Field

from services.gateway.openapi import UtcDatetime
from shared.events import FailureReason, Purpose, Resources


class SubmissionStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SCORING = "scoring"
    SCORED = "scored"
    # a training stage's run that left its model (training runs are not scored)
    TRAINED = "trained"
    FAILED = "failed"
    CANCELLED = "cancelled"


TERMINAL = frozenset(
    {SubmissionStatus.SCORED, SubmissionStatus.TRAINED, SubmissionStatus.FAILED, SubmissionStatus.CANCELLED}
)

_RANK = {
    SubmissionStatus.QUEUED: 0,
    SubmissionStatus.RUNNING: 1,
    SubmissionStatus.SCORING: 2,
    SubmissionStatus.SCORED: 3,
    SubmissionStatus.TRAINED: 3,
    SubmissionStatus.FAILED: 3,
    SubmissionStatus.CANCELLED: 3,
}


def moves_forward(current: str, new: SubmissionStatus) -> bool:
    """Statuses only move forward (queued < running < scoring < terminal)."""
    return _RANK[new] > _RANK[SubmissionStatus(current)]


class QueuePosition(BaseModel):
    """Where a queued submission stands: the order the fair-share scheduler will start the
    queue in (not first come, first served), and when its run is expected to start."""

    position: int = Field(description="1: the next run to start, on the whole platform.")
    ahead: int = Field(description="How many queued runs will start before this one.")
    estimated_start_at: UtcDatetime = Field(
        description="When it is expected to start: from the runs going now and the competition's recent "
        "run durations (its time limit while it has none). An estimate; it moves as runs end."
    )
    running: int = Field(description="Runs going now on the platform.")
    updated_at: UtcDatetime = Field(description="When the queue was looked at.")


class SubmissionRead(BaseModel):
    id: uuid.UUID
    competition_id: uuid.UUID
    stage_id: uuid.UUID = Field(
        description="The stage it was made in (the first stage's id is the competition's)."
    )
    stage_position: int = Field(description="That stage's position (1 is the first).")
    rerun_of: uuid.UUID | None = Field(
        description="A stage's automatic re-run of this earlier submission (charged to no quota), or null."
    )
    purpose: Purpose = Field(
        default="compete",
        description="`reproduce`: a host's re-run of `rerun_of` to check that it reproduces "
        "(off every board and quota, shown to the host only).",
    )
    team_id: uuid.UUID
    team_name: str
    status: SubmissionStatus
    failure_reason: FailureReason | None
    detail: str
    exit_code: int | None
    public_score: float | None
    is_smoke: bool
    sha256: str
    size_bytes: int
    # what the run used: wall time, CPU seconds, peak memory, GPU time (None until it ran)
    resources: Resources | None = None
    started_at: UtcDatetime | None = None
    queue: QueuePosition | None = Field(
        default=None,
        description="Its place in the queue while it is queued (null otherwise, and while the queue "
        "cannot be read).",
    )
    model_from: uuid.UUID | None = Field(
        default=None,
        description="An inference run given a model trained on Holdout: the training submission "
        "(of the previous, training stage) whose model it read at /code_execution/model; else null.",
    )
    created_at: UtcDatetime
    updated_at: UtcDatetime


class QuotaCounter(BaseModel):
    limit: int
    used: int
    remaining: int


class ComputeUsage(BaseModel):
    """What the team's runs in the stage used of its compute budgets (never reset): real and
    smoke runs, not the runs that failed through the platform's fault nor the stage's re-runs.
    A limit of null means no cap (its remaining is then null too)."""

    cpu_hours_used: float
    cpu_hours_limit: float | None
    cpu_hours_remaining: float | None
    gpu_hours_used: float
    gpu_hours_limit: float | None
    gpu_hours_remaining: float | None


class QuotaRead(BaseModel):
    """A team's quota today (UTC); the two kinds of run are counted apart."""

    team_id: uuid.UUID | None
    resets_at: UtcDatetime
    submissions: QuotaCounter
    smoke_runs: QuotaCounter
    compute: ComputeUsage = Field(description="The stage's compute budgets and what the team used of them.")
