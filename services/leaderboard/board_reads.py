"""SQL that reads the boards from ``team_best`` (``repository.py`` maintains it on write).

A board is one stage's, in the order of its sort key (``ranking.sort_key``), read by
the index on ``(competition_id, stage_id, <board>_sort)``. A page is one range scan
from a sort key near its first place (``positions.py`` knows every 256th: never a walk
past every team before it); a team's rank counts the few teams between its anchor and
it. The caller owns the session.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.leaderboard.models import team_best
from services.leaderboard.repository import BoardKind
from shared.db import as_aware


@dataclass(frozen=True)
class RankedRow:
    rank: int
    team_id: uuid.UUID
    team_name: str
    submission_id: uuid.UUID
    score: float
    submitted_at: datetime
    submissions: int
    extra_scores: dict[str, float]
    scores: dict[str, float]


_FIELDS = ("sort", "submitted_at", "submission_id", "score", "extra", "scores")


def _columns(board: BoardKind) -> tuple[Any, ...]:
    """The board's columns of ``team_best``: sort key, time, submission, score, extras, scores."""
    return tuple(team_best.c[f"{board}_{name}"] for name in _FIELDS)


def _ranked(row: Row[Any], rank: int) -> RankedRow:
    return RankedRow(
        rank=rank,
        team_id=uuid.UUID(row.team_id),
        team_name=row.team_name,
        submission_id=uuid.UUID(row.submission_id),
        score=row.score,
        submitted_at=as_aware(row.submitted_at),
        submissions=row.submissions,
        extra_scores=json.loads(row.extra),
        scores=json.loads(row.scores),
    )


def _board(competition_id: uuid.UUID, stage_id: uuid.UUID) -> Any:
    return (team_best.c.competition_id == str(competition_id)) & (team_best.c.stage_id == str(stage_id))


def _select(board: BoardKind, competition_id: uuid.UUID, stage_id: uuid.UUID) -> Any:
    sort, at, sid, score, extra, scores = _columns(board)
    return (
        select(
            team_best.c.team_id,
            team_best.c.team_name,
            team_best.c.submissions,
            sid.label("submission_id"),
            score.label("score"),
            at.label("submitted_at"),
            extra.label("extra"),
            scores.label("scores"),
        )
        .where(_board(competition_id, stage_id), sort.is_not(None))
        .order_by(sort)
    )


def positions_query(
    competition_id: uuid.UUID, stage_id: uuid.UUID, board: BoardKind, stride: int
) -> Select[Any]:
    """Every ``stride``-th place of the board and its last, as (place, sort key) rows."""
    sort = _columns(board)[0]
    place = (func.row_number().over(order_by=sort) - 1).label("place")
    after = func.lead(sort).over(order_by=sort).label("after")
    ranked = (
        select(sort.label("sort"), place, after)
        .where(_board(competition_id, stage_id), sort.is_not(None))
        .subquery()
    )
    # no ORDER BY: the window's order is the index's, and sorting again costs a pass
    return select(ranked.c.place, ranked.c.sort).where(
        (ranked.c.place % stride == 0) | ranked.c.after.is_(None)
    )


async def positions(
    session: AsyncSession, competition_id: uuid.UUID, stage_id: uuid.UUID, board: BoardKind, stride: int
) -> tuple[int, list[bytes]]:
    """(how many teams the board has, the sort key of every ``stride``-th place from the
    first): one pass over the board's sort keys in index order (``positions.py``)."""
    query = positions_query(competition_id, stage_id, board, stride)
    rows = sorted((await session.execute(query)).all(), key=lambda row: row.place)
    if not rows:
        return 0, []
    return rows[-1].place + 1, [bytes(row.sort) for row in rows if row.place % stride == 0]


async def page(
    session: AsyncSession,
    competition_id: uuid.UUID,
    stage_id: uuid.UUID,
    board: BoardKind,
    *,
    start: tuple[bytes | None, int],
    limit: int,
    first_rank: int,
) -> list[RankedRow]:
    """``limit`` rows from ``start``: (the sort key of a place on the board, or None for
    its top; how many rows to skip past it); ranked from ``first_rank``."""
    sort = _columns(board)[0]
    anchor, skip = start
    query = _select(board, competition_id, stage_id)
    if anchor is not None:
        query = query.where(sort >= anchor)
    rows = (await session.execute(query.offset(skip).limit(limit))).all()
    return [_ranked(row, first_rank + i) for i, row in enumerate(rows)]


async def all_rows(
    session: AsyncSession, competition_id: uuid.UUID, stage_id: uuid.UUID, board: BoardKind
) -> list[RankedRow]:
    rows = (await session.execute(_select(board, competition_id, stage_id))).all()
    return [_ranked(row, i + 1) for i, row in enumerate(rows)]


async def team_row(
    session: AsyncSession,
    competition_id: uuid.UUID,
    stage_id: uuid.UUID,
    board: BoardKind,
    team_id: uuid.UUID,
    anchor_before: Callable[[bytes], tuple[bytes | None, int]],
) -> RankedRow | None:
    """The team's row with its rank: its anchor's place (``anchor_before``: the last
    anchor at or before a sort key, and that anchor's place) plus the teams between
    that anchor and it (a short index range count)."""
    sort = _columns(board)[0]
    query = _select(board, competition_id, stage_id).where(team_best.c.team_id == str(team_id))
    row = (await session.execute(query.add_columns(sort.label("sort")))).first()
    if row is None:
        return None
    anchor, place = anchor_before(bytes(row.sort))
    between = select(func.count()).where(_board(competition_id, stage_id), sort.is_not(None), sort < row.sort)
    if anchor is not None:
        between = between.where(sort >= anchor)
    return _ranked(row, place + (await session.scalar(between) or 0) + 1)
