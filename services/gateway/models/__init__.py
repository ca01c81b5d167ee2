"""The gateway's tables (its own metadata and migrations; nobody else reads them), one
module per feature; importing this package registers them all on ``metadata``."""

from __future__ import annotations

from services.gateway.models.accounts import AccessToken, LoginAttempt, User, UserSession
from services.gateway.models.base import Base, inbox, metadata, outbox
from services.gateway.models.competitions import (
    Competition,
    DataFile,
    ParticipantFile,
    RulesAcceptance,
    RuntimeChange,
    Stage,
    StageSettings,
    UploadReservation,
)
from services.gateway.models.submissions import FinalSelection, QueuedEvent, Rescore, Submission
from services.gateway.models.teams import Team, TeamMember
from services.gateway.models.webhooks import Webhook, WebhookDelivery

__all__ = [
    "AccessToken",
    "Base",
    "Competition",
    "DataFile",
    "FinalSelection",
    "LoginAttempt",
    "ParticipantFile",
    "QueuedEvent",
    "Rescore",
    "RulesAcceptance",
    "RuntimeChange",
    "Stage",
    "StageSettings",
    "Submission",
    "Team",
    "TeamMember",
    "UploadReservation",
    "User",
    "UserSession",
    "Webhook",
    "WebhookDelivery",
    "inbox",
    "metadata",
    "outbox",
]
