"""``/api/v1/competitions/{competition}/teams``: create, list, join by invite code,
leave, rotate the invite code, final selection, the host's approval of a team."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from services.gateway.auth.dependencies import CurrentUser, OptionalUser
from services.gateway.competitions import service as competitions
from services.gateway.deps import PageDep, SessionDep
from services.gateway.openapi import Page, problems
from services.gateway.rules import service as rules
from services.gateway.teams import approval, finals, service
from services.gateway.teams.schemas import (
    ApprovalDecision,
    ApprovalState,
    FinalSelectionRead,
    FinalSelectionUpdate,
    TeamCreate,
    TeamJoin,
    TeamRead,
)
from shared.web import Unauthorized

router = APIRouter(prefix="/competitions/{competition}/teams", tags=["teams"])

StageQuery = Annotated[
    int | None,
    Query(
        ge=1,
        description="The stage's position (1 for the first); unset: the open stage, else the latest "
        "that has opened.",
    ),
]


@router.post(
    "",
    operation_id="create_team",
    status_code=status.HTTP_201_CREATED,
    response_model=TeamRead,
    responses=problems(401, 403, 404, 409, 422),
)
async def create_team(competition: str, body: TeamCreate, user: CurrentUser, session: SessionDep) -> TeamRead:
    """Create a team and join it; share its `invite_code` to invite others."""
    found = await competitions.get(session, competition)
    await rules.require_accepted(session, found, user)
    team = await service.create(session, found, user, body.name)
    return await service.read(session, team, user)


@router.get("", operation_id="list_teams", response_model=Page[TeamRead], responses=problems(401, 403, 404))
async def list_teams(
    competition: str,
    user: OptionalUser,
    session: SessionDep,
    page: PageDep,
    approval_state: Annotated[
        ApprovalState | None,
        Query(alias="approval", description="Only the teams in this approval state (the host only)."),
    ] = None,
) -> Page[TeamRead]:
    """The competition's teams and their members, by name (invite codes stay with members;
    approval states with members and the host)."""
    found = await competitions.get(session, competition)
    if approval_state is not None:
        if user is None:
            raise Unauthorized("log in as the host to list teams by approval state")
        competitions.require_host(found, user)
    items, total = await service.page(session, found, user, page.offset, page.limit, approval_state)
    return Page(items=items, total=total, offset=page.offset, limit=page.limit)


@router.post(
    "/{team_id}/approval",
    operation_id="decide_team_approval",
    response_model=TeamRead,
    responses=problems(401, 403, 404, 422),
)
async def decide_team_approval(
    competition: str,
    team_id: uuid.UUID,
    body: ApprovalDecision,
    user: CurrentUser,
    session: SessionDep,
) -> TeamRead:
    """Approve a team, or refuse it with a reason it is shown (the host). A decision can be
    changed later; it affects new submissions only."""
    found = await competitions.get(session, competition)
    competitions.require_host(found, user)
    team = await service.in_competition(session, found, team_id)
    approval.decide(team, user, body)
    return await service.read(session, team, user, found)


@router.get("/mine", operation_id="get_my_team", response_model=TeamRead, responses=problems(401, 404))
async def get_my_team(competition: str, user: CurrentUser, session: SessionDep) -> TeamRead:
    """The caller's team in this competition (with its invite code)."""
    found = await competitions.get(session, competition)
    # committed though a read: a team older than invite codes gets one on first read
    return await service.read(session, await service.mine(session, found, user), user)


@router.post(
    "/join",
    operation_id="join_team",
    response_model=TeamRead,
    responses=problems(401, 403, 404, 409, 422),
)
async def join_team(competition: str, body: TeamJoin, user: CurrentUser, session: SessionDep) -> TeamRead:
    """Join the team whose invite code you were given.

    Allowed when you have no team, or your team is yours alone and has not submitted
    (it is dissolved). Your quota is then the team's, used submissions included.
    """
    found = await competitions.get(session, competition)
    await rules.require_accepted(session, found, user)
    team = await service.join(session, found, user, body.invite_code)
    return await service.read(session, team, user)


@router.post(
    "/mine/leave",
    operation_id="leave_team",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(401, 404, 409),
)
async def leave_team(competition: str, user: CurrentUser, session: SessionDep) -> None:
    """Leave your team; only a team that has not submitted can be left (its quota is shared)."""
    found = await competitions.get(session, competition)
    await service.leave(session, found, user)


@router.post(
    "/mine/invite-code",
    operation_id="rotate_team_invite_code",
    response_model=TeamRead,
    responses=problems(401, 404),
)
async def rotate_invite_code(competition: str, user: CurrentUser, session: SessionDep) -> TeamRead:
    """Replace your team's invite code; the old one stops working."""
    found = await competitions.get(session, competition)
    team = await service.rotate_invite(session, await service.mine(session, found, user))
    return await service.read(session, team, user)


@router.get(
    "/mine/final-submissions",
    operation_id="get_final_submissions",
    response_model=FinalSelectionRead,
    responses=problems(401, 404),
)
async def get_final_submissions(
    competition: str, user: CurrentUser, session: SessionDep, stage: StageQuery = None
) -> FinalSelectionRead:
    """Your team's final submissions in a stage for its private leaderboard (empty: the default)."""
    found = await competitions.get(session, competition)
    team = await service.mine(session, found, user)
    return await finals.read(session, found, team, await finals.stage_of(session, found, stage))


@router.put(
    "/mine/final-submissions",
    operation_id="select_final_submissions",
    response_model=FinalSelectionRead,
    responses=problems(401, 404, 409, 422),
)
async def select_final_submissions(
    competition: str,
    body: FinalSelectionUpdate,
    user: CurrentUser,
    session: SessionDep,
    stage: StageQuery = None,
) -> FinalSelectionRead:
    """Choose up to `final_count` scored submissions of your team for a stage's private board.

    The submissions must all be of one stage (`stage`, when given): that stage's selection
    is replaced, the other stages' stay. An empty list goes back to the default (your best
    `final_count` public scores) in `stage`, else in the open stage. Locked once the stage
    closes, and once the host reveals the private leaderboard.
    """
    found = await competitions.get(session, competition)
    team = await service.mine(session, found, user)
    result = await finals.select(session, found, team, body.submission_ids, stage)
    return result
