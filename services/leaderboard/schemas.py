"""The board as the HTTP API returns it (the contract in the common brief)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class BoardEntry(BaseModel):
    rank: int = Field(description="1-based position on the board")
    team_id: uuid.UUID
    team_name: str
    submission_id: uuid.UUID = Field(description="the submission that holds the team's place")
    score: float
    submitted_at: datetime
    submissions: int = Field(description="how many of the team's submissions have been scored")


class Board(BaseModel):
    competition_id: uuid.UUID
    board: Literal["public", "private"]
    metric: str | None = Field(description="null until the first submission is scored")
    higher_is_better: bool | None
    revealed: bool
    total: int = Field(description="number of teams on the board")
    offset: int
    limit: int
    entries: list[BoardEntry]
