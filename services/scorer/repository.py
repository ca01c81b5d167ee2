"""SQL over the ``scores``, ``rescores`` and ``rescore_items`` tables; the caller owns the
session and its transaction (``claims`` owns ``scoring_claims``)."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Row, exists, insert, literal, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.scorer.models import rescore_items, rescores, scores
from shared.db import as_aware, is_postgresql
from shared.events import Purpose, ScoringSpec


@dataclass(frozen=True)
class ScoreRecord:
    submission_id: uuid.UUID
    competition_id: uuid.UUID
    attempt: int
    status: str  # "scored" | "failed"
    metric: str
    higher_is_better: bool | None
    public_score: float | None
    private_score: float | None
    reason: str | None
    detail: str
    scored_at: datetime
    team_id: uuid.UUID | None = None
    team_name: str | None = None
    submitted_at: datetime | None = None
    is_smoke: bool = False
    predictions_key: str | None = None
    public_extra: dict[str, float] = field(default_factory=dict)
    private_extra: dict[str, float] = field(default_factory=dict)
    rescore_id: uuid.UUID | None = None
    # the stage the submission belongs to (None: the first, whose id is the competition's)
    stage_id: uuid.UUID | None = None
    purpose: Purpose = "compete"

    @property
    def stage(self) -> uuid.UUID:
        return self.stage_id or self.competition_id

    @property
    def public_scores(self) -> dict[str, float]:
        """Every column by key, the ranking one (``metric``) first."""
        if self.public_score is None:
            return {}
        return {self.metric: self.public_score, **self.public_extra}

    @property
    def private_scores(self) -> dict[str, float]:
        if self.private_score is None:
            return {}
        return {self.metric: self.private_score, **self.private_extra}

    def supersedes(self, attempt: int) -> bool:
        """True when this outcome makes a run of ``attempt`` stale (nothing to redo)."""
        return self.status == "scored" or self.attempt >= attempt


def _record(row: Row[Any]) -> ScoreRecord:
    return ScoreRecord(
        submission_id=uuid.UUID(row.submission_id),
        competition_id=uuid.UUID(row.competition_id),
        attempt=row.attempt,
        status=row.status,
        metric=row.metric,
        higher_is_better=row.higher_is_better,
        public_score=row.public_score,
        private_score=row.private_score,
        reason=row.reason,
        detail=row.detail,
        scored_at=as_aware(row.scored_at),
        team_id=uuid.UUID(row.team_id) if row.team_id else None,
        team_name=row.team_name,
        submitted_at=as_aware(row.submitted_at) if row.submitted_at else None,
        is_smoke=bool(row.is_smoke),
        predictions_key=row.predictions_key,
        public_extra=json.loads(row.public_extra),
        private_extra=json.loads(row.private_extra),
        rescore_id=uuid.UUID(row.rescore_id) if row.rescore_id else None,
        stage_id=uuid.UUID(row.stage_id) if row.stage_id else None,
        purpose=row.purpose,
    )


async def get(session: AsyncSession, submission_id: uuid.UUID) -> ScoreRecord | None:
    row = (await session.execute(select(scores).where(scores.c.submission_id == str(submission_id)))).first()
    return None if row is None else _record(row)


async def save(session: AsyncSession, record: ScoreRecord, *, replace: bool) -> None:
    values = {
        "submission_id": str(record.submission_id),
        "competition_id": str(record.competition_id),
        "attempt": record.attempt,
        "status": record.status,
        "metric": record.metric,
        "higher_is_better": record.higher_is_better,
        "public_score": record.public_score,
        "private_score": record.private_score,
        "reason": record.reason,
        "detail": record.detail,
        "scored_at": record.scored_at,
        "team_id": str(record.team_id) if record.team_id else None,
        "team_name": record.team_name,
        "submitted_at": record.submitted_at,
        "is_smoke": record.is_smoke,
        "predictions_key": record.predictions_key,
        "public_extra": json.dumps(record.public_extra, sort_keys=True),
        "private_extra": json.dumps(record.private_extra, sort_keys=True),
        "rescore_id": str(record.rescore_id) if record.rescore_id else None,
        "stage_id": str(record.stage),
        "purpose": record.purpose,
    }
    if replace:
        await session.execute(
            update(scores).where(scores.c.submission_id == values["submission_id"]).values(**values)
        )
    else:
        await session.execute(insert(scores).values(**values))


# --- rescoring ------------------------------------------------------------------------


@dataclass(frozen=True)
class Rescore:
    rescore_id: uuid.UUID
    competition_id: uuid.UUID
    spec: ScoringSpec
    status: str  # "running" | "done" | "failed"
    requested_at: datetime
    rescored: int
    failed: int
    skipped: int
    detail: str
    finished_at: datetime | None
    stage_id: uuid.UUID
    superseded: int = 0
    spec_checked_at: datetime | None = None


def _rescore(row: Row[Any]) -> Rescore:
    return Rescore(
        rescore_id=uuid.UUID(row.rescore_id),
        competition_id=uuid.UUID(row.competition_id),
        spec=ScoringSpec.model_validate_json(row.spec),
        status=row.status,
        requested_at=as_aware(row.requested_at),
        rescored=row.rescored,
        failed=row.failed,
        skipped=row.skipped,
        detail=row.detail,
        finished_at=as_aware(row.finished_at) if row.finished_at else None,
        stage_id=uuid.UUID(row.stage_id or row.competition_id),
        superseded=row.superseded,
        spec_checked_at=as_aware(row.spec_checked_at) if row.spec_checked_at else None,
    )


async def stage_lock(session: AsyncSession, stage_id: uuid.UUID, *, exclusive: bool) -> None:
    """Order a rescoring request (``exclusive``) against the scorings of the same stage, to
    the end of the transaction: a request then lists every score committed before it, and
    a scoring committed after it reads the request (and scores with its spec).

    PostgreSQL only (an advisory lock, shared by the scorings); SQLite has one writer at a
    time, and both transactions write before they read what the other wrote."""
    if not is_postgresql(session):
        return
    key = int.from_bytes(hashlib.blake2b(f"scorer-stage:{stage_id}".encode(), digest_size=8).digest(), "big")
    key -= 1 << 63  # a signed bigint
    fn = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    await session.execute(text(f"SELECT {fn}(:key)"), {"key": key})


async def get_rescore(session: AsyncSession, rescore_id: uuid.UUID) -> Rescore | None:
    row = (await session.execute(select(rescores).where(rescores.c.rescore_id == str(rescore_id)))).first()
    return None if row is None else _rescore(row)


async def add_rescore(
    session: AsyncSession,
    rescore_id: uuid.UUID,
    competition_id: uuid.UUID,
    stage_id: uuid.UUID,
    spec: ScoringSpec,
    at: datetime,
) -> int:
    """Record the rescoring and its items: every submission of the stage ever scored (a
    later rescoring may have failed it), smoke runs aside (they use the smoke labels).
    Returns how many items it has."""
    await stage_lock(session, stage_id, exclusive=True)
    await session.execute(
        insert(rescores).values(
            rescore_id=str(rescore_id),
            competition_id=str(competition_id),
            stage_id=str(stage_id),
            spec=spec.model_dump_json(),
            status="running",
            requested_at=at,
        )
    )
    rescorable = select(literal(str(rescore_id)), scores.c.submission_id).where(
        scores.c.competition_id == str(competition_id),
        scores.c.stage_id == str(stage_id),
        or_(scores.c.status == "scored", scores.c.rescore_id.is_not(None)),
        scores.c.is_smoke.is_(False),
    )
    result = await session.execute(
        insert(rescore_items).from_select(["rescore_id", "submission_id"], rescorable)
    )
    return max(0, result.rowcount or 0)  # type: ignore[attr-defined]


async def running_rescores(session: AsyncSession) -> list[Rescore]:
    query = select(rescores).where(rescores.c.status == "running").order_by(rescores.c.requested_at)
    return [_rescore(row) for row in (await session.execute(query)).all()]


async def latest_rescore(
    session: AsyncSession, competition_id: uuid.UUID, stage_id: uuid.UUID
) -> Rescore | None:
    """The stage's latest rescoring that has not failed (``stage_id``: the first stage's is
    the competition's): its spec is the stage's. A failed one changed nothing (the scores
    before it stand), so the one before it still rules."""
    r = rescores.c
    row = (
        await session.execute(
            select(rescores)
            .where(r.competition_id == str(competition_id), r.stage_id == str(stage_id), r.status != "failed")
            .order_by(r.requested_at.desc())
            .limit(1)
        )
    ).first()
    return None if row is None else _rescore(row)


async def overtaking_rescore(session: AsyncSession, rescore: Rescore) -> Rescore | None:
    """A later rescoring of the same stage that will rescore every item of ``rescore``
    itself: not failed, and its spec already found usable (one not checked yet may still
    fail, and then the items ``rescore`` left to it would keep their old scores)."""
    r = rescores.c
    row = (
        await session.execute(
            select(rescores)
            .where(
                r.competition_id == str(rescore.competition_id),
                r.stage_id == str(rescore.stage_id),
                r.requested_at > rescore.requested_at,
                r.status != "failed",
                r.spec_checked_at.is_not(None),
            )
            .order_by(r.requested_at.desc())
            .limit(1)
        )
    ).first()
    return None if row is None else _rescore(row)


async def mark_spec_checked(session: AsyncSession, rescore_id: uuid.UUID, at: datetime) -> None:
    """Record that the rescoring's labels were read and parsed (once; later checks keep it)."""
    r = rescores.c
    await session.execute(
        update(rescores)
        .where(r.rescore_id == str(rescore_id), r.spec_checked_at.is_(None))
        .values(spec_checked_at=at)
    )


async def count_try(session: AsyncSession, rescore_id: uuid.UUID, submission_id: uuid.UUID) -> int:
    """Count one failed try of an item; returns how many it has had."""
    i = rescore_items.c
    tries = await session.scalar(
        update(rescore_items)
        .where(i.rescore_id == str(rescore_id), i.submission_id == str(submission_id))
        .values(tries=i.tries + 1)
        .returning(i.tries)
    )
    return int(tries or 0)


async def finish_item(
    session: AsyncSession,
    rescore_id: uuid.UUID,
    submission_id: uuid.UUID,
    outcome: str,
    at: datetime,
    detail: str = "",
) -> bool:
    """Mark one item done, counting its outcome ("rescored" | "failed" | "skipped" |
    "superseded"); False (nothing counted) when it was done already."""
    done = await session.execute(
        update(rescore_items)
        .where(
            rescore_items.c.rescore_id == str(rescore_id),
            rescore_items.c.submission_id == str(submission_id),
            rescore_items.c.status == "pending",
        )
        .values(status=outcome, finished_at=at, detail=detail)
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        return False
    column = rescores.c[outcome]
    await session.execute(
        update(rescores).where(rescores.c.rescore_id == str(rescore_id)).values({column: column + 1})
    )
    return True


async def finish_rescore(
    session: AsyncSession, rescore_id: uuid.UUID, status: str, at: datetime, detail: str = ""
) -> bool:
    """End a running rescoring (``status``: "done" | "failed"); False if it had ended. "done"
    only once no item is pending: the replica that sees the last item go ends it."""
    query = update(rescores).where(rescores.c.rescore_id == str(rescore_id), rescores.c.status == "running")
    if status == "done":
        pending = select(rescore_items.c.submission_id).where(
            rescore_items.c.rescore_id == str(rescore_id), rescore_items.c.status == "pending"
        )
        query = query.where(~exists(pending))
    result = await session.execute(query.values(status=status, finished_at=at, detail=detail))
    return bool(result.rowcount)  # type: ignore[attr-defined]
