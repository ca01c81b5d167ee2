"""Request and response bodies of the users API."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field

from services.gateway.bodies import RequestBody
from services.gateway.openapi import UtcDatetime

USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


class UserCreate(RequestBody):
    username: str = Field(pattern=USERNAME_PATTERN, description="Letters, digits, '_', '.', '-'.")
    is_host: bool = False


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    username: str
    is_host: bool
    is_admin: bool
    created_at: UtcDatetime


class UserCreated(BaseModel):
    id: uuid.UUID
    username: str
    is_host: bool
    token: str = Field(description="The bearer token; shown only this once.")
