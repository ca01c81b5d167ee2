"""Personal access tokens (bearer ``hdt_...``): many per user, named, optionally
expiring; the value is shown once and only its sha256 is stored.

Sits between ``auth.endpoints``/``auth.dependencies`` and ``auth.repository``.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

import structlog
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.gateway.auth import repository
from services.gateway.models import AccessToken, User
from shared.db import as_aware
from shared.events import utcnow
from shared.web import NotFound

log = structlog.get_logger(__name__)

TOKEN_PREFIX = "hdt_"  # noqa: S105 (a prefix, not a secret)
# how much of a value a token list shows: the prefix and 8 random characters
SHOWN_CHARS = len(TOKEN_PREFIX) + 8
# the first token of a user made by an administrator or by the CLI
FIRST_TOKEN_NAME = "default"  # noqa: S105
# the token HOLDOUT_ADMIN_TOKEN sets for the user "admin"; replaced when the variable changes
BOOTSTRAP_TOKEN_NAME = "HOLDOUT_ADMIN_TOKEN"  # noqa: S105
# last_used_at is written at most this often per token, not on every request
LAST_USED_RESOLUTION = timedelta(minutes=1)


def new_token() -> str:
    """A random token with a recognisable prefix (so secret scanners can spot leaks)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue(
    session: AsyncSession,
    user: User,
    name: str,
    *,
    expires_at: datetime | None = None,
    value: str | None = None,
) -> tuple[AccessToken, str]:
    """Stage a new token for ``user``; returns its row and its value (shown once).

    ``value`` is only given for the bootstrap admin, whose token comes from the environment.
    """
    value = value or new_token()
    token = AccessToken(
        user_id=user.id,
        name=name,
        token_hash=hash_token(value),
        prefix=value[:SHOWN_CHARS],
        expires_at=expires_at,
    )
    repository.add(session, token)
    await session.flush()
    log.info("token.created", user_id=str(user.id), token_id=str(token.id), name=name)
    return token, value


async def authenticate(session: AsyncSession, value: str) -> tuple[User, AccessToken] | None:
    """The user a bearer token belongs to, and the token; ``None`` when unknown, revoked
    or expired. Reads only (see ``record_use``)."""
    found = await repository.get_by_token_hash(session, hash_token(value))
    if found is None:
        return None
    token = found[1]
    if token.expires_at is not None and as_aware(token.expires_at) <= utcnow():
        return None
    return found


async def record_use(sessionmaker: async_sessionmaker[AsyncSession], token: AccessToken) -> None:
    """Note when ``token`` was last used, at most once a minute, in a transaction of its own.

    The transaction writes first: SQLite cannot turn a read transaction into a write
    while another connection writes, so a read-then-write here would fail requests under
    load. A failure only loses the note, never the request.
    """
    now = utcnow()
    if token.last_used_at is not None and as_aware(token.last_used_at) >= now - LAST_USED_RESOLUTION:
        return
    try:
        async with sessionmaker() as session, session.begin():
            await repository.touch_token(session, token.id, now, now - LAST_USED_RESOLUTION)
    except SQLAlchemyError as exc:
        log.warning("token.last_used_not_recorded", token_id=str(token.id), error=type(exc).__name__)


async def list_for(
    session: AsyncSession, user: User, offset: int, limit: int
) -> tuple[list[AccessToken], int]:
    return await repository.list_tokens(session, user.id, offset, limit)


async def create(
    session: AsyncSession, user: User, name: str, expires_in_days: int | None
) -> tuple[AccessToken, str]:
    expires_at = None if expires_in_days is None else utcnow() + timedelta(days=expires_in_days)
    return await issue(session, user, name, expires_at=expires_at)


async def revoke(session: AsyncSession, user: User, token_id: uuid.UUID) -> None:
    """Delete one of ``user``'s tokens: it fails from the next request on."""
    token = await repository.get_token(session, user.id, token_id)
    if token is None:
        raise NotFound(
            f"you have no token with id {token_id}; list them with GET /users/me/tokens",
            code="token-not-found",
        )
    await session.delete(token)
    log.info("token.revoked", user_id=str(user.id), token_id=str(token_id))
