"""The leaderboard's HTTP routes: public and private boards, and the internal host view."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from services.leaderboard import boards
from services.leaderboard.schemas import Board
from shared.web import PROBLEM_JSON


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.runtime.sessionmaker() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(_session)]
Offset = Annotated[int, Query(ge=0, description="number of teams to skip")]
Limit = Annotated[int, Query(ge=1, le=500, description="number of teams to return (at most 500)")]

_PROBLEM: dict[str, Any] = {"content": {PROBLEM_JSON: {}}}

router = APIRouter(prefix="/api/v1", tags=["leaderboard"])
internal_router = APIRouter(prefix="/internal/v1", tags=["internal"])


@router.get(
    "/competitions/{competition_id}/leaderboard",
    operation_id="get_public_leaderboard",
    response_model=Board,
    summary="The public leaderboard: each team's best public score",
)
async def get_public_leaderboard(
    competition_id: uuid.UUID, session: SessionDep, offset: Offset = 0, limit: Limit = 50
) -> Board:
    return await boards.public_board(session, competition_id, offset=offset, limit=limit)


@router.get(
    "/competitions/{competition_id}/leaderboard/private",
    operation_id="get_private_leaderboard",
    response_model=Board,
    summary="The private leaderboard, once the host has revealed it",
    responses={403: {"description": "the private leaderboard is not revealed yet", **_PROBLEM}},
)
async def get_private_leaderboard(
    competition_id: uuid.UUID, session: SessionDep, offset: Offset = 0, limit: Limit = 50
) -> Board:
    return await boards.private_board(session, competition_id, offset=offset, limit=limit)


@internal_router.get(
    "/competitions/{competition_id}/leaderboard/private",
    operation_id="get_private_leaderboard_internal",
    response_model=Board,
)
async def get_private_leaderboard_internal(
    competition_id: uuid.UUID, session: SessionDep, offset: Offset = 0, limit: Limit = 50
) -> Board:
    return await boards.private_board(session, competition_id, offset=offset, limit=limit, internal=True)
