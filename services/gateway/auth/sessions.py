"""Browser sessions: server-side rows behind the ``holdout_session`` cookie, each with
its CSRF value (the ``holdout_csrf`` cookie, sent back as ``X-CSRF-Token``).

Only sha256 hashes of the session id and the CSRF value are stored, so a copy of the
database opens no session. A log-in always starts a new session (a session id from
before it is dropped), and the CSRF value is new with it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.auth import repository
from services.gateway.models import User, UserSession
from shared.db import as_aware
from shared.events import utcnow

log = structlog.get_logger(__name__)

SESSION_COOKIE = "holdout_session"
CSRF_COOKIE = "holdout_csrf"
CSRF_HEADER = "X-CSRF-Token"


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True)
class NewSession:
    """What the cookies carry; the values exist only here and in the browser."""

    session_id: str
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True)
class Authenticated:
    user: User
    row: UserSession

    def csrf_matches(self, sent: str | None) -> bool:
        return sent is not None and hmac.compare_digest(_hash(sent), self.row.csrf_hash)


async def start(session: AsyncSession, user: User, ttl: timedelta, replacing: str | None) -> NewSession:
    """Stage a new session for ``user``; ``replacing`` (the session cookie the request
    came with, if any) is ended, whoever it belonged to."""
    now = utcnow()
    if replacing:
        await repository.delete_session(session, _hash(replacing))
    await repository.delete_expired_sessions(session, now)
    new = NewSession(secrets.token_urlsafe(32), secrets.token_urlsafe(32), now + ttl)
    repository.add(
        session,
        UserSession(
            id_hash=_hash(new.session_id),
            user_id=user.id,
            csrf_hash=_hash(new.csrf_token),
            created_at=now,
            expires_at=new.expires_at,
        ),
    )
    log.info("session.started", user_id=str(user.id))
    return new


async def authenticate(session: AsyncSession, session_id: str) -> Authenticated | None:
    """The session a cookie names, if it exists and has not expired."""
    found = await repository.get_by_session_hash(session, _hash(session_id))
    if found is None or as_aware(found[1].expires_at) <= utcnow():
        return None
    return Authenticated(*found)


async def end(session: AsyncSession, session_id: str) -> None:
    await repository.delete_session(session, _hash(session_id))


async def end_all(session: AsyncSession, user: User) -> None:
    await repository.delete_sessions_of(session, user.id)
