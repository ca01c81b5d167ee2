"""Event contracts: every message that crosses a service boundary.

Sits at the bottom of the stack: services publish and consume these models through
``shared.bus``; nothing here knows about a service. Each event carries ``event_id``
(the idempotency key for consumers), ``occurred_at``, ``version`` and the
``correlation_id`` of the request that caused it, so one upload can be followed
through every log line it produces.

Events are self-contained: ``submission.queued`` carries a snapshot of what the run
and the scoring need, so the orchestrator and the scorer never have to ask the
gateway about a competition while it is being edited.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from shared.context import current_correlation_id


def utcnow() -> datetime:
    return datetime.now(UTC)


class FailureReason(StrEnum):
    """Why a submission failed, as a participant sees it (DESIGN.md lifecycle)."""

    INVALID_SUBMISSION = "invalid_submission"
    RUNTIME_ERROR = "runtime_error"
    TIME_LIMIT_EXCEEDED = "time_limit_exceeded"
    MEMORY_LIMIT_EXCEEDED = "memory_limit_exceeded"
    OUTPUT_LIMIT_EXCEEDED = "output_limit_exceeded"
    MISSING_PREDICTIONS = "missing_predictions"
    INVALID_PREDICTIONS = "invalid_predictions"
    INTERNAL_ERROR = "internal_error"


class Contract(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ExecutionSpec(Contract):
    """What the executor needs to run one submission (a snapshot of the competition)."""

    runtime: str = "default"
    time_limit_s: float = Field(gt=0)
    memory_mb: int = Field(gt=0)
    cpus: float = Field(gt=0)
    max_processes: int = Field(default=64, gt=0)
    output_limit_mb: int = Field(default=100, gt=0)
    log_limit_kb: int = Field(default=64, gt=0)
    data_container: str = "data"
    data_prefix: str
    data_files: list[str]
    # filename -> sha256 (hex) recorded when the host uploaded it: executors cache test
    # data by content, so a new data version with the same bytes is not fetched again.
    # Empty for files whose hash is unknown (cached by path instead).
    data_sha256: dict[str, str] = Field(default_factory=dict)
    predictions_filename: str = "submission.csv"
    gpu: bool = False
    # the most runs of this competition at once on the platform (None: only the global limit)
    max_concurrent_runs: int | None = Field(default=None, gt=0)


class ScoringSpec(Contract):
    """What the scorer needs to score one run (a snapshot of the competition)."""

    metric: str
    id_column: str
    target_columns: list[str]
    labels_key: str
    # shown as extra columns on the boards; ranking is by ``metric`` alone
    extra_metrics: list[str] = Field(default_factory=list)


class Resources(Contract):
    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0
    peak_memory_mb: float = 0.0
    # the time a GPU was held by the run (0 when it asked for none)
    gpu_seconds: float = 0.0


class BaseEvent(Contract):
    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    occurred_at: datetime = Field(default_factory=utcnow)
    version: int = 1
    correlation_id: str | None = Field(default_factory=current_correlation_id)


class SubmissionQueued(BaseEvent):
    type: Literal["submission.queued"] = "submission.queued"
    submission_id: uuid.UUID
    competition_id: uuid.UUID
    team_id: uuid.UUID
    team_name: str
    submitted_at: datetime
    is_smoke: bool = False
    archive_key: str
    execution: ExecutionSpec
    scoring: ScoringSpec


class SubmissionCancelled(BaseEvent):
    type: Literal["submission.cancelled"] = "submission.cancelled"
    submission_id: uuid.UUID


class ExecutionStarted(BaseEvent):
    type: Literal["execution.started"] = "execution.started"
    submission_id: uuid.UUID
    attempt: int
    started_at: datetime


class ExecutionFinished(BaseEvent):
    """A run ended. ``failure_reason`` is None when the run produced predictions."""

    type: Literal["execution.finished"] = "execution.finished"
    submission_id: uuid.UUID
    competition_id: uuid.UUID
    team_id: uuid.UUID
    team_name: str
    submitted_at: datetime
    is_smoke: bool = False
    attempt: int
    failure_reason: FailureReason | None = None
    detail: str = ""
    exit_code: int | None = None
    predictions_key: str | None = None
    log_key: str | None = None
    resources: Resources = Resources()
    scoring: ScoringSpec


class SubmissionScored(BaseEvent):
    type: Literal["submission.scored"] = "submission.scored"
    submission_id: uuid.UUID
    competition_id: uuid.UUID
    team_id: uuid.UUID
    team_name: str
    submitted_at: datetime
    is_smoke: bool = False
    metric: str
    higher_is_better: bool
    public_score: float
    private_score: float | None
    # the competition's extra display metrics (ScoringSpec.extra_metrics) that could be computed
    public_extra_scores: dict[str, float] = Field(default_factory=dict)
    private_extra_scores: dict[str, float] = Field(default_factory=dict)


class SubmissionScoringFailed(BaseEvent):
    type: Literal["submission.scoring_failed"] = "submission.scoring_failed"
    submission_id: uuid.UUID
    competition_id: uuid.UUID
    reason: FailureReason
    detail: str


class CompetitionRevealed(BaseEvent):
    """The host revealed the private leaderboard."""

    type: Literal["competition.revealed"] = "competition.revealed"
    competition_id: uuid.UUID


class CompetitionUpdated(BaseEvent):
    """A competition was created or edited: what the boards need to rank it."""

    type: Literal["competition.updated"] = "competition.updated"
    competition_id: uuid.UUID
    slug: str
    title: str
    metric: str
    higher_is_better: bool
    final_count: int = Field(default=2, ge=1)
    # teams kept off the boards: by default those of the competition's host and of admins
    # (their test runs are not competing); the full set, re-sent whenever it changes
    unranked_team_ids: list[uuid.UUID] = Field(default_factory=list)


class FinalSelectionChanged(BaseEvent):
    """A team chose its final submissions (empty: back to its best ``final_count``)."""

    type: Literal["final_selection.changed"] = "final_selection.changed"
    competition_id: uuid.UUID
    team_id: uuid.UUID
    submission_ids: list[uuid.UUID]


class CompetitionRescoreRequested(BaseEvent):
    """The host replaced the labels or fixed the metric: score everything again.

    ``rescore_id`` identifies this rescoring; it is resumable and idempotent per id.
    """

    type: Literal["competition.rescore_requested"] = "competition.rescore_requested"
    competition_id: uuid.UUID
    rescore_id: uuid.UUID
    scoring: ScoringSpec


Event = Annotated[
    SubmissionQueued
    | SubmissionCancelled
    | ExecutionStarted
    | ExecutionFinished
    | SubmissionScored
    | SubmissionScoringFailed
    | CompetitionRevealed
    | CompetitionUpdated
    | FinalSelectionChanged
    | CompetitionRescoreRequested,
    Field(discriminator="type"),
]

_adapter: TypeAdapter[Event] = TypeAdapter(Event)

EVENT_TYPES: tuple[str, ...] = (
    "submission.queued",
    "submission.cancelled",
    "execution.started",
    "execution.finished",
    "submission.scored",
    "submission.scoring_failed",
    "competition.revealed",
    "competition.updated",
    "final_selection.changed",
    "competition.rescore_requested",
)


def parse_event(raw: bytes | str | dict[str, Any]) -> Event:
    """Parse one event from JSON (bytes/str) or an already-decoded dict."""
    if isinstance(raw, dict):
        return _adapter.validate_python(raw)
    return _adapter.validate_json(raw)


def dump_event(event: BaseEvent) -> bytes:
    return event.model_dump_json().encode()


def event_json_schema() -> dict[str, Any]:
    """The JSON schema of the event union, published as ``docs/events.schema.json``."""
    return _adapter.json_schema()
