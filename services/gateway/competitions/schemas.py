"""Request and response bodies of the competitions API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.gateway.bodies import RequestBody
from services.gateway.files.schemas import ParticipantFileRead
from services.gateway.openapi import UtcDatetime
from shared.events import ScoreColumn

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"
FILENAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$"
RULES_MAX = 100_000
DESCRIPTION_DOC = "The overview participants read first (Markdown; shown as text, never as raw HTML)."
RULES_DOC = "The rules participants accept before taking part (Markdown; shown as text, never as raw HTML)."


BUDGET_DOC = (
    "Each team's total {unit}-hours across the stage's runs (what the runs measured; runs that "
    "ended in internal_error and the stage's automatic re-runs do not count). A submission made "
    "once the team has used them is refused (429); a run is never stopped for it. Null: no cap."
)


def budget_field(unit: str) -> Any:  # a pydantic FieldInfo, typed as Field() is
    return Field(default=None, ge=0, allow_inf_nan=False, description=BUDGET_DOC.format(unit=unit))


REQUIRES_APPROVAL_DOC = (
    "Whether the host approves each team before it may submit (GET .../teams?approval=pending, "
    "POST .../teams/{team}/approval); the host's and admins' teams are approved when made."
)


MODEL_LIMIT_MB = 512
MODEL_LIMIT_DOC = (
    "Training stages: the most a run's model folder (/code_execution/model) may hold, in MiB; "
    "a run that writes more fails with model_too_large."
)
ModelSource = Literal["upload", "platform", "upload_or_platform"]
MODEL_SOURCE_DOC = (
    "Where inference runs take their model from: `upload` (only what the zip ships), `platform` "
    "(only the model the team's latest successful run of the previous, training stage left, at "
    "/code_execution/model; a zip that ships model files is refused), or `upload_or_platform` "
    "(the zip's, and the trained model at /code_execution/model when the team has one). "
    "A competition with a training stage cannot be `upload`."
)
StageKind = Literal["inference", "training"]
STAGE_KIND_DOC = (
    "`inference` (runs write predictions, which are scored) or `training` (runs see the stage's "
    "data, the training features and labels, at /code_execution/data, write a model to "
    "/code_execution/model for the next stage, and are not scored). Needs `model_source` "
    "`platform` or `upload_or_platform`."
)


# the prediction format's names: bounded so that a body cannot carry megabytes of them
ColumnName = Annotated[str, Field(min_length=1, max_length=128)]
MAX_TARGET_COLUMNS = 1000


class Limits(RequestBody):
    """What one run may use; enforced by the executor. The upper bounds are the
    gateway's settings (``HOLDOUT_MAX_RUN_*``: the largest run machine)."""

    time_limit_s: float = Field(default=600, gt=0)
    memory_mb: int = Field(default=2048, gt=0)
    cpus: float = Field(default=1.0, gt=0)
    max_processes: int = Field(default=64, gt=0)
    output_limit_mb: int = Field(default=100, gt=0)
    log_limit_kb: int = Field(default=64, gt=0)
    gpu: bool = False
    max_concurrent_runs: int | None = Field(
        default=None, gt=0, description="The most runs of this competition at once (none: the platform's)."
    )
    model_limit_mb: int = Field(default=MODEL_LIMIT_MB, gt=0, description=MODEL_LIMIT_DOC)


def _check_schedule(opens_at: datetime | None, closes_at: datetime | None) -> None:
    for name, value in (("opens_at", opens_at), ("closes_at", closes_at)):
        if value is not None and value.tzinfo is None:
            raise ValueError(f"{name} needs a time zone (e.g. '2026-01-31T23:59:59Z')")
    if opens_at and closes_at and closes_at <= opens_at:
        raise ValueError("closes_at must be after opens_at")


RUNTIME_DIGEST_DOC = (
    "The runtime's version the competition is pinned to: `sha256:` of its lock "
    "(`GET /api/v1/runtimes/{name}`), recorded when the runtime was set; null when its lock "
    "could not be read then. Changes are listed at `GET .../runtime/changes`."
)
REASON_MAX = 2000


class CompetitionCreate(RequestBody):
    slug: str = Field(pattern=SLUG_PATTERN, description="Lower-case letters, digits and '-'; unique.")
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", description=DESCRIPTION_DOC)
    rules: str = Field(default="", max_length=RULES_MAX, description=RULES_DOC)
    metric: str = Field(
        max_length=64, description="A metric name from the catalog (see the 422 problem for the list)."
    )
    id_column: ColumnName
    target_columns: list[ColumnName] = Field(min_length=1, max_length=MAX_TARGET_COLUMNS)
    predictions_filename: str = Field(default="submission.csv", pattern=FILENAME_PATTERN)
    runtime: str = Field(default="default", min_length=1, max_length=64)
    limits: Limits = Field(default_factory=Limits)
    daily_quota: int = Field(default=5, ge=0)
    smoke_daily_quota: int = Field(default=10, ge=0)
    cpu_hours_budget: float | None = budget_field("CPU")
    gpu_hours_budget: float | None = budget_field("GPU")
    show_logs: bool = Field(
        True, description="Whether participants may read the logs of real (non-smoke) runs."
    )
    requires_approval: bool = Field(False, description=REQUIRES_APPROVAL_DOC)
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    extra_metrics: list[Annotated[str, Field(max_length=64)]] = Field(
        default_factory=list,
        max_length=32,
        description="More catalog metrics shown as board columns (ranked by `metric`).",
    )
    final_count: int = Field(
        default=2,
        ge=1,
        le=20,
        description="How many final submissions a team may pick for the private board.",
    )
    rank_host_submissions: bool = Field(
        False,
        description="Whether the teams of the host and of admins are ranked on the boards "
        "(by default their runs are shown to them but not ranked).",
    )
    participants_download_own: bool = Field(
        False,
        description="Whether a team may download its own submissions' zips and predictions "
        "(the host always may, for every team).",
    )
    model_source: ModelSource = Field("upload", description=MODEL_SOURCE_DOC)

    @model_validator(mode="after")
    def _consistent(self) -> CompetitionCreate:
        if len(set(self.target_columns)) != len(self.target_columns):
            raise ValueError("target_columns must not repeat a name")
        if any(not c for c in self.target_columns):
            raise ValueError("target_columns must not contain an empty name")
        if self.id_column in self.target_columns:
            raise ValueError(f"the id column {self.id_column!r} cannot also be a target column")
        if "Usage" in (self.id_column, *self.target_columns):
            raise ValueError("'Usage' is reserved for the labels file's Public/Private column")
        _check_schedule(self.opens_at, self.closes_at)
        return self


class LimitsPatch(RequestBody):
    """Only the limits named change; the others keep their values."""

    time_limit_s: float | None = Field(default=None, gt=0)
    memory_mb: int | None = Field(default=None, gt=0)
    cpus: float | None = Field(default=None, gt=0)
    max_processes: int | None = Field(default=None, gt=0)
    output_limit_mb: int | None = Field(default=None, gt=0)
    log_limit_kb: int | None = Field(default=None, gt=0)
    gpu: bool | None = None
    max_concurrent_runs: int | None = Field(default=None, gt=0)
    model_limit_mb: int | None = Field(default=None, gt=0, description=MODEL_LIMIT_DOC)


class CompetitionUpdate(RequestBody):
    """A partial edit: only the fields sent change (``null`` clears ``opens_at``, ``closes_at``
    and the compute budgets).

    The prediction format (``id_column``, ``target_columns``) can change only until the
    first submission; changing it discards the uploaded labels, which must match it.
    Runs already queued keep the settings they were queued with.
    """

    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, description=DESCRIPTION_DOC)
    rules: str | None = Field(
        default=None,
        max_length=RULES_MAX,
        description=RULES_DOC + " Changing the text bumps `rules_version`.",
    )
    metric: str | None = Field(default=None, max_length=64)
    extra_metrics: list[Annotated[str, Field(max_length=64)]] | None = Field(default=None, max_length=32)
    id_column: ColumnName | None = None
    target_columns: list[ColumnName] | None = Field(default=None, min_length=1, max_length=MAX_TARGET_COLUMNS)
    predictions_filename: str | None = Field(default=None, pattern=FILENAME_PATTERN)
    runtime: str | None = Field(default=None, min_length=1, max_length=64)
    limits: LimitsPatch | None = None
    daily_quota: int | None = Field(default=None, ge=0)
    smoke_daily_quota: int | None = Field(default=None, ge=0)
    cpu_hours_budget: float | None = budget_field("CPU")
    gpu_hours_budget: float | None = budget_field("GPU")
    show_logs: bool | None = None
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    final_count: int | None = Field(default=None, ge=1, le=20)
    rank_host_submissions: bool | None = None
    requires_approval: bool | None = Field(
        default=None,
        description="Teams made while approval was not required stay approved when it is turned on.",
    )
    participants_download_own: bool | None = None
    model_source: ModelSource | None = Field(default=None, description=MODEL_SOURCE_DOC)

    @model_validator(mode="after")
    def _aware(self) -> CompetitionUpdate:
        _check_schedule(self.opens_at, self.closes_at)
        return self


class DataFileRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    filename: str
    subset: str = Field(description="`test` (real runs) or `smoke` (the public sample for smoke runs).")
    size_bytes: int
    sha256: str
    uploaded_at: UtcDatetime


Feed = Literal["finals", "all"]
FEED_DOC = (
    "What of the previous stage this stage re-runs when it opens: `finals` (each team's "
    "selected final submissions), `all` (every successful one) or null (nothing)."
)
IS_OPEN_DOC = "Whether participants may upload now: the stage is open (its schedule) and takes submissions."


class StageSummary(BaseModel):
    """One stage of a competition, as the competition shows it (``GET .../stages/{position}``
    has the rest: limits, quotas, data)."""

    position: int = Field(description="1, 2, ...: the order stages run in.")
    id: uuid.UUID = Field(description="The stage's id (the first stage's is the competition's).")
    name: str
    opens_at: UtcDatetime | None
    closes_at: UtcDatetime | None
    accepts_submissions: bool = Field(
        description="False: an evaluation-only stage, which runs only what it is fed."
    )
    feed: Feed | None = Field(description=FEED_DOC)
    kind: StageKind = Field(description=STAGE_KIND_DOC)
    is_open: bool = Field(description=IS_OPEN_DOC)
    metric: str = Field(description="The ranking column's key (its catalog metric without `columns`).")
    columns: list[ScoreColumn] = Field(description="The board columns in ranking order (the first ranks).")


class CompetitionRead(BaseModel):
    id: uuid.UUID
    slug: str
    title: str
    description: str = Field(description=DESCRIPTION_DOC)
    rules: str = Field(description=RULES_DOC)
    rules_version: int = Field(description="Bumps each time the rules text changes.")
    rules_accepted: bool | None = Field(
        description="Whether you may take part under the current rules: you accepted this "
        "version, or need not (the host, administrators). `null` when anonymous."
    )
    participant_files: list[ParticipantFileRead] = Field(
        description="What participants download (after accepting the rules)."
    )
    smoke_sample_available: bool = Field(
        description="Whether the smoke sample (features and labels) can be downloaded, "
        "packaged for `holdout test-submission`."
    )
    metric: str
    higher_is_better: bool
    id_column: str
    target_columns: list[str]
    predictions_filename: str
    runtime: str
    runtime_digest: str | None = Field(description=RUNTIME_DIGEST_DOC)
    limits: Limits
    daily_quota: int
    smoke_daily_quota: int
    cpu_hours_budget: float | None = Field(description="The first stage's CPU-hours per team (null: no cap).")
    gpu_hours_budget: float | None = Field(description="The first stage's GPU-hours per team (null: no cap).")
    show_logs: bool
    opens_at: UtcDatetime | None
    closes_at: UtcDatetime | None
    host_id: uuid.UUID
    data_version: int
    data_files: list[DataFileRead]
    labels_version: int | None
    smoke_data_version: int
    smoke_data_files: list[DataFileRead]
    smoke_labels_version: int | None
    extra_metrics: list[str]
    final_count: int
    rank_host_submissions: bool
    requires_approval: bool = Field(description=REQUIRES_APPROVAL_DOC)
    participants_download_own: bool = Field(
        description="Whether a team may download its own submissions' zips and predictions."
    )
    model_source: ModelSource = Field(description=MODEL_SOURCE_DOC)
    is_open: bool = Field(
        description="Whether participants may submit now: a stage that takes uploads is open."
    )
    stages: list[StageSummary] = Field(
        description="Every stage in order; the competition's own settings above are the first stage's."
    )
    current_stage: int | None = Field(
        description="The position of the stage open now (which may be evaluation-only), or null."
    )
    revealed_at: UtcDatetime | None
    created_at: UtcDatetime
    updated_at: UtcDatetime


class RuntimePin(RequestBody):
    runtime: str = Field(
        min_length=1, max_length=64, description="The runtime to run in (`GET /api/v1/runtimes` lists them)."
    )
    reason: str = Field(
        default="", max_length=REASON_MAX, description="Why, for participants (shown with the change)."
    )


class RuntimeChangeRead(BaseModel):
    id: uuid.UUID
    changed_by: uuid.UUID = Field(description="The host (or administrator) who changed it.")
    changed_by_username: str
    changed_at: UtcDatetime
    from_runtime: str
    from_digest: str | None = Field(description="The version pinned before (null: none was).")
    to_runtime: str
    to_digest: str | None = Field(description="The version pinned since.")
    reason: str


class LabelsRead(BaseModel):
    labels_version: int
    rows: int
    public_rows: int
    private_rows: int
    size_bytes: int
    sha256: str


class RescoreRead(BaseModel):
    id: uuid.UUID
    competition_id: uuid.UUID
    scoring: dict[str, object]
    requested_at: UtcDatetime
    created: bool = Field(description="False when the same rescoring had already been requested.")
