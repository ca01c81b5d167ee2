"""What the scorer's internal API returns (``api.py``): a submission's scoring outcome
and a rescoring's progress, as the gateway reads them."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel


class ScoreOut(BaseModel):
    submission_id: uuid.UUID
    competition_id: uuid.UUID
    attempt: int
    status: str  # "scored" | "failed"
    metric: str
    higher_is_better: bool | None
    public_score: float | None
    private_score: float | None
    reason: str | None
    detail: str
    scored_at: datetime


class RescoreOut(BaseModel):
    rescore_id: uuid.UUID
    competition_id: uuid.UUID
    status: str  # "running" | "done" | "failed"
    requested_at: datetime
    rescored: int
    failed: int
    skipped: int
    """Items with nothing to score them with (no predictions file, no team): old outcome stands."""
    superseded: int
    """Items left to a later rescoring of the stage, whose spec wins."""
    detail: str
    finished_at: datetime | None
