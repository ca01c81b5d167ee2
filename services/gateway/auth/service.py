"""Accounts: making users, authenticating a bearer token, the admin user.

Sign-up, log-in and the administrator's changes to a user are in ``accounts``; tokens in
``tokens``; browser sessions in ``sessions``.
"""

from __future__ import annotations

import structlog
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.gateway import names
from services.gateway.auth import repository, tokens
from services.gateway.models import User
from shared.db import is_postgresql
from shared.web import Conflict

log = structlog.get_logger(__name__)

ADMIN_USERNAME = "admin"


async def authenticate(session: AsyncSession, token: str) -> User | None:
    found = await tokens.authenticate(session, token)
    return None if found is None else found[0]


async def create_user(
    session: AsyncSession,
    username: str,
    *,
    is_host: bool,
    is_admin: bool,
    email: str | None = None,
    password_hash: str | None = None,
) -> User:
    """Stage a new user in ``session`` (no token: the caller issues one if it needs one).

    The username is normalised and checked by ``names`` (so is every way a user is
    made: the admin API, the CLI, sign-up); ``Alice`` is taken once ``alice`` exists.
    """
    username = names.normalise(username, "username")
    username_key = names.key(username)
    if await repository.get_by_username_key(session, username_key) is not None:
        raise names.taken("username", username)
    user = User(
        username=username,
        username_key=username_key,
        is_host=is_host,
        is_admin=is_admin,
        email=email,
        password_hash=password_hash,
    )
    try:
        async with session.begin_nested():
            repository.add(session, user)
            await session.flush()
    except IntegrityError:
        # a concurrent request took the name (or the e-mail address) between the check and the insert
        if email is not None and await repository.get_by_email(session, email) is not None:
            raise email_taken() from None
        raise names.taken("username", username) from None
    log.info("user.created", user_id=str(user.id), username=username, is_host=is_host, is_admin=is_admin)
    return user


def email_taken() -> Conflict:
    return Conflict(
        "an account with this e-mail address exists; log in instead (or use another address)",
        code="email-taken",
    )


async def create_user_with_first_token(
    session: AsyncSession, username: str, *, is_host: bool, is_admin: bool
) -> tuple[User, str]:
    """A user made by an administrator (API or CLI): it gets a first token, shown once."""
    user = await create_user(session, username, is_host=is_host, is_admin=is_admin)
    _token, value = await tokens.issue(session, user, tokens.FIRST_TOKEN_NAME)
    return user, value


async def create_user_with_token(
    sessionmaker: async_sessionmaker[AsyncSession], username: str, is_host: bool, is_admin: bool
) -> tuple[User, str]:
    """Create a user in its own transaction (for the CLI); returns it with its token."""
    async with sessionmaker() as session, session.begin():
        return await create_user_with_first_token(session, username, is_host=is_host, is_admin=is_admin)


async def ensure_admin(sessionmaker: async_sessionmaker[AsyncSession], token: str) -> None:
    """Make ``token`` authenticate as the user "admin" (created, or enabled again, if need be).

    The token is stored as the admin's token named ``HOLDOUT_ADMIN_TOKEN``; a different
    value from before replaces it, so changing the variable revokes the old value.
    """
    async with sessionmaker() as session, session.begin():
        if is_postgresql(session):
            # gateway replicas starting together: one creates the admin, the others then find it
            await session.execute(text("SELECT pg_advisory_xact_lock(hashtext('holdout-ensure-admin'))"))
        user = await repository.get_by_username(session, ADMIN_USERNAME)
        if user is None:
            user = User(
                username=ADMIN_USERNAME, username_key=names.key(ADMIN_USERNAME), is_host=True, is_admin=True
            )
            repository.add(session, user)
            await session.flush()
            log.info("user.admin_created")
        user.is_admin = True
        user.is_host = True
        user.is_disabled = False
        found = await repository.get_by_token_hash(session, tokens.hash_token(token))
        if found is not None and found[0].id == user.id:
            return
        if found is not None:  # the variable names another user's token: it becomes the admin's
            await session.delete(found[1])
        await repository.delete_tokens_named(session, user.id, tokens.BOOTSTRAP_TOKEN_NAME)
        await session.flush()
        await tokens.issue(session, user, tokens.BOOTSTRAP_TOKEN_NAME, value=token)
