"""The log-in rate limit: failed log-ins counted per account and per client address in
a sliding window, in the database so every gateway replica sees the same counts.

Only failures count; a successful log-in forgets its account's failures (not the
address's, so one good account does not reset guessing at others from that address).
While either count is at its limit, log-ins are refused before the password is even
checked, with the seconds until the oldest counted failure leaves the window.
"""

from __future__ import annotations

import math
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.auth import repository
from services.gateway.config import GatewaySettings
from services.gateway.models import LoginAttempt
from shared.db import as_aware
from shared.events import utcnow
from shared.web import TooManyRequests


class TooManyAttempts(TooManyRequests):
    code = "too-many-attempts"


async def check(session: AsyncSession, settings: GatewaySettings, account: str, address: str) -> None:
    """Raise ``TooManyAttempts`` (429 with Retry-After) while either limit is reached."""
    window = timedelta(seconds=settings.login_failure_window_s)
    now = utcnow()
    for limit, scope, key in (
        (settings.login_max_failures_per_account, "account", {"account": account}),
        (settings.login_max_failures_per_address, "address", {"address": address}),
    ):
        count, oldest = await repository.failures_since(session, now - window, **key)
        if count >= limit and oldest is not None:
            retry_after = max(1, math.ceil((as_aware(oldest) + window - now).total_seconds()))
            error = TooManyAttempts(
                f"too many failed log-ins for this {scope}; try again in {retry_after} s",
                retry_after=retry_after,
            )
            error.headers = {"Retry-After": str(retry_after)}
            raise error


async def record_failure(
    session: AsyncSession, settings: GatewaySettings, account: str, address: str
) -> None:
    now = utcnow()
    # what has left the window counts no more: drop it as we go, so the table stays small
    await repository.forget_failures_before(session, now - timedelta(seconds=settings.login_failure_window_s))
    repository.add(session, LoginAttempt(account=account, address=address, attempted_at=now))


async def record_success(session: AsyncSession, account: str) -> None:
    await repository.forget_failures_of(session, account)
