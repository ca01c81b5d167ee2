"""Request and response bodies of the reproductions API (``endpoints.py``)."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.gateway.openapi import UtcDatetime
from services.gateway.submissions.schemas import SubmissionStatus
from shared.events import FailureReason, Resources

Count = Field(default=3, ge=1, le=10, description="How many re-runs to queue (1 to 10).")
Tolerance = Field(
    default=0.0,
    ge=0,
    allow_inf_nan=False,
    description="The largest absolute difference of any score still counted as reproducing "
    "(0: every score must be equal).",
)


class ReproductionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    count: int = Count
    tolerance: float = Tolerance


class BoardReproductionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    top: int = Field(ge=1, le=50, description="Re-run the submissions of the board's first `top` entries.")
    count: int = Count
    tolerance: float = Tolerance
    stage: int | None = Field(
        default=None,
        ge=1,
        description="The board's stage position (default: the stage open now, else the "
        "latest that has opened).",
    )


class Verdict(StrEnum):
    IDENTICAL = "identical"
    WITHIN_TOLERANCE = "within_tolerance"
    DIFFERS = "differs"
    PENDING = "pending"
    FAILED = "failed"


class RunResult(BaseModel):
    """One run: the original or a re-run, with every score it got and what it used."""

    submission_id: uuid.UUID
    status: SubmissionStatus
    failure_reason: FailureReason | None
    detail: str
    public_scores: dict[str, float] = Field(description="Every board column's public score, by key.")
    private_scores: dict[str, float] = Field(description="Every board column's private score, by key.")
    resources: Resources | None
    created_at: UtcDatetime
    model_sha256: str | None = Field(
        default=None,
        description="A training run's model: the sha256 of the zip it left (its files, sorted and "
        "undated, so the same files give the same digest); null for an inference run, or a run "
        "that left none.",
    )
    model_size_bytes: int | None = Field(default=None, description="The size of that model zip.")


class Spread(BaseModel):
    """How one score varied over the original and its finished re-runs."""

    board: Literal["public", "private"]
    key: str
    original: float | None
    min: float | None
    max: float | None
    max_abs_diff: float | None = Field(
        description="The largest absolute difference from the original's (null: some run lacks the score)."
    )


class ReproductionReport(BaseModel):
    """The original beside each of its re-runs, and whether they agree.

    `identical`: every score equal; `within_tolerance`: no score further than `tolerance`
    from the original's; `differs`: see `spread`; `pending`: a re-run has not finished;
    `failed`: a re-run failed (its `failure_reason` and `detail` say why).

    A training run has no scores: it is `identical` when every re-run trained and left a
    model byte for byte the original's (`model_matches`), else `differs`.
    """

    submission_id: uuid.UUID
    team_id: uuid.UUID
    team_name: str
    verdict: Verdict
    tolerance: float
    original: RunResult
    reruns: list[RunResult]
    spread: list[Spread]
    kind: Literal["inference", "training"] = Field(
        default="inference", description="What the original's stage runs: scored predictions, or a model."
    )
    model_matches: bool | None = Field(
        default=None,
        description="A training run: whether every finished re-run's model zip has the original's "
        "sha256 and size; null for an inference run, while none has finished, or where a digest "
        "is not known.",
    )


class BoardReproductions(BaseModel):
    """The re-runs queued for a board's top entries, best first."""

    stage_id: uuid.UUID
    stage_position: int
    items: list[ReproductionReport]
