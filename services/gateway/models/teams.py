"""Teams and their members."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    DateTime,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from services.gateway.models.base import Base
from shared.events import utcnow


class Team(Base):
    __tablename__ = "teams"
    __table_args__ = (
        UniqueConstraint("competition_id", "name"),
        UniqueConstraint("competition_id", "name_key", name="uq_teams_competition_id_name_key"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    competition_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("competitions.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    # names.key(name): two teams whose names differ only in case or form would be confused
    name_key: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # written first in every submission's transaction: it serialises a team's uploads
    # (a row lock on PostgreSQL, the write lock on SQLite), so the quota holds under races
    last_submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # shared by the members with whoever they invite; rotating it voids the old one
    invite_code: Mapped[str | None] = mapped_column(String(64), unique=True)
    # "pending" | "approved" | "refused": where the competition requires approval, a new
    # team waits for the host's decision; elsewhere (and for the host's and admins' teams)
    # it is approved when made
    approval: Mapped[str] = mapped_column(String(16), default="approved", server_default="approved")
    approval_reason: Mapped[str | None] = mapped_column(Text)
    approval_decided_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    approval_decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class TeamMember(Base):
    """The primary key is what keeps a user in at most one team per competition."""

    __tablename__ = "team_members"

    competition_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("competitions.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)
    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
