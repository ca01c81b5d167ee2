"""Tokens and accounts: making users, authenticating a bearer token, the admin user."""

from __future__ import annotations

import hashlib
import secrets

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.gateway import names
from services.gateway.auth import repository
from services.gateway.models import User

log = structlog.get_logger(__name__)

TOKEN_PREFIX = "hdt_"  # noqa: S105 (a prefix, not a secret)
ADMIN_USERNAME = "admin"


def new_token() -> str:
    """A random token with a recognisable prefix (so secret scanners can spot leaks)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def authenticate(session: AsyncSession, token: str) -> User | None:
    return await repository.get_by_token_hash(session, hash_token(token))


async def create_user(
    session: AsyncSession, username: str, *, is_host: bool, is_admin: bool
) -> tuple[User, str]:
    """Stage a new user in ``session``; returns it with its token (shown once).

    The username is normalised and checked by ``names`` (so is every way a user is
    made: the admin API, the CLI, sign-up); ``Alice`` is taken once ``alice`` exists.
    """
    username = names.normalise(username, "username")
    username_key = names.key(username)
    if await repository.get_by_username_key(session, username_key) is not None:
        raise names.taken("username", username)
    token = new_token()
    user = User(
        username=username,
        username_key=username_key,
        is_host=is_host,
        is_admin=is_admin,
        token_hash=hash_token(token),
    )
    try:
        async with session.begin_nested():
            repository.add(session, user)
            await session.flush()
    except IntegrityError:
        # a concurrent request took the name between the check and the insert
        raise names.taken("username", username) from None
    log.info("user.created", user_id=str(user.id), username=username, is_host=is_host, is_admin=is_admin)
    return user, token


async def create_user_with_token(
    sessionmaker: async_sessionmaker[AsyncSession], username: str, is_host: bool, is_admin: bool
) -> tuple[User, str]:
    """Create a user in its own transaction (for the CLI); returns it with its token."""
    async with sessionmaker() as session, session.begin():
        return await create_user(session, username, is_host=is_host, is_admin=is_admin)


async def ensure_admin(sessionmaker: async_sessionmaker[AsyncSession], token: str) -> None:
    """Make ``token`` authenticate as the user "admin" (created if missing)."""
    async with sessionmaker() as session, session.begin():
        user = await repository.get_by_username(session, ADMIN_USERNAME)
        if user is None:
            repository.add(
                session,
                User(
                    username=ADMIN_USERNAME,
                    username_key=names.key(ADMIN_USERNAME),
                    is_host=True,
                    is_admin=True,
                    token_hash=hash_token(token),
                ),
            )
            log.info("user.admin_created")
        else:
            user.is_admin = True
            user.is_host = True
            user.token_hash = hash_token(token)
