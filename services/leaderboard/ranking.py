"""Board order: the pure rules that rank a stage's entries by its columns.

Sits under ``repository`` (which stores what these functions compute) and knows no SQL.
A stage's columns come from ``competition.updated`` (``StageBoard.columns``); a
competition that sent no stages has one stage, its own, ranked by ``metric`` alone.

The order of a board is a byte string per row (``sort_key``): for every column, a
presence byte (a missing value sorts after every value) and the value as 8 bytes that
compare like the numbers, negated when higher is better; then the submission time and
the submission id. Comparing two keys byte by byte is the board order: first column in
its direction, ties broken by the next columns in order, then the earlier submission,
then the smaller id (so the order is total). Both databases compare binary values byte
by byte (PostgreSQL ``bytea``, SQLite ``BLOB``), so a board page is one index range scan
and a team's rank one range count, however many columns rank it.
"""

from __future__ import annotations

import json
import math
import struct
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.db import as_aware
from shared.events import ScoreColumn, StageBoard

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_PRESENT = b"\x00"
_MISSING = b"\x01" + bytes(8)
_SIGN = 1 << 63
_ALL = (1 << 64) - 1


@dataclass(frozen=True)
class BoardColumn:
    """One column as the boards use it (a ``ScoreColumn`` without its scoring recipe)."""

    key: str
    higher_is_better: bool = True
    precision: int = 4
    hidden: bool = False
    # the old form's one column: each entry's ranking score (``public_score``/``private_score``)
    # whatever metric it was scored with, as boards ranked before columns existed
    primary: bool = False

    @classmethod
    def of(cls, column: ScoreColumn) -> BoardColumn:
        return cls(column.key, column.higher_is_better, column.precision, column.hidden)

    def describe(self) -> dict[str, Any]:
        return {"key": self.key, "higher_is_better": self.higher_is_better, "precision": self.precision}


def utc(value: datetime) -> datetime:
    # SQLite keeps the wall-clock time and drops the offset: store UTC so that ordering
    # by time means the same on both databases
    return as_aware(value).astimezone(UTC)


def parse_stages(raw: str | None) -> tuple[StageBoard, ...]:
    return tuple(StageBoard.model_validate(s) for s in json.loads(raw or "[]"))


def stage_columns(
    stages: Sequence[StageBoard],
    stage_id: uuid.UUID,
    metric: str | None,
    higher_is_better: bool | None,
) -> tuple[BoardColumn, ...]:
    """The columns ranking ``stage_id``'s boards.

    A stage the competition has not announced (no stages sent yet, or its scores came
    before the update naming it) is ranked like the first stage of the old form: by
    the competition's metric alone, as every board was before columns existed.
    """
    for stage in stages:
        if stage.stage_id == stage_id:
            return tuple(BoardColumn.of(c) for c in stage.columns)
    if metric is None:
        return ()
    direction = higher_is_better if higher_is_better is not None else True
    return (BoardColumn(metric, direction, primary=True),)


def _ordered(value: float) -> bytes:
    """8 bytes that compare (unsigned, big-endian) as the doubles do."""
    bits: int = struct.unpack(">Q", struct.pack(">d", value + 0.0))[0]  # + 0.0: -0.0 ties 0.0
    return (bits ^ _ALL if bits & _SIGN else bits | _SIGN).to_bytes(8, "big")


def sort_key(
    scores: Mapping[str, float],
    columns: Sequence[BoardColumn],
    submitted_at: datetime,
    submission_id: str,
) -> bytes:
    parts = []
    for column in columns:
        value = scores.get(column.key)
        if value is None or math.isnan(value):
            parts.append(_MISSING)
        else:
            parts.append(_PRESENT + _ordered(-value if column.higher_is_better else value))
    micros = (utc(submitted_at) - EPOCH) // timedelta(microseconds=1)
    parts.append((micros + _SIGN).to_bytes(8, "big"))
    parts.append(uuid.UUID(submission_id).bytes)
    return b"".join(parts)


def entry_scores(row: Any) -> tuple[dict[str, float], dict[str, float]]:
    """(public, private) scores of an ``entries`` row by column key.

    Rows recorded before columns existed keep them in the old fields: the metric's
    score plus the extra metrics."""
    public: dict[str, float] = json.loads(row.scores or "{}")
    private: dict[str, float] = json.loads(row.private_scores or "{}")
    if not public:
        public = {**json.loads(row.public_extra or "{}"), row.metric: row.public_score}
    if not private and row.private_score is not None:
        private = {**json.loads(row.private_extra or "{}"), row.metric: row.private_score}
    return public, private


@dataclass(frozen=True)
class Candidate:
    """One entry of a team, with its place-deciding keys on both boards."""

    row: Any
    public: dict[str, float]
    private: dict[str, float]
    public_sort: bytes | None  # None: no value in the first column, so no public place
    private_sort: bytes | None


def candidates(rows: Sequence[Any], columns: Sequence[BoardColumn]) -> list[Candidate]:
    first = columns[0].key if columns else None
    found = []
    for row in rows:
        public, private = entry_scores(row)
        if columns and columns[0].primary:
            public = {**public, columns[0].key: row.public_score}
            if row.private_score is not None:
                private = {**private, columns[0].key: row.private_score}
        at, sid = row.submitted_at, row.submission_id
        found.append(
            Candidate(
                row,
                public,
                private,
                sort_key(public, columns, at, sid) if first is not None and first in public else None,
                sort_key(private, columns, at, sid) if first is not None and first in private else None,
            )
        )
    return found


def team_row(
    rows: Sequence[Any],
    selection: Sequence[str] | None,
    columns: Sequence[BoardColumn],
    final_count: int,
) -> dict[str, Any] | None:
    """A team's ``team_best`` values for one stage; None when it has no public place.

    Public: its best entry. Private: its best entry among its finals: the selected
    ones, or by default its best ``final_count`` by the public order."""
    found = candidates(rows, columns)
    by_public = sorted((c for c in found if c.public_sort is not None), key=lambda c: c.public_sort or b"")
    if not by_public:
        return None
    best = by_public[0]
    if selection:
        chosen = set(selection)
        finals = [c for c in found if c.row.submission_id in chosen]
    else:
        finals = by_public[:final_count]
    scored_finals = [c for c in finals if c.private_sort is not None]
    private = min(scored_finals, key=lambda c: c.private_sort or b"") if scored_finals else None
    first = columns[0].key
    return {
        "team_name": max(rows, key=lambda r: utc(r.submitted_at)).team_name,
        "submissions": len(rows),
        "public_submission_id": best.row.submission_id,
        "public_score": best.public[first],
        "public_sort": best.public_sort,
        "public_submitted_at": utc(best.row.submitted_at),
        "public_extra": best.row.public_extra,
        "public_scores": json.dumps(best.public, sort_keys=True),
        "private_submission_id": private.row.submission_id if private else None,
        "private_score": private.private[first] if private else None,
        "private_sort": private.private_sort if private else None,
        "private_submitted_at": utc(private.row.submitted_at) if private else None,
        "private_extra": private.row.private_extra if private else "{}",
        "private_scores": json.dumps(private.private, sort_keys=True) if private else "{}",
    }
