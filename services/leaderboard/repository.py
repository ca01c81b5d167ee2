"""SQL of the leaderboard: entries, competitions, final selections, and the boards.

Every board is a stage's: ``(competition_id, stage_id)``, the first stage's id being the
competition's. The boards are read from ``team_best``, which is maintained on write:
every change to a team's entries or selection recomputes that team's row for the stage
(a team has a handful of entries), and a change of columns, direction or final count
recomputes the stage's. So a board page is one indexed range scan, however many
submissions and columns the stage has (``board_reads.py`` reads them), and ranks
identically on SQLite and PostgreSQL (the order itself is ``ranking.sort_key``). The
caller owns the session and commits at its boundary.

Ranking rules (DESIGN.md, competitions and leaderboards; ``ranking``):

- public: each team's best entry by the stage's columns (first column in its direction,
  ties by the next ones in order, a missing value last); then the earlier submission
  (then the smaller submission id, to be total); an entry without a value in the first
  column has no place;
- private: each team's finals are its selected submissions of the stage, or by default
  its best ``final_count`` public ones (same order); its place is its best final by the
  private scores;
- ranks are positions (1, 2, 3, ...): the tie rule leaves no equal places.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Row, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.leaderboard import ranking
from services.leaderboard.models import competitions, entries, final_selections, team_best
from services.leaderboard.ranking import BoardColumn, utc
from shared.db import as_aware
from shared.events import StageBoard

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
    # as competition.updated sent them; empty: one stage, the competition's own
    stages: tuple[StageBoard, ...] = ()

    def columns(self, stage_id: uuid.UUID) -> tuple[BoardColumn, ...]:
        return ranking.stage_columns(self.stages, stage_id, self.metric, self.higher_is_better)


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
    stage_id: uuid.UUID
    public_extra: dict[str, float] = field(default_factory=dict)
    private_extra: dict[str, float] = field(default_factory=dict)
    # every column's score by key, the ranking one included
    scores: dict[str, float] = field(default_factory=dict)
    private_scores: dict[str, float] = field(default_factory=dict)


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
        stages=ranking.parse_stages(row.stages),
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


async def lock_competition(session: AsyncSession, competition_id: uuid.UUID) -> None:
    """Make this transaction's board writes of the competition wait for any other's.

    Each write rebuilds teams' rows from the entries it reads; two side by side (two
    replicas, or one replica's concurrent deliveries) would each miss the other's
    uncommitted entry, and the later commit would overwrite the team's row without it.
    Holding the competition's row from the start (PostgreSQL: ``FOR UPDATE``; on
    SQLite the one writer already takes turns) makes every read after it see the
    commits before it. One lock per transaction, always the same row: no deadlock. A
    competition not seen before gets its row here, held by this transaction until it
    commits (a second first event meets the primary key, and its redelivery waits)."""
    found = await session.scalar(
        select(competitions.c.version)
        .where(competitions.c.competition_id == str(competition_id))
        .with_for_update()
    )
    if found is None:
        await session.execute(insert(competitions).values(competition_id=str(competition_id)))


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
        "stage_id": str(entry.stage_id),
        "team_id": str(entry.team_id),
        "team_name": entry.team_name,
        "submitted_at": utc(entry.submitted_at),
        "public_score": entry.public_score,
        "private_score": entry.private_score,
        "metric": entry.metric,
        "higher_is_better": entry.higher_is_better,
        "scored_at": utc(entry.scored_at),
        "public_extra": json.dumps(entry.public_extra, sort_keys=True),
        "private_extra": json.dumps(entry.private_extra, sort_keys=True),
        "scores": json.dumps(entry.scores, sort_keys=True),
        "private_scores": json.dumps(entry.private_scores, sort_keys=True),
    }
    if stored is None:
        await session.execute(insert(entries).values(submission_id=sid, **values))
        return True
    if as_aware(stored) > utc(entry.scored_at):
        return False
    await session.execute(update(entries).where(entries.c.submission_id == sid).values(**values))
    return True


async def remove_entry(
    session: AsyncSession, submission_id: uuid.UUID, at: datetime
) -> tuple[uuid.UUID, uuid.UUID] | None:
    """Drop a submission whose scoring now fails (a rescore); its (team id, stage id),
    or None if stale."""
    sid = str(submission_id)
    row = (
        await session.execute(
            select(entries.c.scored_at, entries.c.team_id, entries.c.stage_id).where(
                entries.c.submission_id == sid
            )
        )
    ).first()
    if row is None or as_aware(row.scored_at) > utc(at):
        return None
    await session.execute(delete(entries).where(entries.c.submission_id == sid))
    return uuid.UUID(row.team_id), uuid.UUID(row.stage_id)


async def set_selection(
    session: AsyncSession,
    competition_id: uuid.UUID,
    stage_id: uuid.UUID,
    team_id: uuid.UUID,
    ids: Sequence[uuid.UUID],
    at: datetime,
) -> bool:
    """Record a team's finals of a stage; False if a later selection is already recorded."""
    key = (
        (final_selections.c.competition_id == str(competition_id))
        & (final_selections.c.stage_id == str(stage_id))
        & (final_selections.c.team_id == str(team_id))
    )
    stored = await session.scalar(select(final_selections.c.selected_at).where(key))
    values = {"submission_ids": json.dumps([str(i) for i in ids]), "selected_at": utc(at)}
    if stored is None:
        await session.execute(
            insert(final_selections).values(
                competition_id=str(competition_id), stage_id=str(stage_id), team_id=str(team_id), **values
            )
        )
        return True
    if as_aware(stored) > utc(at):
        return False
    await session.execute(update(final_selections).where(key).values(**values))
    return True


# --- the materialised per-team rows ---------------------------------------------------


async def _selections(
    session: AsyncSession, competition_id: uuid.UUID, stage_id: uuid.UUID, team_ids: list[str] | None
) -> dict[str, list[str]]:
    query = select(final_selections.c.team_id, final_selections.c.submission_ids).where(
        final_selections.c.competition_id == str(competition_id),
        final_selections.c.stage_id == str(stage_id),
    )
    if team_ids is not None:
        query = query.where(final_selections.c.team_id.in_(team_ids))
    return {row.team_id: json.loads(row.submission_ids) for row in (await session.execute(query)).all()}


async def stages_with_entries(session: AsyncSession, competition_id: uuid.UUID) -> list[uuid.UUID]:
    query = select(entries.c.stage_id).where(entries.c.competition_id == str(competition_id)).distinct()
    return sorted(uuid.UUID(s) for s in (await session.scalars(query)).all())


async def recompute_teams(
    session: AsyncSession,
    competition: Competition,
    stage_id: uuid.UUID,
    team_ids: Iterable[uuid.UUID] | None = None,
) -> None:
    """Rebuild ``team_best`` of one stage for these teams (all of the stage's when None).

    An unranked team gets no row: its entries stay, so it is ranked again (with every
    score it had) if it stops being unranked."""
    cid, stage = str(competition.competition_id), str(stage_id)
    columns = competition.columns(stage_id)
    query = select(entries).where(entries.c.competition_id == cid, entries.c.stage_id == stage)
    wanted = None if team_ids is None else sorted({str(t) for t in team_ids})
    if wanted is not None:
        query = query.where(entries.c.team_id.in_(wanted))
    grouped: dict[str, list[Row[Any]]] = defaultdict(list)
    for row in (await session.execute(query)).all():
        grouped[row.team_id].append(row)
    selections = await _selections(session, competition.competition_id, stage_id, wanted)
    scope = (team_best.c.competition_id == cid) & (team_best.c.stage_id == stage)
    if wanted is not None:
        scope = scope & team_best.c.team_id.in_(wanted)
    await session.execute(delete(team_best).where(scope))
    if not columns:
        return
    rows = []
    for team, team_rows in grouped.items():
        if team in competition.unranked:
            continue
        values = ranking.team_row(team_rows, selections.get(team), columns, competition.final_count)
        if values is not None:
            rows.append({"competition_id": cid, "stage_id": stage, "team_id": team, **values})
    for start in range(0, len(rows), 500):
        await session.execute(insert(team_best), rows[start : start + 500])


async def recompute_stages(
    session: AsyncSession, competition: Competition, team_ids: Iterable[uuid.UUID] | None = None
) -> None:
    """Rebuild every stage's boards of the competition (for these teams, or all)."""
    teams = None if team_ids is None else list(team_ids)
    for stage_id in await stages_with_entries(session, competition.competition_id):
        await recompute_teams(session, competition, stage_id, teams)
