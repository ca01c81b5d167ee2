"""``/api/v1/competitions/{competition}/webhooks`` (hosts) and ``/api/v1/webhooks`` (a
webhook, its delivery log, redelivery; platform-wide webhooks for administrators)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Response, status

from services.gateway.auth.dependencies import AdminUser, CurrentUser
from services.gateway.competitions import service as competitions
from services.gateway.deps import PageDep, SessionDep, SettingsDep
from services.gateway.openapi import Page, problems
from services.gateway.webhooks import repository, service
from services.gateway.webhooks.schemas import (
    DeliveryStatus,
    WebhookCreate,
    WebhookCreated,
    WebhookDeliveryRead,
    WebhookRead,
    WebhookUpdate,
)

CREATE_COMPETITION_WEBHOOK = """Register an HTTPS endpoint for the competition's events (host).

The answer carries the signing `secret`, shown only this once. The URL must resolve to public
addresses only: loopback, link-local (169.254.169.254), private and other internal addresses
are refused, at registration and at every delivery and redirect."""
CREATE_PLATFORM_WEBHOOK = """Register an HTTPS endpoint for the events of every competition (administrators).

The answer carries the signing `secret`, shown only this once."""
VERIFYING = """

Every delivery is a `POST` of a JSON body with the headers `Holdout-Event` (the event's id:
deduplicate on it, a delivery may come more than once), `Holdout-Event-Type`, `Holdout-Delivery`
(this delivery's id) and `Holdout-Signature: t=<unix seconds>,v1=<hex>`, where `v1` is
HMAC-SHA256 with the webhook's secret over `f"{t}.{body}"` (the raw body bytes). Check it
before trusting the body, and refuse a `t` more than 5 minutes old:

```python
import hashlib, hmac, time
def verify(secret: str, header: str, body: bytes) -> bool:
    parts = dict(p.split("=", 1) for p in header.split(","))
    mac = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(mac, parts["v1"]) and abs(time.time() - int(parts["t"])) < 300
```

Any 2xx answer is success; anything else (or no answer within the timeout) is retried with
growing waits, and an endpoint that keeps failing is disabled with the reason."""

router = APIRouter(tags=["webhooks"])


@router.post(
    "/competitions/{competition}/webhooks",
    operation_id="create_competition_webhook",
    description=CREATE_COMPETITION_WEBHOOK + VERIFYING,
    status_code=status.HTTP_201_CREATED,
    response_model=WebhookCreated,
    responses=problems(401, 403, 404, 422),
)
async def create_competition_webhook(
    competition: str,
    body: WebhookCreate,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
) -> WebhookCreated:
    """Register an HTTPS endpoint for the competition's events (host)."""
    found = await competitions.get(session, competition)
    competitions.require_host(found, user)
    created = await service.create(session, settings, user, found, body)
    return created


@router.get(
    "/competitions/{competition}/webhooks",
    operation_id="list_competition_webhooks",
    response_model=Page[WebhookRead],
    responses=problems(401, 403, 404),
)
async def list_competition_webhooks(
    competition: str, user: CurrentUser, session: SessionDep, page: PageDep
) -> Page[WebhookRead]:
    """The competition's webhooks, oldest first (host)."""
    found = await competitions.get(session, competition)
    competitions.require_host(found, user)
    items, total = await repository.page(session, found.id, page.offset, page.limit)
    return Page(items=service.to_reads(items), total=total, offset=page.offset, limit=page.limit)


@router.post(
    "/webhooks",
    operation_id="create_platform_webhook",
    description=CREATE_PLATFORM_WEBHOOK + VERIFYING,
    status_code=status.HTTP_201_CREATED,
    response_model=WebhookCreated,
    responses=problems(401, 403, 422),
)
async def create_platform_webhook(
    body: WebhookCreate, user: AdminUser, session: SessionDep, settings: SettingsDep
) -> WebhookCreated:
    """Register an HTTPS endpoint for the events of every competition (administrators)."""
    created = await service.create(session, settings, user, None, body)
    return created


@router.get(
    "/webhooks",
    operation_id="list_platform_webhooks",
    response_model=Page[WebhookRead],
    responses=problems(401, 403),
)
async def list_platform_webhooks(user: AdminUser, session: SessionDep, page: PageDep) -> Page[WebhookRead]:
    """The platform-wide webhooks, oldest first (administrators)."""
    items, total = await repository.page(session, None, page.offset, page.limit)
    return Page(items=service.to_reads(items), total=total, offset=page.offset, limit=page.limit)


@router.get(
    "/webhooks/{webhook}",
    operation_id="get_webhook",
    response_model=WebhookRead,
    responses=problems(401, 404),
)
async def get_webhook(webhook: uuid.UUID, user: CurrentUser, session: SessionDep) -> WebhookRead:
    """A webhook (its competition's host, or an administrator); the secret is not shown again."""
    return service.to_read(await service.get(session, webhook, user))


@router.patch(
    "/webhooks/{webhook}",
    operation_id="update_webhook",
    response_model=WebhookRead,
    responses=problems(401, 404, 422),
)
async def update_webhook(
    webhook: uuid.UUID,
    body: WebhookUpdate,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
) -> WebhookRead:
    """Change a webhook's URL, events, description, or enable or disable it.

    Enabling a webhook the sender disabled clears its `disabled_reason`; deliveries still
    pending are then sent."""
    hook = await service.get(session, webhook, user, for_update=True)
    result = await service.update(session, settings, hook, body)
    return result


@router.delete(
    "/webhooks/{webhook}",
    operation_id="delete_webhook",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problems(401, 404),
)
async def delete_webhook(webhook: uuid.UUID, user: CurrentUser, session: SessionDep) -> Response:
    """Delete a webhook and its delivery log; nothing more is sent to it."""
    hook = await service.get(session, webhook, user)
    await session.delete(hook)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/webhooks/{webhook}/deliveries",
    operation_id="list_webhook_deliveries",
    response_model=Page[WebhookDeliveryRead],
    responses=problems(401, 404),
)
async def list_webhook_deliveries(
    webhook: uuid.UUID,
    user: CurrentUser,
    session: SessionDep,
    page: PageDep,
    status_filter: DeliveryStatus | None = Query(
        None, alias="status", description="Only deliveries in this state."
    ),
) -> Page[WebhookDeliveryRead]:
    """The webhook's delivery log, newest first: each event's status, attempts and last error."""
    hook = await service.get(session, webhook, user)
    items, total = await repository.deliveries(session, hook.id, status_filter, page.offset, page.limit)
    return Page(
        items=[service.to_delivery_read(d) for d in items], total=total, offset=page.offset, limit=page.limit
    )


@router.post(
    "/webhooks/{webhook}/deliveries/{delivery}/redeliver",
    operation_id="redeliver_webhook_delivery",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=WebhookDeliveryRead,
    responses=problems(401, 404, 409),
)
async def redeliver_webhook_delivery(
    webhook: uuid.UUID, delivery: uuid.UUID, user: CurrentUser, session: SessionDep
) -> WebhookDeliveryRead:
    """Send a logged delivery's event again, as a new delivery with the same `Holdout-Event` id."""
    hook = await service.get(session, webhook, user)
    result = await service.redeliver(session, hook, delivery)
    return result
