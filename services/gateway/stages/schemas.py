"""Request and response bodies of the stages API (``/competitions/{competition}/stages``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, model_validator

from services.gateway.bodies import RequestBody
from services.gateway.competitions.schemas import (
    FEED_DOC,
    STAGE_KIND_DOC,
    DataFileRead,
    Feed,
    Limits,
    LimitsPatch,
    StageKind,
    StageSummary,
    _check_schedule,
    budget_field,
)
from services.gateway.openapi import UtcDatetime
from shared.events import COLUMN_KEY_PATTERN

MAX_COLUMNS = 32


class ScoreColumnBody(RequestBody):
    """One board column: a catalog metric, or (without ``metric``) a value the stage's
    scoring program writes under ``key``."""

    key: str = Field(
        max_length=64,
        json_schema_extra={"pattern": COLUMN_KEY_PATTERN},
        description="Lower-case letters, digits and '_', starting with a letter; unique in the stage.",
    )
    metric: str | None = Field(
        default=None, max_length=64, description="A catalog metric; null: the scoring program's value."
    )
    threshold: float | None = Field(
        default=None,
        description="Label metrics only: predicted probabilities >= threshold count as 1 "
        "(0 < threshold < 1).",
    )
    higher_is_better: bool | None = Field(
        default=None, description="Left out: the metric's own direction (required sense for program columns)."
    )
    precision: int = Field(default=4, ge=0, le=12, description="Decimal places shown on the boards.")
    hidden: bool = Field(default=False, description="Kept off public boards and exports until the reveal.")


class _StageSettings(RequestBody):
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    accepts_submissions: bool | None = None
    feed: Feed | None = Field(default=None, description=FEED_DOC + " Stages 2 and later only.")
    kind: StageKind | None = Field(default=None, description=STAGE_KIND_DOC)
    metric: str | None = Field(default=None, max_length=64)
    extra_metrics: list[Annotated[str, Field(max_length=64)]] | None = Field(default=None, max_length=32)
    columns: list[ScoreColumnBody] | None = Field(
        default=None,
        max_length=MAX_COLUMNS,
        description="The board columns in ranking order (instead of metric and extra_metrics); "
        "the stage's metric becomes the first column's key. `[]`: back to metric and extra_metrics.",
    )
    limits: LimitsPatch | None = Field(default=None, description="Only the limits named change.")
    daily_quota: int | None = Field(default=None, ge=0)
    smoke_daily_quota: int | None = Field(default=None, ge=0)
    cpu_hours_budget: float | None = budget_field("CPU")
    gpu_hours_budget: float | None = budget_field("GPU")
    show_logs: bool | None = None
    runtime: str | None = Field(default=None, min_length=1, max_length=64)

    @model_validator(mode="after")
    def _aware(self) -> _StageSettings:
        _check_schedule(self.opens_at, self.closes_at)
        return self


class StageCreate(_StageSettings):
    """A new stage, added after the last one. Every setting left out is the previous stage's
    (its data and labels are not: a stage starts with none, at version 1)."""

    name: str = Field(min_length=1, max_length=100)
    accepts_submissions: bool | None = Field(
        default=True, description="False: an evaluation-only stage (it then needs a feed)."
    )


class StageUpdate(_StageSettings):
    """A partial edit: only the fields sent change (``null`` clears ``opens_at``, ``closes_at``,
    ``feed`` and the compute budgets). Stage 1's settings are the competition's own."""

    name: str | None = Field(default=None, min_length=1, max_length=100)


class StageRead(StageSummary):
    higher_is_better: bool = Field(description="The ranking column's direction.")
    extra_metrics: list[str]
    runtime: str
    limits: Limits
    daily_quota: int
    smoke_daily_quota: int
    cpu_hours_budget: float | None = Field(description="Each team's CPU-hours in the stage (null: no cap).")
    gpu_hours_budget: float | None = Field(description="Each team's GPU-hours in the stage (null: no cap).")
    show_logs: bool
    has_scoring_program: bool
    data_version: int
    data_files: list[DataFileRead]
    labels_version: int | None
    smoke_data_version: int
    smoke_data_files: list[DataFileRead]
    smoke_labels_version: int | None
    opened_at: UtcDatetime | None = Field(description="When the stage clock saw it open (null: not yet).")
    closed_at: UtcDatetime | None = Field(description="When the stage clock saw it close (null: not yet).")
