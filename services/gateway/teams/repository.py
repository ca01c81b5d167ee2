"""Team queries; never commits."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.models import Team, TeamMember, User


async def team_of(session: AsyncSession, competition_id: uuid.UUID, user_id: uuid.UUID) -> Team | None:
    team: Team | None = await session.scalar(
        select(Team)
        .join(TeamMember, TeamMember.team_id == Team.id)
        .where(TeamMember.competition_id == competition_id, TeamMember.user_id == user_id)
    )
    return team


async def name_taken(session: AsyncSession, competition_id: uuid.UUID, name: str) -> bool:
    found = await session.scalar(
        select(Team.id).where(Team.competition_id == competition_id, Team.name == name)
    )
    return found is not None


async def member_names(session: AsyncSession, team_id: uuid.UUID) -> list[str]:
    rows = await session.scalars(
        select(User.username)
        .join(TeamMember, TeamMember.user_id == User.id)
        .where(TeamMember.team_id == team_id)
        .order_by(TeamMember.joined_at, User.username)
    )
    return list(rows)


async def add_with_member(session: AsyncSession, team: Team, user_id: uuid.UUID) -> None:
    session.add(team)
    await session.flush()
    session.add(TeamMember(competition_id=team.competition_id, user_id=user_id, team_id=team.id))
    await session.flush()


async def get(session: AsyncSession, team_id: uuid.UUID) -> Team | None:
    return await session.get(Team, team_id)
