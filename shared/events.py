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
    # a training run's own: its model past the size cap, no model, a symlink or FIFO in it
    MODEL_TOO_LARGE = "model_too_large"
    MISSING_MODEL = "missing_model"
    INVALID_MODEL = "invalid_model"


class Contract(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# what a run is for: predictions to score (``inference``), or a model for the next stage
# (``training``: it sees the training data, writes ``/code_execution/model``, is not scored)
RunKind = Literal["inference", "training"]


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
    kind: RunKind = "inference"
    model_limit_mb: int = Field(default=512, gt=0)  # a training run's model folder's cap
    # an inference run: the trained model (a zip in the ``outputs`` container, ``shared.runs``)
    # unpacked read-only at ``/code_execution/model``; None: no platform-trained model
    model_key: str | None = None


COLUMN_KEY_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"


class ScoreColumn(Contract):
    """One column of a stage's boards: a registry metric, or a value the stage's scoring
    program writes under ``key`` in ``scores.json``.

    Boards rank by the first column, break ties by the next ones in order, then by the
    earlier submission.
    """

    key: str = Field(pattern=COLUMN_KEY_PATTERN)
    # a name from ``shared.metrics_catalog``; None: the scoring program computes it
    metric: str | None = None
    # probabilities >= threshold are the positive class (1), for label metrics scored
    # against 0/1 labels (accuracy, F1, balanced accuracy at a threshold)
    threshold: float | None = None
    higher_is_better: bool = True
    # decimal places shown on the boards (the CSV export carries the full value)
    precision: int = Field(default=4, ge=0, le=12)
    # kept off public boards and exports until the host reveals the competition
    hidden: bool = False


class ScoringProgram(Contract):
    """A host's scoring program for a stage: a zip with ``score.py`` (or ``score.sh``),
    run in the sandbox with ``/code_execution/data/predictions.csv`` and
    ``/code_execution/data/labels.csv`` read-only; it writes
    ``/code_execution/submission/scores.json`` (``shared.scoring_runs``)."""

    archive_key: str  # in the ``programs`` container
    runtime: str = "default"
    time_limit_s: float = Field(default=600, gt=0)
    memory_mb: int = Field(default=2048, gt=0)
    cpus: float = Field(default=1.0, gt=0)


class ScoringSpec(Contract):
    """What the scorer needs to score one run (a snapshot of the competition's stage)."""

    # the ranking column's key (its registry metric when ``columns`` is empty)
    metric: str
    id_column: str
    target_columns: list[str]
    labels_key: str
    # shown as extra columns on the boards; ranking is by ``metric`` alone
    extra_metrics: list[str] = Field(default_factory=list)
    # the stage's board columns in ranking order; empty (specs written before columns
    # existed): ``metric`` then ``extra_metrics``, see ``board_columns``
    columns: list[ScoreColumn] = Field(default_factory=list)
    # set: the columns without a metric come from this program's scores.json
    program: ScoringProgram | None = None


def board_columns(spec: ScoringSpec) -> list[ScoreColumn]:
    """The columns a spec scores, in ranking order (one expansion of the old form)."""
    if spec.columns:
        return list(spec.columns)
    from shared.metrics_catalog import METRICS

    def column(name: str) -> ScoreColumn:
        info = METRICS.get(name)
        return ScoreColumn(key=name, metric=name, higher_is_better=info.higher_is_better if info else True)

    return [column(spec.metric), *(column(m) for m in spec.extra_metrics)]


class StageBoard(Contract):
    """What the boards need to know of one stage (sent in ``competition.updated``)."""

    stage_id: uuid.UUID
    position: int = Field(ge=1)
    name: str
    columns: list[ScoreColumn] = Field(min_length=1)


# why a run happens: a competing run (boards, quotas), or a host's reproducibility
# re-run of a scored submission (off every board and quota, run after every competing one)
Purpose = Literal["compete", "reproduce"]


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
    # the competition stage the submission belongs to; None (events written before
    # stages): the first stage, whose id is the competition's id
    stage_id: uuid.UUID | None = None
    # a stage's automatic re-run of this earlier submission (charged to no quota)
    rerun_of: uuid.UUID | None = None
    purpose: Purpose = "compete"


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
    stage_id: uuid.UUID | None = None
    # what the run ran on (empty in events from before the execution record, and for a run
    # that never started): the runtime's name and content digest (a local runtime's
    # ``sha256:...``, a pod's image digest), the machine, whether a GPU was given to it
    runtime: str = ""
    runtime_digest: str = ""
    machine: str = ""
    gpu_used: bool = False
    purpose: Purpose = "compete"
    # a training run (never scored) and, when it succeeded, its model in ``outputs`` with
    # the sha256 and size of that zip (its entries are sorted and undated, so the same
    # files give the same zip: a reproduction compares them; empty where not known)
    kind: RunKind = "inference"
    model_key: str | None = None
    model_sha256: str = ""
    model_size_bytes: int | None = None


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
    stage_id: uuid.UUID | None = None
    # every board column by key (``board_columns`` of the spec), the ranking one included;
    # private_scores is empty when the labels have no private rows
    scores: dict[str, float] = Field(default_factory=dict)
    private_scores: dict[str, float] = Field(default_factory=dict)
    # "reproduce": a host's re-run, kept off every board
    purpose: Purpose = "compete"


class SubmissionScoringFailed(BaseEvent):
    type: Literal["submission.scoring_failed"] = "submission.scoring_failed"
    submission_id: uuid.UUID
    competition_id: uuid.UUID
    reason: FailureReason
    detail: str
    stage_id: uuid.UUID | None = None
    # the host's scoring program failed: its log (``outputs`` container), for the host's
    # eyes only; the participant sees ``internal_error`` and keeps their quota
    scoring_log_key: str | None = None


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
    # every stage in order, with its board columns; empty (events written before
    # stages): one stage whose id is the competition's, ranked by ``metric``
    stages: list[StageBoard] = Field(default_factory=list)


class FinalSelectionChanged(BaseEvent):
    """A team chose its final submissions (empty: back to its best ``final_count``)."""

    type: Literal["final_selection.changed"] = "final_selection.changed"
    competition_id: uuid.UUID
    team_id: uuid.UUID
    submission_ids: list[uuid.UUID]
    # the stage whose finals these are (None: the first stage)
    stage_id: uuid.UUID | None = None


class CompetitionRescoreRequested(BaseEvent):
    """The host replaced the labels or fixed the metric: score everything again.

    ``rescore_id`` identifies this rescoring; it is resumable and idempotent per id.
    """

    type: Literal["competition.rescore_requested"] = "competition.rescore_requested"
    competition_id: uuid.UUID
    rescore_id: uuid.UUID
    scoring: ScoringSpec
    # the stage rescored (None: the first stage)
    stage_id: uuid.UUID | None = None


class StageOpened(BaseEvent):
    """A stage's opening time passed (sent once per stage; a re-fed stage's re-runs are
    queued in the same transaction)."""

    type: Literal["stage.opened"] = "stage.opened"
    competition_id: uuid.UUID
    stage_id: uuid.UUID
    position: int
    name: str
    accepts_submissions: bool
    reruns_queued: int = 0


class StageClosed(BaseEvent):
    """A stage's closing time passed: no more uploads; runs already queued finish and count."""

    type: Literal["stage.closed"] = "stage.closed"
    competition_id: uuid.UUID
    stage_id: uuid.UUID
    position: int
    name: str


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
    | CompetitionRescoreRequested
    | StageOpened
    | StageClosed,
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
    "stage.opened",
    "stage.closed",
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
