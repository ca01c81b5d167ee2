"""The board as the leaderboard service serves it (documented here for clients)."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict

from services.gateway.openapi import UtcDatetime


class LeaderboardEntry(BaseModel):
    model_config = ConfigDict(extra="allow")

    rank: int
    team_id: uuid.UUID
    team_name: str
    submission_id: uuid.UUID
    score: float
    submitted_at: UtcDatetime
    submissions: int


class Leaderboard(BaseModel):
    model_config = ConfigDict(extra="allow")

    competition_id: uuid.UUID
    board: Literal["public", "private"]
    metric: str
    higher_is_better: bool
    revealed: bool
    total: int
    offset: int
    limit: int
    entries: list[LeaderboardEntry]
