"""Accounts: users, their API tokens, browser sessions and sign-in attempts."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from services.gateway.models.base import Base
from shared.events import utcnow


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    # names.key(username): ``Alice`` and ``alice`` are one name (see gateway/names.py)
    username_key: Mapped[str] = mapped_column(String(256), unique=True)
    is_host: Mapped[bool] = mapped_column(Boolean, default=False)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # stored lower-cased, so one address cannot sign up twice in another case
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    # Argon2id (its PHC string); none for users made by an administrator with a token only
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # checked on every request: a disabled user's sessions and tokens stop working at once
    is_disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AccessToken(Base):
    """A personal access token (``hdt_...``): the value is shown once; only its sha256 is kept."""

    __tablename__ = "access_tokens"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # the first characters of the value, so a user can tell their tokens apart in a list
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class UserSession(Base):
    """A browser session (the ``holdout_session`` cookie); ids and CSRF values are kept as sha256."""

    __tablename__ = "user_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class LoginAttempt(Base):
    """A failed log-in, counted per account and per client address by the login rate limit.

    Kept in the database (not in memory) so the limit holds across gateway replicas.
    """

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_account", "account", "attempted_at"),
        Index("ix_login_attempts_address", "address", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    # "user:<id>" when the name matched a user, else "name:<what was typed, lower-cased>"
    account: Mapped[str] = mapped_column(String(400))
    address: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
