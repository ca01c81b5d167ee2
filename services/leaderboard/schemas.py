"""The board as the HTTP API returns it (the contract in the common brief, plus the
extra display metrics, the board's version and a team's own standing)."""

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
    extra_scores: dict[str, float] = Field(
        default_factory=dict, description="the competition's extra display metrics for the same submission"
    )


class Board(BaseModel):
    competition_id: uuid.UUID
    board: Literal["public", "private"]
    metric: str | None = Field(description="null until the competition's settings or first score arrive")
    higher_is_better: bool | None
    revealed: bool
    total: int = Field(description="number of teams on the board")
    offset: int
    limit: int
    extra_metrics: list[str] = Field(default_factory=list, description="extra columns shown on this page")
    version: int = Field(description="grows with every change to the competition's boards")
    entries: list[BoardEntry]


class TeamStanding(BaseModel):
    """One team's place on a board."""

    competition_id: uuid.UUID
    board: Literal["public", "private"]
    metric: str | None
    higher_is_better: bool | None
    total: int
    version: int
    entry: BoardEntry
