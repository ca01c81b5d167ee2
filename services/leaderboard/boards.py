"""Reading the boards: the service layer between the HTTP routes and the repository.

Decides who may see what: the public board always (an unknown competition or stage is
an empty board, not an error), the private board only once revealed, unless the
caller is internal (the gateway's host view); hidden columns only once revealed, or
to the host's view, and never in the CSV export or the live updates before the
reveal.
"""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.leaderboard import board_reads, repository
from services.leaderboard.board_reads import RankedRow
from services.leaderboard.positions import BoardPositions
from services.leaderboard.ranking import BoardColumn
from services.leaderboard.repository import BoardKind, Competition
from services.leaderboard.schemas import Board, BoardEntry, Column, TeamStanding
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


def shown_columns(
    competition: Competition | None, stage_id: uuid.UUID, *, internal: bool = False
) -> tuple[BoardColumn, ...]:
    """The stage's columns a reader sees: hidden ones only after the reveal or to the host."""
    if competition is None:
        return ()
    columns = competition.columns(stage_id)
    return tuple(c for c in columns if internal or competition.revealed or not c.hidden)


def _hidden_keys(
    competition: Competition | None, stage_id: uuid.UUID, shown: tuple[BoardColumn, ...]
) -> set[str]:
    every = competition.columns(stage_id) if competition else ()
    return {c.key for c in every} - {c.key for c in shown}


def _entry(row: RankedRow, shown: tuple[BoardColumn, ...], hidden: set[str], first: str | None) -> BoardEntry:
    return BoardEntry(
        rank=row.rank,
        team_id=row.team_id,
        team_name=row.team_name,
        submission_id=row.submission_id,
        score=None if first in hidden else row.score,
        submitted_at=row.submitted_at,
        submissions=row.submissions,
        extra_scores={k: v for k, v in row.extra_scores.items() if k not in hidden},
        scores={c.key: row.scores[c.key] for c in shown if c.key in row.scores},
    )


def _heading(competition: Competition | None, stage_id: uuid.UUID) -> dict[str, Any]:
    """The board's metric and direction: its first column's (the competition's in the old form)."""
    columns = competition.columns(stage_id) if competition else ()
    if not columns:
        return {"metric": None, "higher_is_better": None}
    return {"metric": columns[0].key, "higher_is_better": columns[0].higher_is_better}


async def get_board(
    session: AsyncSession,
    competition_id: uuid.UUID,
    stage_id: uuid.UUID,
    board: BoardKind,
    *,
    offset: int,
    limit: int,
    positions: BoardPositions,
    internal: bool = False,
) -> Board:
    competition = await _visible(session, competition_id, board, internal)
    shown = shown_columns(competition, stage_id, internal=internal)
    hidden = _hidden_keys(competition, stage_id, shown)
    first = _heading(competition, stage_id)["metric"]
    version = competition.version if competition else 0
    places = await positions.get(session, competition_id, stage_id, board, version)
    total = places.total
    rows: list[RankedRow] = []
    if offset < total:
        start = places.start(offset)
        rows = await board_reads.page(
            session, competition_id, stage_id, board, start=start, limit=limit, first_rank=offset + 1
        )
    entries = [_entry(row, shown, hidden, first) for row in rows]
    return Board(
        competition_id=competition_id,
        stage_id=stage_id,
        board=board,
        **_heading(competition, stage_id),
        revealed=competition.revealed if competition else False,
        total=total,
        offset=offset,
        limit=limit,
        columns=[Column(**c.describe()) for c in shown],
        extra_metrics=sorted({name for e in entries for name in e.extra_scores}),
        version=version,
        entries=entries,
    )


async def team_standing(
    session: AsyncSession,
    competition_id: uuid.UUID,
    stage_id: uuid.UUID,
    board: BoardKind,
    team_id: uuid.UUID,
    *,
    positions: BoardPositions,
    internal: bool = False,
) -> TeamStanding:
    competition = await _visible(session, competition_id, board, internal)
    version = competition.version if competition else 0
    places = await positions.get(session, competition_id, stage_id, board, version)
    row = await board_reads.team_row(session, competition_id, stage_id, board, team_id, places.anchor_before)
    if row is None or competition is None:
        raise NotFound(
            f"team {team_id} has no scored submission on the {board} leaderboard of this competition"
            + ("" if stage_id == competition_id else f" in stage {stage_id}")
        )
    shown = shown_columns(competition, stage_id, internal=internal)
    hidden = _hidden_keys(competition, stage_id, shown)
    heading = _heading(competition, stage_id)
    return TeamStanding(
        competition_id=competition_id,
        stage_id=stage_id,
        board=board,
        **heading,
        total=places.total,
        version=competition.version,
        columns=[Column(**c.describe()) for c in shown],
        entry=_entry(row, shown, hidden, heading["metric"]),
    )


async def export_csv(
    session: AsyncSession, competition_id: uuid.UUID, stage_id: uuid.UUID, board: BoardKind
) -> str:
    """The whole board as CSV, for hosts: every column shown (hidden ones only after the
    reveal) with its full value, then the extra metrics that are not columns."""
    competition = await repository.get_competition(session, competition_id)
    shown = shown_columns(competition, stage_id)
    hidden = _hidden_keys(competition, stage_id, shown)
    rows = await board_reads.all_rows(session, competition_id, stage_id, board)
    keys = [c.key for c in shown]
    extra = sorted({name for row in rows for name in row.extra_scores} - set(keys) - hidden)
    score_hidden = _heading(competition, stage_id)["metric"] in hidden
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "rank",
            "team_id",
            "team_name",
            "submission_id",
            "score",
            "submitted_at",
            "submissions",
            *keys,
            *extra,
        ]
    )
    for r in rows:
        writer.writerow(
            [
                r.rank,
                r.team_id,
                r.team_name,
                r.submission_id,
                "" if score_hidden else repr(r.score),
                r.submitted_at.isoformat(),
                r.submissions,
                *(repr(r.scores[k]) if k in r.scores else "" for k in keys),
                *(repr(r.extra_scores[m]) if m in r.extra_scores else "" for m in extra),
            ]
        )
    return out.getvalue()
