"""Webhook rules: who manages which webhook, what a URL must be, redelivery.

A competition's webhooks belong to its host (and administrators); platform-wide ones
(no competition) to administrators alone. Anyone else is told a webhook does not exist.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.config import GatewaySettings
from services.gateway.models import Competition, User, Webhook, WebhookDelivery
from services.gateway.webhooks import addresses, repository, signing
from services.gateway.webhooks.schemas import (
    WebhookCreate,
    WebhookCreated,
    WebhookDeliveryRead,
    WebhookRead,
    WebhookUpdate,
)
from shared.events import utcnow
from shared.web import Conflict, NotFound, ProblemError

log = structlog.get_logger(__name__)


def policy(settings: GatewaySettings) -> addresses.Policy:
    return addresses.Policy.from_cidrs(
        settings.webhook_allow_private_networks, settings.webhook_deny_networks
    )


async def check_url(settings: GatewaySettings, url: str) -> None:
    try:
        await addresses.check(url, policy(settings))
    except addresses.AddressRefused as exc:
        raise ProblemError(str(exc), status=422, code="webhook-url-refused") from None


async def create(
    session: AsyncSession,
    settings: GatewaySettings,
    user: User,
    competition: Competition | None,
    body: WebhookCreate,
) -> WebhookCreated:
    await check_url(settings, body.url)
    hook = Webhook(
        competition_id=None if competition is None else competition.id,
        url=body.url,
        secret=signing.new_secret(),
        event_types=sorted(set(body.event_types)),
        description=body.description,
        enabled=True,
        consecutive_failures=0,
        created_by=user.id,
    )
    session.add(hook)
    await session.flush()
    log.info(
        "webhook.created", webhook_id=str(hook.id), competition_id=str(hook.competition_id), by=user.username
    )
    return WebhookCreated(**to_read(hook).model_dump(), secret=hook.secret)


async def may_manage(session: AsyncSession, hook: Webhook, user: User) -> bool:
    if user.is_admin:
        return True
    if hook.competition_id is None:
        return False
    competition = await session.get(Competition, hook.competition_id)
    return competition is not None and competition.host_id == user.id


async def get(
    session: AsyncSession, webhook_id: uuid.UUID, user: User, *, for_update: bool = False
) -> Webhook:
    hook = await repository.get(session, webhook_id, for_update=for_update)
    if hook is None or not await may_manage(session, hook, user):
        raise NotFound(f"no webhook {webhook_id} (or it is not yours)", code="webhook-not-found")
    return hook


async def update(
    session: AsyncSession, settings: GatewaySettings, hook: Webhook, body: WebhookUpdate
) -> WebhookRead:
    if body.url is not None and body.url != hook.url:
        await check_url(settings, body.url)
        hook.url = body.url
    if body.event_types is not None:
        hook.event_types = sorted(set(body.event_types))
    if body.description is not None:
        hook.description = body.description
    if body.enabled is not None:
        if body.enabled and not hook.enabled:
            hook.disabled_reason = None
            hook.consecutive_failures = 0
        hook.enabled = body.enabled
    hook.updated_at = utcnow()
    await session.flush()
    return to_read(hook)


async def redeliver(session: AsyncSession, hook: Webhook, delivery_id: uuid.UUID) -> WebhookDeliveryRead:
    """Send a logged delivery's event again, as a new delivery (same event id, new delivery id),
    so the log keeps what happened to the first."""
    if not hook.enabled:
        raise Conflict(
            "this webhook is disabled; enable it (PATCH enabled: true) before redelivering",
            code="webhook-disabled",
        )
    original = await repository.get_delivery(session, hook.id, delivery_id)
    if original is None:
        raise NotFound(f"webhook {hook.id} has no delivery {delivery_id}", code="delivery-not-found")
    now = utcnow()
    again = WebhookDelivery(
        webhook_id=hook.id,
        event_id=original.event_id,
        event_type=original.event_type,
        payload=original.payload,
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(again)
    await session.flush()
    log.info("webhook.redelivery", webhook_id=str(hook.id), of=str(delivery_id), delivery_id=str(again.id))
    return to_delivery_read(again)


def to_read(hook: Webhook) -> WebhookRead:
    return WebhookRead(
        id=hook.id,
        competition_id=hook.competition_id,
        url=hook.url,
        event_types=list(hook.event_types),
        description=hook.description,
        enabled=hook.enabled,
        disabled_reason=hook.disabled_reason,
        created_by=hook.created_by,
        created_at=hook.created_at,
        updated_at=hook.updated_at,
    )


def to_delivery_read(d: WebhookDelivery) -> WebhookDeliveryRead:
    return WebhookDeliveryRead(
        id=d.id,
        webhook_id=d.webhook_id,
        event_id=d.event_id,
        event_type=d.event_type,
        status=d.status,
        attempts=d.attempts,
        next_attempt_at=d.next_attempt_at if d.status == "pending" else None,
        last_error=d.last_error,
        last_status_code=d.last_status_code,
        delivered_at=d.delivered_at,
        created_at=d.created_at,
        payload=d.payload,
    )


def to_reads(hooks: Sequence[Webhook]) -> list[WebhookRead]:
    return [to_read(h) for h in hooks]
