"""The webhook sender: a supervised loop in the gateway that sends due deliveries.

Replica-safe: a delivery is claimed by a conditional UPDATE (still pending, still due)
that moves its ``next_attempt_at`` past the attempt, a lease: a replica that dies
mid-attempt leaves it due again when the lease runs out, so every delivery is sent at
least once. An attempt is cut off well before its lease ends (``_attempt_s``), so two
replicas never send one delivery at once, and its result is recorded only while the
lease is still the one it claimed (a fence: a late answer never overwrites the attempt
of a replica that took over). A failed attempt waits ``base * 2**(n-1)`` (capped, with jitter) before the
next; after ``webhook_max_attempts`` the delivery is ``failed``, and after
``webhook_disable_after`` failed deliveries in a row its webhook is disabled, with the
reason.

Each request goes to the address ``addresses.check`` approved (the Host header and, for
HTTPS, SNI and certificate check carry the name), never through environment proxies and
with keep-alive off (a pooled connection is never reused for another name). Redirects
are followed by hand, up to ``MAX_REDIRECTS``, each target checked again.
"""

from __future__ import annotations

import asyncio
import json
import random
import ssl
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urljoin

import httpx
import structlog
from sqlalchemy import select, update

from services.gateway.config import GatewaySettings
from services.gateway.models import Webhook, WebhookDelivery
from services.gateway.webhooks import addresses, signing
from services.gateway.webhooks.service import policy
from shared.db import transaction
from shared.events import utcnow
from shared.loops import BackgroundLoop
from shared.runtime import ServiceRuntime

log = structlog.get_logger(__name__)

MAX_REDIRECTS = 3
REDIRECTS = frozenset({301, 302, 303, 307, 308})
USER_AGENT = "Holdout-Webhooks/1"
# how much of a failure's description the log keeps
ERROR_CHARS = 500


def backoff(settings: GatewaySettings, attempts: int, rng: random.Random | None = None) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt: doubling, capped, jittered
    (80-100% of the step, so replicas that failed together do not retry together)."""
    step = min(settings.webhook_backoff_cap_s, settings.webhook_backoff_base_s * 2.0 ** max(0, attempts - 1))
    jitter: float = (rng or random).uniform(0.8, 1.0)
    return step * jitter


def make_client(settings: GatewaySettings, verify: ssl.SSLContext | bool = True) -> httpx.AsyncClient:
    """The sender's client: no environment proxies (they would connect by name, past the
    check), no automatic redirects, no keep-alive, certificates verified."""
    return httpx.AsyncClient(
        timeout=settings.webhook_timeout_s,
        follow_redirects=False,
        trust_env=False,
        verify=verify,
        limits=httpx.Limits(max_keepalive_connections=0),
        headers={"User-Agent": USER_AGENT},
    )


@dataclass(frozen=True)
class Outcome:
    delivery_id: uuid.UUID
    status: str  # delivered | pending (will retry) | failed
    status_code: int | None
    error: str | None


class WebhookSender:
    def __init__(
        self, rt: ServiceRuntime, settings: GatewaySettings, http: httpx.AsyncClient | None = None
    ) -> None:
        self.rt = rt
        self.settings = settings
        self.http = http or make_client(settings)
        self._owns_http = http is None
        self.loop = BackgroundLoop(
            "gateway-webhooks", self._step, interval_s=settings.webhook_poll_interval_s
        )

    def start(self) -> None:
        if self.settings.webhook_poll_interval_s > 0:
            self.loop.start()

    async def stop(self) -> None:
        await self.loop.stop()
        if self._owns_http:
            await self.http.aclose()

    async def _step(self) -> bool:
        # a full batch: more may be due, go round again at once
        return len(await self.tick()) >= self.settings.webhook_batch

    async def tick(self, now: datetime | None = None) -> list[Outcome]:
        """Claim the deliveries due at ``now`` and send them; returns what happened."""
        now = now or utcnow()
        lease_until = now + self._lease()
        claimed = await self._claim(now, lease_until)
        return list(await asyncio.gather(*(self._send(d, now, lease_until) for d in claimed)))

    def _attempt_s(self) -> float:
        """The longest one attempt may take: every hop's timeout, and the address checks."""
        return self.settings.webhook_timeout_s * (MAX_REDIRECTS + 1) + 30

    def _lease(self) -> timedelta:
        # the attempt's bound plus room to record it: the lease never runs out mid-attempt
        return timedelta(seconds=self._attempt_s() + 30)

    async def _claim(self, now: datetime, lease_until: datetime) -> list[tuple[WebhookDelivery, Webhook]]:
        """Claim due deliveries: each by an UPDATE that only succeeds while it is still
        pending and due, so of two replicas looking at once only one sends it."""
        async with self.rt.sessionmaker() as session:
            rows = (
                await session.execute(
                    select(WebhookDelivery, Webhook)
                    .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
                    .where(
                        WebhookDelivery.status == "pending",
                        WebhookDelivery.next_attempt_at <= now,
                        Webhook.enabled.is_(True),
                    )
                    .order_by(WebhookDelivery.next_attempt_at)
                    .limit(self.settings.webhook_batch)
                )
            ).all()
        if not rows:
            return []
        claimed = []
        # a transaction that writes first: SQLite takes its write lock at once
        async with transaction(self.rt.sessionmaker) as session:
            for delivery, hook in rows:
                won = await session.execute(
                    update(WebhookDelivery)
                    .where(
                        WebhookDelivery.id == delivery.id,
                        WebhookDelivery.status == "pending",
                        WebhookDelivery.next_attempt_at <= now,
                    )
                    .values(next_attempt_at=lease_until)
                    .execution_options(synchronize_session=False)
                )
                if won.rowcount == 1:  # type: ignore[attr-defined]
                    claimed.append((delivery, hook))
        return claimed

    async def _send(
        self, pair: tuple[WebhookDelivery, Webhook], now: datetime, lease_until: datetime
    ) -> Outcome:
        delivery, hook = pair
        body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
        headers = {
            "Content-Type": "application/json",
            signing.SIGNATURE_HEADER: signing.signature_header(hook.secret, body),
            signing.EVENT_HEADER: str(delivery.event_id),
            signing.EVENT_TYPE_HEADER: delivery.event_type,
            signing.DELIVERY_HEADER: str(delivery.id),
        }
        code: int | None = None
        error: str | None = None
        try:
            async with asyncio.timeout(self._attempt_s()):
                code = await self.post(hook.url, body, headers)
            if not 200 <= code < 300:
                error = f"the endpoint answered {code}"
        except addresses.AddressRefused as exc:
            error = str(exc)
        except (httpx.HTTPError, TimeoutError, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return await self._record(delivery.id, hook.id, code, error and error[:ERROR_CHARS], now, lease_until)

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        """POST ``body`` to ``url``, following redirects by hand; the final status code."""
        check = policy(self.settings)
        for _ in range(MAX_REDIRECTS + 1):
            target = await addresses.check(url, check)
            async with asyncio.timeout(self.settings.webhook_timeout_s):
                async with self.http.stream(
                    "POST",
                    target.request_url,
                    content=body,
                    headers={**headers, "Host": target.host_header},
                    extensions=target.extensions,
                ) as response:
                    # the answer's body is never read: a receiver could send anything
                    location = response.headers.get("location")
                    if response.status_code not in REDIRECTS or not location:
                        return response.status_code
            url = urljoin(url, location)
        raise addresses.AddressRefused(f"more than {MAX_REDIRECTS} redirects")

    async def _record(
        self,
        delivery_id: uuid.UUID,
        webhook_id: uuid.UUID,
        code: int | None,
        error: str | None,
        now: datetime,
        lease_until: datetime,
    ) -> Outcome:
        """Log the attempt, if this sender still holds the delivery (its lease is the one
        it claimed). Counters move by atomic UPDATEs (concurrent attempts of one
        webhook's deliveries lose no count), and the first statement writes, so SQLite
        takes its write lock at once instead of failing a read-then-write race."""
        s = self.settings
        D, W = WebhookDelivery, Webhook
        async with transaction(self.rt.sessionmaker) as session:
            attempts = await session.scalar(
                update(D)
                .where(D.id == delivery_id, D.status == "pending", D.next_attempt_at == lease_until)
                .values(attempts=D.attempts + 1, last_status_code=code, last_error=error)
                .returning(D.attempts)
            )
            if attempts is None:
                log.warning("webhook.attempt_not_recorded", delivery_id=str(delivery_id), status_code=code)
                return Outcome(
                    delivery_id, "failed", code, "the webhook was deleted, or its lease ran out meanwhile"
                )
            if error is None:
                status, values = "delivered", {"delivered_at": now, "next_attempt_at": None}
                await session.execute(update(W).where(W.id == webhook_id).values(consecutive_failures=0))
            elif attempts < s.webhook_max_attempts:
                status, values = "pending", {"next_attempt_at": now + timedelta(seconds=backoff(s, attempts))}
            else:
                status, values = "failed", {"next_attempt_at": None}
                failures = await session.scalar(
                    update(W)
                    .where(W.id == webhook_id)
                    .values(consecutive_failures=W.consecutive_failures + 1)
                    .returning(W.consecutive_failures)
                )
                if failures is not None and failures >= s.webhook_disable_after:
                    reason = (
                        f"disabled at {now.isoformat()}: {failures} deliveries in a row failed after "
                        f"{s.webhook_max_attempts} attempts each; the last error: {error}"
                    )
                    disabled = await session.execute(
                        update(W)
                        .where(W.id == webhook_id, W.enabled.is_(True))
                        .values(enabled=False, disabled_reason=reason)
                    )
                    if disabled.rowcount:  # type: ignore[attr-defined]
                        log.warning("webhook.disabled", webhook_id=str(webhook_id), reason=reason)
            await session.execute(update(D).where(D.id == delivery_id).values(status=status, **values))
        log.info(
            "webhook.attempt",
            webhook_id=str(webhook_id),
            delivery_id=str(delivery_id),
            attempt=attempts,
            status=status,
            status_code=code,
            error=error,
        )
        return Outcome(delivery_id, status, code, error)
