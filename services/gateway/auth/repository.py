"""User queries; never commits (the caller's unit of work does)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.models import User


async def get_by_token_hash(session: AsyncSession, token_hash: str) -> User | None:
    user: User | None = await session.scalar(select(User).where(User.token_hash == token_hash))
    return user


async def get_by_username(session: AsyncSession, username: str) -> User | None:
    user: User | None = await session.scalar(select(User).where(User.username == username))
    return user


async def get_by_username_key(session: AsyncSession, username_key: str) -> User | None:
    user: User | None = await session.scalar(select(User).where(User.username_key == username_key))
    return user


def add(session: AsyncSession, user: User) -> None:
    session.add(user)
