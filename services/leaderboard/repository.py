"""SQL of the leaderboard: entries, competitions, final selections, and the boards.

The boards are read from ``team_best``, which is maintained on write: every change to
a team's entries or selection recomputes that team's row (a team has a handful of
entries), and a change of direction or final count recomputes the competition's. So a
board page is one indexed range scan, however many submissions the competition has,
and ranks identically on SQLite and PostgreSQL. The caller owns the session and
commits at its boundary.

Ranking rules (DESIGN.md, competitions and leaderboards):

- public: each team's best public score; ties go to the earlier submission (then the
  smaller submission id, to be total);
- private: each team's finals are its selected submissions, or by default its best
  ``final_count`` public ones (same tie rule); its private score is the best private
  score among its finals;
- ranks are positions (1, 2, 3, ...): the tie rule leaves no equal places.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Row, delete, func, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.leaderboard.models import competitions, entries, final_selections, team_best
from shared.db import as_aware

BoardKind = Literal["public", "private"]
DEFAULT_FINAL_COUNT = 2


@dataclass(frozen=True)
class Competition:
    competition_id: uuid.UUID
    metric: str | None
    higher_is_better: bool | None
    revealed: bool
    final_count: int
    version: int
    configured: bool  # a competition.updated has arrived (it, not scores, sets the metric)
    # teams whose entries are kept but never ranked (the host's and admins' test runs)
    unranked: frozenset[str] = frozenset()


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
    public_extra: dict[str, float] = field(default_factory=dict)
    private_extra: dict[str, float] = field(default_factory=dict)


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


def _utc(value: datetime) -> datetime:
    # SQLite keeps the wall-clock time and drops the offset: store UTC so that ordering
    # by time means the same on both databases
    return as_aware(value).astimezone(UTC)


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
        version=row.version,
        configured=row.updated_at is not None,
        unranked=frozenset(json.loads(row.unranked_team_ids or "[]")),
    )


async def get_version(session: AsyncSession, competition_id: uuid.UUID) -> int | None:
    return await session.scalar(
        select(competitions.c.version).where(competitions.c.competition_id == str(competition_id))
    )


async def ensure_competition(session: AsyncSession, competition_id: uuid.UUID) -> Competition:
    found = await get_competition(session, competition_id)
    if found is not None:
        return found
    await session.execute(insert(competitions).values(competition_id=str(competition_id)))
    return await get_competition(session, competition_id)  # type: ignore[return-value]


async def update_competition(session: AsyncSession, competition_id: uuid.UUID, **values: Any) -> None:
    await session.execute(
        update(competitions).where(competitions.c.competition_id == str(competition_id)).values(**values)
    )


async def bump_version(session: AsyncSession, competition_id: uuid.UUID) -> None:
    await session.execute(
        update(competitions)
        .where(competitions.c.competition_id == str(competition_id))
        .values(version=competitions.c.version + 1)
    )


async def last_update(session: AsyncSession, competition_id: uuid.UUID) -> datetime | None:
    at = await session.scalar(
        select(competitions.c.updated_at).where(competitions.c.competition_id == str(competition_id))
    )
    return as_aware(at) if at is not None else None


# --- entries and selections -------------------------------------------------------------


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
        "public_extra": json.dumps(entry.public_extra, sort_keys=True),
        "private_extra": json.dumps(entry.private_extra, sort_keys=True),
    }
    if stored is None:
        await session.execute(insert(entries).values(submission_id=sid, **values))
        return True
    if as_aware(stored) > _utc(entry.scored_at):
        return False
    await session.execute(update(entries).where(entries.c.submission_id == sid).values(**values))
    return True


async def remove_entry(session: AsyncSession, submission_id: uuid.UUID, at: datetime) -> uuid.UUID | None:
    """Drop a submission whose scoring now fails (a rescore); its team id, or None if stale."""
    sid = str(submission_id)
    row = (
        await session.execute(
            select(entries.c.scored_at, entries.c.team_id).where(entries.c.submission_id == sid)
        )
    ).first()
    if row is None or as_aware(row.scored_at) > _utc(at):
        return None
    await session.execute(delete(entries).where(entries.c.submission_id == sid))
    return uuid.UUID(row.team_id)


async def set_selection(
    session: AsyncSession,
    competition_id: uuid.UUID,
    team_id: uuid.UUID,
    ids: Sequence[uuid.UUID],
    at: datetime,
) -> bool:
    """Record a team's finals; False if a later selection is already recorded."""
    key = (final_selections.c.competition_id == str(competition_id)) & (
        final_selections.c.team_id == str(team_id)
    )
    stored = await session.scalar(select(final_selections.c.selected_at).where(key))
    values = {"submission_ids": json.dumps([str(i) for i in ids]), "selected_at": _utc(at)}
    if stored is None:
        await session.execute(
            insert(final_selections).values(
                competition_id=str(competition_id), team_id=str(team_id), **values
            )
        )
        return True
    if as_aware(stored) > _utc(at):
        return False
    await session.execute(update(final_selections).where(key).values(**values))
    return True


# --- the materialised per-team rows ---------------------------------------------------


def _sort_key(score: float, higher_is_better: bool) -> float:
    return -score if higher_is_better else score


def _order(rows: Iterable[Row[Any]], score: str, higher_is_better: bool) -> list[Row[Any]]:
    return sorted(
        rows,
        key=lambda r: (_sort_key(getattr(r, score), higher_is_better), _utc(r.submitted_at), r.submission_id),
    )


def _team_row(
    team: Sequence[Row[Any]], selection: list[str] | None, higher_is_better: bool, final_count: int
) -> dict[str, Any]:
    by_public = _order(team, "public_score", higher_is_better)
    best = by_public[0]
    if selection:
        chosen = set(selection)
        finals = [r for r in team if r.submission_id in chosen]
    else:
        finals = by_public[:final_count]
    scored_finals = [r for r in finals if r.private_score is not None]
    private = _order(scored_finals, "private_score", higher_is_better)[0] if scored_finals else None
    latest_name = max(team, key=lambda r: _utc(r.submitted_at)).team_name
    return {
        "team_name": latest_name,
        "submissions": len(team),
        "public_submission_id": best.submission_id,
        "public_score": best.public_score,
        "public_key": _sort_key(best.public_score, higher_is_better),
        "public_submitted_at": _utc(best.submitted_at),
        "public_extra": best.public_extra,
        "private_submission_id": private.submission_id if private else None,
        "private_score": private.private_score if private else None,
        "private_key": _sort_key(private.private_score, higher_is_better) if private else None,
        "private_submitted_at": _utc(private.submitted_at) if private else None,
        "private_extra": private.private_extra if private else "{}",
    }


async def _selections(
    session: AsyncSession, competition_id: uuid.UUID, team_ids: list[str] | None
) -> dict[str, list[str]]:
    query = select(final_selections.c.team_id, final_selections.c.submission_ids).where(
        final_selections.c.competition_id == str(competition_id)
    )
    if team_ids is not None:
        query = query.where(final_selections.c.team_id.in_(team_ids))
    return {row.team_id: json.loads(row.submission_ids) for row in (await session.execute(query)).all()}


async def recompute_teams(
    session: AsyncSession, competition: Competition, team_ids: Iterable[uuid.UUID] | None = None
) -> None:
    """Rebuild ``team_best`` for these teams (all of the competition's when None).

    An unranked team gets no row: its entries stay, so it is ranked again (with every
    score it had) if it stops being unranked."""
    cid = str(competition.competition_id)
    higher = competition.higher_is_better if competition.higher_is_better is not None else True
    query = select(entries).where(entries.c.competition_id == cid)
    wanted = None if team_ids is None else sorted({str(t) for t in team_ids})
    if wanted is not None:
        query = query.where(entries.c.team_id.in_(wanted))
    grouped: dict[str, list[Row[Any]]] = defaultdict(list)
    for row in (await session.execute(query)).all():
        grouped[row.team_id].append(row)
    selections = await _selections(session, competition.competition_id, wanted)
    scope = team_best.c.competition_id == cid
    if wanted is not None:
        scope = scope & team_best.c.team_id.in_(wanted)
    await session.execute(delete(team_best).where(scope))
    rows = [
        {
            "competition_id": cid,
            "team_id": team,
            **_team_row(team_rows, selections.get(team), higher, competition.final_count),
        }
        for team, team_rows in grouped.items()
        if team not in competition.unranked
    ]
    for start in range(0, len(rows), 500):
        await session.execute(insert(team_best), rows[start : start + 500])


# --- boards ---------------------------------------------------------------------------


def _columns(board: BoardKind) -> tuple[Any, Any, Any, Any, Any]:
    c = team_best.c
    if board == "public":
        return c.public_key, c.public_submitted_at, c.public_submission_id, c.public_score, c.public_extra
    return c.private_key, c.private_submitted_at, c.private_submission_id, c.private_score, c.private_extra


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
    )


def _select(board: BoardKind, competition_id: uuid.UUID) -> Any:
    key, at, sid, score, extra = _columns(board)
    return (
        select(
            team_best.c.team_id,
            team_best.c.team_name,
            team_best.c.submissions,
            sid.label("submission_id"),
            score.label("score"),
            at.label("submitted_at"),
            extra.label("extra"),
        )
        .where(team_best.c.competition_id == str(competition_id), key.is_not(None))
        .order_by(key, at, sid)
    )


async def count(session: AsyncSession, competition_id: uuid.UUID, board: BoardKind) -> int:
    key = _columns(board)[0]
    query = select(func.count()).where(team_best.c.competition_id == str(competition_id), key.is_not(None))
    return await session.scalar(query) or 0


async def page(
    session: AsyncSession, competition_id: uuid.UUID, board: BoardKind, *, offset: int, limit: int
) -> list[RankedRow]:
    rows = (await session.execute(_select(board, competition_id).offset(offset).limit(limit))).all()
    return [_ranked(row, offset + i + 1) for i, row in enumerate(rows)]


async def all_rows(session: AsyncSession, competition_id: uuid.UUID, board: BoardKind) -> list[RankedRow]:
    rows = (await session.execute(_select(board, competition_id))).all()
    return [_ranked(row, i + 1) for i, row in enumerate(rows)]


async def team_row(
    session: AsyncSession, competition_id: uuid.UUID, board: BoardKind, team_id: uuid.UUID
) -> RankedRow | None:
    """The team's row with its rank: one more than the teams ahead of it (an index range count)."""
    key, at, sid, _, _ = _columns(board)
    row = (
        await session.execute(_select(board, competition_id).where(team_best.c.team_id == str(team_id)))
    ).first()
    if row is None:
        return None
    own = (
        await session.execute(
            select(key, at, sid).where(
                team_best.c.competition_id == str(competition_id), team_best.c.team_id == str(team_id)
            )
        )
    ).one()
    ahead = await session.scalar(
        select(func.count()).where(
            team_best.c.competition_id == str(competition_id),
            key.is_not(None),
            tuple_(key, at, sid) < tuple_(own[0], own[1], own[2]),
        )
    )
    return _ranked(row, (ahead or 0) + 1)
