"""Team use cases: create-and-join, invite codes, join, leave, my team, the automatic
solo team.

Membership rules, so that a team's shared daily quota cannot be dodged:
- a user is in at most one team per competition (the primary key of team_members);
- a member may leave only while the team has no submissions (any, refunded or not):
  once a team has submitted, its members stay, so a member cannot spend one team's
  quota and then another's;
- joining by invite code is open to a user with no team, or whose team is theirs
  alone and has no submissions (that empty team is dissolved); the team joined keeps
  its own quota, already used submissions included;
- a team whose last member leaves is deleted (it has no submissions, by the rule above).

Team names follow ``names``: normalised, no invisible or control characters, and
unique in the competition ignoring case and compatibility forms.
"""

from __future__ import annotations

import secrets
import uuid

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway import names
from services.gateway.competitions import service as competitions
from services.gateway.competitions import snapshots
from services.gateway.models import Competition, Team, User
from services.gateway.teams import approval, repository
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
    name = names.normalise(name, "team name")
    name_key = names.key(name)
    if await repository.name_taken(session, competition.id, name_key):
        raise names.taken("team name", name, f" in {competition.slug!r}")
    team = Team(
        competition_id=competition.id,
        name=name,
        name_key=name_key,
        invite_code=new_invite_code(),
        **approval.initial(competition, user),
    )
    try:
        async with session.begin_nested():
            await repository.add_with_member(session, team, user.id)
    except IntegrityError:
        # a concurrent request won the race for the name or the membership
        raise Conflict(
            "that team name, or a team for you, was just created; try again", code="team-conflict"
        ) from None
    log.info("team.created", team_id=str(team.id), competition_id=str(competition.id), name=name)
    await _host_moved(session, competition, user)
    return team


async def mine(session: AsyncSession, competition: Competition, user: User) -> Team:
    team = await repository.team_of(session, competition.id, user.id)
    if team is None:
        raise NotFound(
            f"you have no team in {competition.slug!r}; create one, or submit to get a solo team",
            code="no-team",
        )
    return team


async def in_competition(session: AsyncSession, competition: Competition, team_id: uuid.UUID) -> Team:
    team = await repository.get(session, team_id)
    if team is None or team.competition_id != competition.id:
        raise NotFound(f"{competition.slug!r} has no team {team_id}", code="team-not-found")
    return team


async def ensure_team(session: AsyncSession, competition: Competition, user: User) -> Team:
    """The user's team, or a new solo team named after them (suffixed if taken)."""
    for _ in range(5):
        team = await repository.team_of(session, competition.id, user.id)
        if team is not None:
            return team
        name, n = user.username, 1
        while await repository.name_taken(session, competition.id, names.key(name)):
            n += 1
            name = f"{user.username}-{n}"
        team = Team(
            competition_id=competition.id,
            name=name,
            name_key=names.key(name),
            invite_code=new_invite_code(),
            **approval.initial(competition, user),
        )
        try:
            async with session.begin_nested():
                await repository.add_with_member(session, team, user.id)
        except IntegrityError:
            # a concurrent upload of the same user (or a team taking the name) won: look again
            continue
        log.info("team.solo_created", team_id=str(team.id), competition_id=str(competition.id), name=name)
        await _host_moved(session, competition, user)
        return team
    raise Conflict(
        "your team could not be created under concurrent requests; try again", code="team-conflict"
    )


def new_invite_code() -> str:
    return "hdi_" + secrets.token_urlsafe(18)


async def join(session: AsyncSession, competition: Competition, user: User, code: str) -> Team:
    team = await repository.by_invite(session, competition.id, code)
    if team is None:
        raise NotFound(
            f"no team in {competition.slug!r} has that invite code (it may have been replaced)",
            code="invite-not-found",
        )
    current = await repository.team_of(session, competition.id, user.id)
    if current is not None and current.id == team.id:
        return team
    # before the counts: membership changes of a team take turns (``repository.lock``)
    await repository.lock(session, team.id, *([current.id] if current is not None else []))
    if current is not None:
        if (
            await repository.has_submissions(session, current.id)
            or await repository.member_count(session, current.id) > 1
        ):
            raise Conflict(
                f"you are in team {current.name!r}, which has submitted or has other members; "
                "a user belongs to at most one team per competition, and leaves only a team "
                "that has not submitted",
                code="already-in-team",
            )
        await repository.remove_member(session, competition.id, user.id)
        await repository.delete_team(session, current)
    try:
        async with session.begin_nested():
            await repository.add_member(session, team, user.id)
    except IntegrityError:
        raise Conflict("you joined a team at the same moment; look again", code="team-conflict") from None
    log.info("team.joined", team_id=str(team.id), user=user.username)
    await _host_moved(session, competition, user)
    return team


async def leave(session: AsyncSession, competition: Competition, user: User) -> None:
    team = await mine(session, competition, user)
    await repository.lock(session, team.id)  # before the count: leaves of a team take turns
    if await repository.has_submissions(session, team.id):
        raise Conflict(
            f"team {team.name!r} has submitted, so its members stay in it: its daily quota is "
            "shared, and leaving would let a member use a second team's",
            code="team-has-submissions",
        )
    await repository.remove_member(session, competition.id, user.id)
    if await repository.member_count(session, team.id) == 0:
        await repository.delete_team(session, team)
    log.info("team.left", team_id=str(team.id), user=user.username)
    await _host_moved(session, competition, user)


async def _host_moved(session: AsyncSession, competition: Competition, user: User) -> None:
    """The host's (or an admin's) team is not ranked: tell the boards which teams those are."""
    if competitions.is_host(competition, user):
        await snapshots.announce(session, competition)


async def rotate_invite(session: AsyncSession, team: Team) -> Team:
    team.invite_code = new_invite_code()
    return team


async def read(
    session: AsyncSession, team: Team, viewer: User | None = None, competition: Competition | None = None
) -> TeamRead:
    """``invite_code`` only for a member of the team; ``approval`` for a member and (given
    ``competition``) its host."""
    members = await repository.member_names(session, team.id)
    code = None
    member = viewer is not None and viewer.username in members
    if member:
        if team.invite_code is None:  # a team made before invite codes existed
            team.invite_code = new_invite_code()
        code = team.invite_code
    hosting = competition is not None and competitions.is_host(competition, viewer)
    return TeamRead(
        id=team.id,
        competition_id=team.competition_id,
        name=team.name,
        members=members,
        created_at=as_aware(team.created_at),
        invite_code=code,
        approval=await approval.read(session, team) if member or hosting else None,
    )


async def page(
    session: AsyncSession,
    competition: Competition,
    viewer: User | None,
    offset: int,
    limit: int,
    approval_state: str | None = None,
) -> tuple[list[TeamRead], int]:
    """``approval_state``: only the teams in it (the host's filter; checked by the caller)."""
    rows, total = await repository.page(session, competition.id, offset, limit, approval_state)
    return [await read(session, t, viewer, competition) for t in rows], total
