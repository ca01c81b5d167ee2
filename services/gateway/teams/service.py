"""Team use cases: create-and-join, my team, the automatic solo team."""

from __future__ import annotations

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.models import Competition, Team, User
from services.gateway.teams import repository
from services.gateway.teams.schemas import TeamRead
from shared.db import as_aware
from shared.web import Conflict, NotFound

log = structlog.get_logger(__name__)


async def create(session: AsyncSession, competition: Competition, user: User, name: str) -> Team:
    existing = await repository.team_of(session, competition.id, user.id)
    if existing is not None:
        raise Conflict(
            f"you are already in team {existing.name!r} in {competition.slug!r}; "
            "a user belongs to at most one team per competition",
            code="already-in-team",
        )
    if await repository.name_taken(session, competition.id, name):
        raise Conflict(
            f"a team named {name!r} already exists in {competition.slug!r}", code="team-name-taken"
        )
    team = Team(competition_id=competition.id, name=name)
    try:
        async with session.begin_nested():
            await repository.add_with_member(session, team, user.id)
    except IntegrityError:
        # a concurrent request won the race for the name or the membership
        raise Conflict(
            "that team name, or a team for you, was just created; try again", code="team-conflict"
        ) from None
    log.info("team.created", team_id=str(team.id), competition_id=str(competition.id), name=name)
    return team


async def mine(session: AsyncSession, competition: Competition, user: User) -> Team:
    team = await repository.team_of(session, competition.id, user.id)
    if team is None:
        raise NotFound(
            f"you have no team in {competition.slug!r}; create one, or submit to get a solo team",
            code="no-team",
        )
    return team


async def ensure_team(session: AsyncSession, competition: Competition, user: User) -> Team:
    """The user's team, or a new solo team named after them (suffixed if taken)."""
    for _ in range(5):
        team = await repository.team_of(session, competition.id, user.id)
        if team is not None:
            return team
        name, n = user.username, 1
        while await repository.name_taken(session, competition.id, name):
            n += 1
            name = f"{user.username}-{n}"
        team = Team(competition_id=competition.id, name=name)
        try:
            async with session.begin_nested():
                await repository.add_with_member(session, team, user.id)
        except IntegrityError:
            # a concurrent upload of the same user (or a team taking the name) won: look again
            continue
        log.info("team.solo_created", team_id=str(team.id), competition_id=str(competition.id), name=name)
        return team
    raise Conflict(
        "your team could not be created under concurrent requests; try again", code="team-conflict"
    )


async def read(session: AsyncSession, team: Team) -> TeamRead:
    return TeamRead(
        id=team.id,
        competition_id=team.competition_id,
        name=team.name,
        members=await repository.member_names(session, team.id),
        created_at=as_aware(team.created_at),
    )
