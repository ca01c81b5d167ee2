"""Reading the boards: the service layer between the HTTP routes and the repository.

Decides who may see what: the public board always (an unknown competition is an
empty board, not an error), the private board only once revealed, unless the caller
is internal (the gateway's host view).
"""

from __future__ import annotations

import csv
import io
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from services.leaderboard import repository
from services.leaderboard.repository import BoardKind, Competition
from services.leaderboard.schemas import Board, BoardEntry, TeamStanding
from shared.web import Forbidden, NotFound

HIDDEN = "the private leaderboard is hidden until the host reveals it"


async def version(session: AsyncSession, competition_id: uuid.UUID) -> int:
    return await repository.get_version(session, competition_id) or 0


async def check_revealed(session: AsyncSession, competition_id: uuid.UUID) -> None:
    await _visible(session, competition_id, "private", internal=False)


async def _visible(
    session: AsyncSession, competition_id: uuid.UUID, board: BoardKind, internal: bool
) -> Competition | None:
    competition = await repository.get_competition(session, competition_id)
    if board == "private" and not internal and (competition is None or not competition.revealed):
        raise Forbidden(HIDDEN)
    return competition


async def get_board(
    session: AsyncSession,
    competition_id: uuid.UUID,
    board: BoardKind,
    *,
    offset: int,
    limit: int,
    internal: bool = False,
) -> Board:
    competition = await _visible(session, competition_id, board, internal)
    total = await repository.count(session, competition_id, board)
    rows = await repository.page(session, competition_id, board, offset=offset, limit=limit)
    entries = [BoardEntry(**row.__dict__) for row in rows]
    return Board(
        competition_id=competition_id,
        board=board,
        metric=competition.metric if competition else None,
        higher_is_better=competition.higher_is_better if competition else None,
        revealed=competition.revealed if competition else False,
        total=total,
        offset=offset,
        limit=limit,
        extra_metrics=sorted({name for e in entries for name in e.extra_scores}),
        version=competition.version if competition else 0,
        entries=entries,
    )


async def team_standing(
    session: AsyncSession,
    competition_id: uuid.UUID,
    board: BoardKind,
    team_id: uuid.UUID,
    *,
    internal: bool = False,
) -> TeamStanding:
    competition = await _visible(session, competition_id, board, internal)
    row = await repository.team_row(session, competition_id, board, team_id)
    if row is None or competition is None:
        raise NotFound(
            f"team {team_id} has no scored submission on the {board} leaderboard of this competition"
        )
    return TeamStanding(
        competition_id=competition_id,
        board=board,
        metric=competition.metric,
        higher_is_better=competition.higher_is_better,
        total=await repository.count(session, competition_id, board),
        version=competition.version,
        entry=BoardEntry(**row.__dict__),
    )


async def export_csv(session: AsyncSession, competition_id: uuid.UUID, board: BoardKind) -> str:
    """The whole board as CSV, for hosts (extra metrics as trailing columns)."""
    rows = await repository.all_rows(session, competition_id, board)
    extra = sorted({name for row in rows for name in row.extra_scores})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["rank", "team_id", "team_name", "submission_id", "score", "submitted_at", "submissions", *extra]
    )
    for r in rows:
        writer.writerow(
            [
                r.rank,
                r.team_id,
                r.team_name,
                r.submission_id,
                repr(r.score),
                r.submitted_at.isoformat(),
                r.submissions,
                *(repr(r.extra_scores[m]) if m in r.extra_scores else "" for m in extra),
            ]
        )
    return out.getvalue()
