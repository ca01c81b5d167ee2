"""Response bodies of the rules API."""

from __future__ import annotations

from pydantic import BaseModel, Field

from services.gateway.openapi import UtcDatetime


class RulesAcceptanceRead(BaseModel):
    rules_version: int = Field(description="The version of the rules accepted (the current one).")
    accepted_at: UtcDatetime
    created: bool = Field(description="False when this version had already been accepted.")
