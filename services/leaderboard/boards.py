"""Reading the boards: the service layer between the HTTP routes and the repository.

Decides who may see what: the public board always (an unknown competition is an
empty board, not an error), the private board only once revealed, unless the caller
is internal (the gateway's host view).
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from services.leaderboard import repository
from services.leaderboard.schemas import Board, BoardEntry
from shared.web import Forbidden

DEFAULT_FINAL_COUNT = 2


async def public_board(session: AsyncSession, competition_id: uuid.UUID, *, offset: int, limit: int) -> Board:
    competition = await repository.get_competition(session, competition_id)
    higher = _direction(competition)
    total, rows = await repository.public_board(session, competition_id, higher, offset=offset, limit=limit)
    return _board("public", competition_id, competition, total, rows, offset, limit)


async def private_board(
    session: AsyncSession, competition_id: uuid.UUID, *, offset: int, limit: int, internal: bool = False
) -> Board:
    competition = await repository.get_competition(session, competition_id)
    if not internal and (competition is None or not competition.revealed):
        raise Forbidden("the private leaderboard is hidden until the host reveals it")
    final_count = competition.final_count if competition is not None else DEFAULT_FINAL_COUNT
    total, rows = await repository.private_board(
        session, competition_id, _direction(competition), final_count, offset=offset, limit=limit
    )
    return _board("private", competition_id, competition, total, rows, offset, limit)


def _direction(competition: repository.Competition | None) -> bool:
    # with no score yet there is nothing to order, so the default is immaterial
    if competition is None or competition.higher_is_better is None:
        return True
    return competition.higher_is_better


def _board(
    kind: str,
    competition_id: uuid.UUID,
    competition: repository.Competition | None,
    total: int,
    rows: list[repository.RankedRow],
    offset: int,
    limit: int,
) -> Board:
    return Board(
        competition_id=competition_id,
        board=kind,  # type: ignore[arg-type]
        metric=competition.metric if competition else None,
        higher_is_better=competition.higher_is_better if competition else None,
        revealed=competition.revealed if competition else False,
        total=total,
        offset=offset,
        limit=limit,
        entries=[BoardEntry(**row.__dict__) for row in rows],
    )
