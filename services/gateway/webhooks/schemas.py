"""The webhook API's bodies (``/api/v1/.../webhooks``)."""

from __future__ import annotations

import uuid
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from services.gateway.openapi import UtcDatetime

# "rescore finished" has no event of its own yet (a rescore re-sends submission.scored)
WebhookEventType = Literal[
    "submission.scored",
    "submission.scoring_failed",
    "stage.opened",
    "stage.closed",
    "competition.revealed",
]
EVENT_TYPES: tuple[WebhookEventType, ...] = get_args(WebhookEventType)
DeliveryStatus = Literal["pending", "delivered", "failed"]

_URL = Field(
    min_length=1,
    max_length=2048,
    description="Where events are POSTed: an `https://` URL of a public address.",
)


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = _URL
    event_types: list[WebhookEventType] = Field(
        default_factory=lambda: list(EVENT_TYPES),
        min_length=1,
        description="The events to receive (default: all of them).",
    )
    description: str = Field(default="", max_length=200)


class WebhookUpdate(BaseModel):
    """Only the fields sent change. `enabled: true` re-enables a webhook the sender disabled."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, min_length=1, max_length=2048)
    event_types: list[WebhookEventType] | None = Field(default=None, min_length=1)
    description: str | None = Field(default=None, max_length=200)
    enabled: bool | None = None


class WebhookRead(BaseModel):
    id: uuid.UUID
    competition_id: uuid.UUID | None = Field(description="None: a platform-wide webhook (every competition).")
    url: str
    event_types: list[str]
    description: str
    enabled: bool
    disabled_reason: str | None = Field(description="Why the sender disabled it (deliveries kept failing).")
    created_by: uuid.UUID
    created_at: UtcDatetime
    updated_at: UtcDatetime


class WebhookCreated(WebhookRead):
    secret: str = Field(
        description="Signs every delivery (`Holdout-Signature`); shown only now: keep it with the receiver."
    )


class WebhookDeliveryRead(BaseModel):
    id: uuid.UUID = Field(description="Sent as `Holdout-Delivery`.")
    webhook_id: uuid.UUID
    event_id: uuid.UUID = Field(description="Sent as `Holdout-Event`: the same for a redelivery.")
    event_type: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: UtcDatetime | None = Field(description="When it is tried next (pending only).")
    last_error: str | None
    last_status_code: int | None
    delivered_at: UtcDatetime | None
    created_at: UtcDatetime
    payload: dict[str, Any] = Field(description="The JSON body sent.")
