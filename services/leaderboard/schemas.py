"""The board as the HTTP API returns it (the contract in the common brief, plus the
stage and its columns, the extra display metrics, the board's version and a team's own
standing)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class Column(BaseModel):
    """One column of a stage's boards, in ranking order."""

    key: str
    higher_is_better: bool
    precision: int = Field(description="decimal places to show (the CSV export carries the full value)")


class BoardEntry(BaseModel):
    rank: int = Field(description="1-based position on the board")
    team_id: uuid.UUID
    team_name: str
    submission_id: uuid.UUID = Field(description="the submission that holds the team's place")
    score: float | None = Field(description="the first column's value (null while that column is hidden)")
    submitted_at: datetime
    submissions: int = Field(description="how many of the team's submissions have been scored")
    extra_scores: dict[str, float] = Field(
        default_factory=dict, description="the competition's extra display metrics for the same submission"
    )
    scores: dict[str, float] = Field(
        default_factory=dict, description="the same submission's value in each column shown, by column key"
    )


class Board(BaseModel):
    competition_id: uuid.UUID
    stage_id: uuid.UUID = Field(
        description="the stage whose board this is (the first stage's id is the competition's)"
    )
    board: Literal["public", "private"]
    metric: str | None = Field(description="null until the competition's settings or first score arrive")
    higher_is_better: bool | None
    revealed: bool
    total: int = Field(description="number of teams on the board")
    offset: int
    limit: int
    columns: list[Column] = Field(
        default_factory=list,
        description="the columns shown, in ranking order (hidden ones until the reveal left out)",
    )
    extra_metrics: list[str] = Field(default_factory=list, description="extra columns shown on this page")
    version: int = Field(description="grows with every change to the competition's boards")
    entries: list[BoardEntry]


class TeamStanding(BaseModel):
    """One team's place on a board."""

    competition_id: uuid.UUID
    stage_id: uuid.UUID
    board: Literal["public", "private"]
    metric: str | None
    higher_is_better: bool | None
    total: int
    version: int
    columns: list[Column] = Field(default_factory=list)
    entry: BoardEntry
