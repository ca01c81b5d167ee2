"""Queries on ``webhooks`` and ``webhook_deliveries``; the caller's session commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from services.gateway.models import Webhook, WebhookDelivery


async def get(session: AsyncSession, webhook_id: uuid.UUID, *, for_update: bool = False) -> Webhook | None:
    query = select(Webhook).where(Webhook.id == webhook_id)
    if for_update:
        query = query.with_for_update()
    return (await session.scalars(query)).one_or_none()


async def page(
    session: AsyncSession, competition_id: uuid.UUID | None, offset: int, limit: int
) -> tuple[Sequence[Webhook], int]:
    """A competition's webhooks, or (None) the platform-wide ones, oldest first."""
    where: ColumnElement[bool] = (
        Webhook.competition_id.is_(None)
        if competition_id is None
        else Webhook.competition_id == competition_id
    )
    total = await session.scalar(select(func.count()).select_from(Webhook).where(where)) or 0
    rows = await session.scalars(
        select(Webhook).where(where).order_by(Webhook.created_at, Webhook.id).offset(offset).limit(limit)
    )
    return rows.all(), total


async def deliveries(
    session: AsyncSession, webhook_id: uuid.UUID, status: str | None, offset: int, limit: int
) -> tuple[Sequence[WebhookDelivery], int]:
    """A webhook's delivery log, newest first."""
    where = [WebhookDelivery.webhook_id == webhook_id]
    if status is not None:
        where.append(WebhookDelivery.status == status)
    total = await session.scalar(select(func.count()).select_from(WebhookDelivery).where(*where)) or 0
    rows = await session.scalars(
        select(WebhookDelivery)
        .where(*where)
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id)
        .offset(offset)
        .limit(limit)
    )
    return rows.all(), total


async def get_delivery(
    session: AsyncSession, webhook_id: uuid.UUID, delivery_id: uuid.UUID, *, for_update: bool = False
) -> WebhookDelivery | None:
    query = select(WebhookDelivery).where(
        WebhookDelivery.id == delivery_id, WebhookDelivery.webhook_id == webhook_id
    )
    if for_update:
        query = query.with_for_update()
    return (await session.scalars(query)).one_or_none()


def subscribed(session: Session, competition_id: uuid.UUID, event_type: str) -> list[uuid.UUID]:
    """The enabled webhooks that take ``event_type`` of this competition (its own and the
    platform-wide ones). Synchronous: it also runs inside the outbox seam (``enqueue``)."""
    rows = session.execute(
        select(Webhook.id, Webhook.event_types).where(
            Webhook.enabled.is_(True),
            or_(Webhook.competition_id == competition_id, Webhook.competition_id.is_(None)),
        )
    ).all()
    return [row.id for row in rows if event_type in (row.event_types or [])]


def add_deliveries(
    session: Session,
    webhook_ids: Sequence[uuid.UUID],
    event_id: uuid.UUID,
    event_type: str,
    payload: dict[str, Any],
    now: datetime,
) -> None:
    if not webhook_ids:
        return
    session.execute(
        insert(WebhookDelivery),
        [
            {
                "id": uuid.uuid4(),
                "webhook_id": webhook_id,
                "event_id": event_id,
                "event_type": event_type,
                "payload": payload,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for webhook_id in webhook_ids
        ],
    )
