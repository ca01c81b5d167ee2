"""Request and response bodies of the teams API."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field


class TeamCreate(BaseModel):
    name: str = Field(
        min_length=1, max_length=64, pattern=r"^\S(.*\S)?$", description="Unique in the competition."
    )


class TeamRead(BaseModel):
    id: uuid.UUID
    competition_id: uuid.UUID
    name: str
    members: list[str]
    created_at: datetime
