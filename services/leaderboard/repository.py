"""SQL of the leaderboard: entries, competitions, and the two boards.

The boards are computed in the database with window functions (``ROW_NUMBER``,
``COUNT`` over partitions), which SQLite (3.25+) and PostgreSQL both run, so the
embedded and the production deployments rank identically. The caller owns the session
and commits at its boundary.

Ranking rules (DESIGN.md, competitions and leaderboards):

- public: each team's best public score; ties go to the earlier submission;
- private: each team's finals are its best ``final_count`` public submissions (same
  tie rule); its private score is the best private score among its finals;
- ranks are positions (1, 2, 3, ...): the tie rule leaves no equal places.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Subquery, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import UnaryExpression

from services.leaderboard.models import competitions, entries
from shared.db import as_aware


@dataclass(frozen=True)
class Competition:
    competition_id: uuid.UUID
    metric: str | None
    higher_is_better: bool | None
    revealed: bool
    final_count: int


@dataclass(frozen=True)
class EntryScores:
    submission_id: uuid.UUID
    competition_id: uuid.UUID
    team_id: uuid.UUID
    team_name: str
    submitted_at: datetime
    public_score: float
    private_score: float | None
    metric: str
    higher_is_better: bool
    scored_at: datetime


@dataclass(frozen=True)
class RankedRow:
    rank: int
    team_id: uuid.UUID
    team_name: str
    submission_id: uuid.UUID
    score: float
    submitted_at: datetime
    submissions: int


# --- competitions ---------------------------------------------------------------------


async def get_competition(session: AsyncSession, competition_id: uuid.UUID) -> Competition | None:
    row = (
        await session.execute(
            select(competitions).where(competitions.c.competition_id == str(competition_id))
        )
    ).first()
    if row is None:
        return None
    return Competition(
        competition_id=uuid.UUID(row.competition_id),
        metric=row.metric,
        higher_is_better=row.higher_is_better,
        revealed=bool(row.revealed),
        final_count=row.final_count,
    )


async def set_metric(
    session: AsyncSession, competition_id: uuid.UUID, metric: str, higher_is_better: bool
) -> None:
    """Record the competition's metric, creating its row on the first score."""
    cid = str(competition_id)
    if await get_competition(session, competition_id) is None:
        await session.execute(
            insert(competitions).values(competition_id=cid, metric=metric, higher_is_better=higher_is_better)
        )
    else:
        await session.execute(
            update(competitions)
            .where(competitions.c.competition_id == cid)
            .values(metric=metric, higher_is_better=higher_is_better)
        )


async def set_revealed(session: AsyncSession, competition_id: uuid.UUID) -> None:
    cid = str(competition_id)
    if await get_competition(session, competition_id) is None:
        await session.execute(insert(competitions).values(competition_id=cid, revealed=True))
    else:
        await session.execute(
            update(competitions).where(competitions.c.competition_id == cid).values(revealed=True)
        )


# --- entries --------------------------------------------------------------------------


async def upsert_entry(session: AsyncSession, entry: EntryScores) -> bool:
    """Insert, or update the scores of a rescored submission; False if ``entry`` is stale."""
    sid = str(entry.submission_id)
    stored = await session.scalar(select(entries.c.scored_at).where(entries.c.submission_id == sid))
    values = {
        "competition_id": str(entry.competition_id),
        "team_id": str(entry.team_id),
        "team_name": entry.team_name,
        "submitted_at": _utc(entry.submitted_at),
        "public_score": entry.public_score,
        "private_score": entry.private_score,
        "metric": entry.metric,
        "higher_is_better": entry.higher_is_better,
        "scored_at": _utc(entry.scored_at),
    }
    if stored is None:
        await session.execute(insert(entries).values(submission_id=sid, **values))
        return True
    if as_aware(stored) > _utc(entry.scored_at):
        return False
    await session.execute(update(entries).where(entries.c.submission_id == sid).values(**values))
    return True


def _utc(value: datetime) -> datetime:
    # SQLite keeps the wall-clock time and drops the offset: store UTC so that ordering
    # by time means the same on both databases
    return as_aware(value).astimezone(UTC)


# --- boards ---------------------------------------------------------------------------


def _best_first(column: ColumnElement[float], higher_is_better: bool) -> UnaryExpression[float]:
    return column.desc() if higher_is_better else column.asc()


def _ranking(
    score: ColumnElement[float],
    submitted_at: ColumnElement[datetime],
    submission_id: ColumnElement[str],
    higher_is_better: bool,
) -> list[ColumnElement[object]]:
    """Best score first; on a tie the earlier submission (then the id, to be total)."""
    return [_best_first(score, higher_is_better), submitted_at, submission_id]  # type: ignore[list-item]


def _per_team(competition_id: uuid.UUID, higher_is_better: bool) -> Subquery:
    """Every entry of the competition with its place among its team's public scores."""
    e = entries
    return (
        select(
            e.c.submission_id,
            e.c.team_id,
            e.c.team_name,
            e.c.submitted_at,
            e.c.public_score,
            e.c.private_score,
            func.row_number()
            .over(
                partition_by=e.c.team_id,
                order_by=_ranking(e.c.public_score, e.c.submitted_at, e.c.submission_id, higher_is_better),
            )
            .label("public_place"),
            func.count().over(partition_by=e.c.team_id).label("submissions"),
        )
        .where(e.c.competition_id == str(competition_id))
        .subquery("per_team")
    )


def _public_best(competition_id: uuid.UUID, higher_is_better: bool) -> Subquery:
    per_team = _per_team(competition_id, higher_is_better)
    return (
        select(
            per_team.c.submission_id,
            per_team.c.team_id,
            per_team.c.team_name,
            per_team.c.submitted_at,
            per_team.c.public_score.label("score"),
            per_team.c.submissions,
        )
        .where(per_team.c.public_place == 1)
        .subquery("best")
    )


def _private_best(competition_id: uuid.UUID, higher_is_better: bool, final_count: int) -> Subquery:
    per_team = _per_team(competition_id, higher_is_better)
    finals = (
        select(
            per_team.c.submission_id,
            per_team.c.team_id,
            per_team.c.team_name,
            per_team.c.submitted_at,
            per_team.c.private_score.label("score"),
            per_team.c.submissions,
            func.row_number()
            .over(
                partition_by=per_team.c.team_id,
                order_by=_ranking(
                    per_team.c.private_score,
                    per_team.c.submitted_at,
                    per_team.c.submission_id,
                    higher_is_better,
                ),
            )
            .label("final_place"),
        )
        .where(per_team.c.public_place <= final_count, per_team.c.private_score.is_not(None))
        .subquery("finals")
    )
    return (
        select(
            finals.c.submission_id,
            finals.c.team_id,
            finals.c.team_name,
            finals.c.submitted_at,
            finals.c.score,
            finals.c.submissions,
        )
        .where(finals.c.final_place == 1)
        .subquery("best")
    )


async def _page(
    session: AsyncSession, best: Subquery, higher_is_better: bool, offset: int, limit: int
) -> tuple[int, list[RankedRow]]:
    total = await session.scalar(select(func.count()).select_from(best)) or 0
    ranked = select(
        best,
        func.row_number()
        .over(order_by=_ranking(best.c.score, best.c.submitted_at, best.c.submission_id, higher_is_better))
        .label("rank"),
    ).subquery("ranked")
    rows = (await session.execute(select(ranked).order_by(ranked.c.rank).offset(offset).limit(limit))).all()
    return total, [
        RankedRow(
            rank=row.rank,
            team_id=uuid.UUID(row.team_id),
            team_name=row.team_name,
            submission_id=uuid.UUID(row.submission_id),
            score=row.score,
            submitted_at=as_aware(row.submitted_at),
            submissions=row.submissions,
        )
        for row in rows
    ]


async def public_board(
    session: AsyncSession, competition_id: uuid.UUID, higher_is_better: bool, *, offset: int, limit: int
) -> tuple[int, list[RankedRow]]:
    """(number of ranked teams, the requested page of the public board)."""
    best = _public_best(competition_id, higher_is_better)
    return await _page(session, best, higher_is_better, offset, limit)


async def private_board(
    session: AsyncSession,
    competition_id: uuid.UUID,
    higher_is_better: bool,
    final_count: int,
    *,
    offset: int,
    limit: int,
) -> tuple[int, list[RankedRow]]:
    """(number of ranked teams, the requested page of the private board)."""
    best = _private_best(competition_id, higher_is_better, final_count)
    return await _page(session, best, higher_is_better, offset, limit)
