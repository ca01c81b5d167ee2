"""Team queries; never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.models import FinalSelection, Submission, Team, TeamMember, User


async def team_of(session: AsyncSession, competition_id: uuid.UUID, user_id: uuid.UUID) -> Team | None:
    team: Team | None = await session.scalar(
        select(Team)
        .join(TeamMember, TeamMember.team_id == Team.id)
        .where(TeamMember.competition_id == competition_id, TeamMember.user_id == user_id)
    )
    return team


async def name_taken(session: AsyncSession, competition_id: uuid.UUID, name_key: str) -> bool:
    found = await session.scalar(
        select(Team.id).where(Team.competition_id == competition_id, Team.name_key == name_key)
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


async def by_invite(session: AsyncSession, competition_id: uuid.UUID, code: str) -> Team | None:
    team: Team | None = await session.scalar(
        select(Team).where(Team.competition_id == competition_id, Team.invite_code == code)
    )
    return team


async def lock(session: AsyncSession, *team_ids: uuid.UUID) -> None:
    """Make this transaction's membership changes of these teams wait for any other's
    (PostgreSQL: their rows ``FOR UPDATE``, in one order so two never deadlock; SQLite's
    one writer already takes turns). A leave counts who is left after removing its
    member: two side by side would each count the other and leave an empty team, and a
    join beside the last leave would be deleted with the team. Choices of final
    submissions take the same turns: two replaces side by side would keep both."""
    ids = sorted(set(team_ids))
    await session.execute(select(Team.id).where(Team.id.in_(ids)).order_by(Team.id).with_for_update())


async def member_count(session: AsyncSession, team_id: uuid.UUID) -> int:
    return (
        await session.scalar(
            select(func.count()).select_from(TeamMember).where(TeamMember.team_id == team_id)
        )
        or 0
    )


async def has_submissions(session: AsyncSession, team_id: uuid.UUID) -> bool:
    return (
        await session.scalar(select(Submission.id).where(Submission.team_id == team_id).limit(1)) is not None
    )


async def remove_member(session: AsyncSession, competition_id: uuid.UUID, user_id: uuid.UUID) -> None:
    await session.execute(
        delete(TeamMember).where(TeamMember.competition_id == competition_id, TeamMember.user_id == user_id)
    )


async def add_member(session: AsyncSession, team: Team, user_id: uuid.UUID) -> None:
    session.add(TeamMember(competition_id=team.competition_id, user_id=user_id, team_id=team.id))
    await session.flush()


async def delete_team(session: AsyncSession, team: Team) -> None:
    await session.delete(team)
    await session.flush()


async def page(
    session: AsyncSession, competition_id: uuid.UUID, offset: int, limit: int, approval: str | None = None
) -> tuple[Sequence[Team], int]:
    where = [Team.competition_id == competition_id]
    if approval is not None:
        where.append(Team.approval == approval)
    total = await session.scalar(select(func.count()).select_from(Team).where(*where)) or 0
    rows = await session.scalars(select(Team).where(*where).order_by(Team.name).offset(offset).limit(limit))
    return rows.all(), total


async def final_selection(session: AsyncSession, team_id: uuid.UUID, stage_id: uuid.UUID) -> list[uuid.UUID]:
    """A team's chosen finals in one stage (a selection's stage is its submissions')."""
    rows = await session.scalars(
        select(FinalSelection.submission_id)
        .join(Submission, Submission.id == FinalSelection.submission_id)
        .where(FinalSelection.team_id == team_id, Submission.stage_id == stage_id)
        .order_by(FinalSelection.selected_at, FinalSelection.submission_id)
    )
    return list(rows)


async def replace_final_selection(
    session: AsyncSession, team_id: uuid.UUID, stage_id: uuid.UUID, submission_ids: Sequence[uuid.UUID]
) -> None:
    """Replace the team's finals of one stage; its finals of the other stages stay."""
    in_stage = select(Submission.id).where(Submission.stage_id == stage_id)
    await session.execute(
        delete(FinalSelection).where(
            FinalSelection.team_id == team_id, FinalSelection.submission_id.in_(in_stage)
        )
    )
    session.add_all(FinalSelection(team_id=team_id, submission_id=s) for s in submission_ids)
    await session.flush()


async def submissions_of(session: AsyncSession, ids: Sequence[uuid.UUID]) -> Sequence[Submission]:
    rows = await session.scalars(select(Submission).where(Submission.id.in_(ids)))
    return rows.all()
