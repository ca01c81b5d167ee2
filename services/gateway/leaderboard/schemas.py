"""The board as the leaderboard service serves it (documented here for clients)."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.gateway.openapi import UtcDatetime


class LeaderboardColumn(BaseModel):
    """One column of a stage's boards, in ranking order."""

    key: str
    higher_is_better: bool
    precision: int = Field(description="decimal places to show (the CSV export carries the full value)")


class LeaderboardEntry(BaseModel):
    model_config = ConfigDict(extra="allow")

    rank: int
    team_id: uuid.UUID
    team_name: str
    submission_id: uuid.UUID
    score: float | None = Field(description="the first column's value (null while that column is hidden)")
    submitted_at: UtcDatetime
    submissions: int
    scores: dict[str, float] = Field(
        default_factory=dict, description="the submission's value in each column shown, by column key"
    )


class Leaderboard(BaseModel):
    model_config = ConfigDict(extra="allow")

    competition_id: uuid.UUID
    stage_id: uuid.UUID = Field(description="the board's stage (the first stage's id is the competition's)")
    board: Literal["public", "private"]
    metric: str
    higher_is_better: bool
    revealed: bool
    total: int
    offset: int
    limit: int
    columns: list[LeaderboardColumn] = Field(
        default_factory=list,
        description="the columns shown, in ranking order (hidden ones only after the reveal, or to the host)",
    )
    entries: list[LeaderboardEntry]
