"""``/api/v1/competitions/{competition}/teams``."""

from __future__ import annotations

from fastapi import APIRouter, status

from services.gateway.auth.dependencies import CurrentUser
from services.gateway.competitions import service as competitions
from services.gateway.deps import RuntimeDep, SessionDep, commit
from services.gateway.openapi import problems
from services.gateway.teams import service
from services.gateway.teams.schemas import TeamCreate, TeamRead

router = APIRouter(prefix="/competitions/{competition}/teams", tags=["teams"])


@router.post(
    "",
    operation_id="create_team",
    status_code=status.HTTP_201_CREATED,
    response_model=TeamRead,
    responses=problems(401, 404, 409, 422),
)
async def create_team(
    competition: str, body: TeamCreate, user: CurrentUser, session: SessionDep, rt: RuntimeDep
) -> TeamRead:
    """Create a team and join it."""
    found = await competitions.get(session, competition)
    team = await service.create(session, found, user, body.name)
    await commit(session, rt)
    return await service.read(session, team)


@router.get("/mine", operation_id="get_my_team", response_model=TeamRead, responses=problems(401, 404))
async def get_my_team(competition: str, user: CurrentUser, session: SessionDep) -> TeamRead:
    """The caller's team in this competition."""
    found = await competitions.get(session, competition)
    return await service.read(session, await service.mine(session, found, user))
