"""Queries on users, their tokens, sessions and failed log-ins; never commits (the
caller's unit of work does)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway import names
from services.gateway.models import AccessToken, LoginAttempt, User, UserSession


async def get_by_token_hash(session: AsyncSession, token_hash: str) -> tuple[User, AccessToken] | None:
    row = (
        await session.execute(
            select(User, AccessToken)
            .join(AccessToken, AccessToken.user_id == User.id)
            .where(AccessToken.token_hash == token_hash)
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def get_by_session_hash(session: AsyncSession, id_hash: str) -> tuple[User, UserSession] | None:
    row = (
        await session.execute(
            select(User, UserSession)
            .join(UserSession, UserSession.user_id == User.id)
            .where(UserSession.id_hash == id_hash)
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def get(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def get_by_username(session: AsyncSession, username: str) -> User | None:
    user: User | None = await session.scalar(select(User).where(User.username == username))
    return user


async def find_by_login_name(session: AsyncSession, name: str) -> User | None:
    """The user a log-in form names: by e-mail when it holds an '@', else by username
    (compared as ``names.key`` compares them: ``ALICE`` is ``alice``)."""
    if "@" in name:
        by_email: User | None = await session.scalar(select(User).where(User.email == name.lower()))
        return by_email
    return await get_by_username_key(session, names.key(name.strip()))


async def get_by_email(session: AsyncSession, email: str) -> User | None:
    user: User | None = await session.scalar(select(User).where(User.email == email.lower()))
    return user


async def list_users(session: AsyncSession, offset: int, limit: int) -> tuple[list[User], int]:
    total = await session.scalar(select(func.count()).select_from(User)) or 0
    users = await session.scalars(select(User).order_by(User.created_at, User.id).offset(offset).limit(limit))
    return list(users), total


def add(session: AsyncSession, row: User | AccessToken | UserSession | LoginAttempt) -> None:
    session.add(row)


async def list_tokens(
    session: AsyncSession, user_id: uuid.UUID, offset: int, limit: int
) -> tuple[list[AccessToken], int]:
    where = AccessToken.user_id == user_id
    total = await session.scalar(select(func.count()).select_from(AccessToken).where(where)) or 0
    tokens = await session.scalars(
        select(AccessToken)
        .where(where)
        .order_by(AccessToken.created_at, AccessToken.id)
        .offset(offset)
        .limit(limit)
    )
    return list(tokens), total


async def get_token(session: AsyncSession, user_id: uuid.UUID, token_id: uuid.UUID) -> AccessToken | None:
    token: AccessToken | None = await session.scalar(
        select(AccessToken).where(AccessToken.id == token_id, AccessToken.user_id == user_id)
    )
    return token


async def touch_token(
    session: AsyncSession, token_id: uuid.UUID, now: datetime, unless_since: datetime
) -> None:
    """Set ``last_used_at`` unless it is already later than ``unless_since``."""
    await session.execute(
        update(AccessToken)
        .where(
            AccessToken.id == token_id,
            or_(AccessToken.last_used_at.is_(None), AccessToken.last_used_at < unless_since),
        )
        .values(last_used_at=now)
    )


async def delete_tokens_named(session: AsyncSession, user_id: uuid.UUID, name: str) -> None:
    await session.execute(delete(AccessToken).where(AccessToken.user_id == user_id, AccessToken.name == name))


async def delete_session(session: AsyncSession, id_hash: str) -> None:
    await session.execute(delete(UserSession).where(UserSession.id_hash == id_hash))


async def delete_sessions_of(session: AsyncSession, user_id: uuid.UUID) -> None:
    await session.execute(delete(UserSession).where(UserSession.user_id == user_id))


async def delete_expired_sessions(session: AsyncSession, now: datetime) -> None:
    await session.execute(delete(UserSession).where(UserSession.expires_at <= now))


async def failures_since(
    session: AsyncSession, since: datetime, *, account: str | None = None, address: str | None = None
) -> tuple[int, datetime | None]:
    """How many failed log-ins of ``account`` (or from ``address``) since ``since``, and the oldest."""
    query = select(func.count(), func.min(LoginAttempt.attempted_at)).where(LoginAttempt.attempted_at > since)
    if account is not None:
        query = query.where(LoginAttempt.account == account)
    if address is not None:
        query = query.where(LoginAttempt.address == address)
    count, oldest = (await session.execute(query)).one()
    return int(count), oldest


async def forget_failures_of(session: AsyncSession, account: str) -> None:
    await session.execute(delete(LoginAttempt).where(LoginAttempt.account == account))


async def forget_failures_before(session: AsyncSession, before: datetime) -> None:
    await session.execute(delete(LoginAttempt).where(LoginAttempt.attempted_at <= before))


async def get_by_username_key(session: AsyncSession, username_key: str) -> User | None:
    user: User | None = await session.scalar(select(User).where(User.username_key == username_key))
    return user
