"""SQL over the ``scores`` table; the caller owns the session and its transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.scorer.models import scores
from shared.db import as_aware


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

    def supersedes(self, attempt: int) -> bool:
        """True when this outcome makes a run of ``attempt`` stale (nothing to redo)."""
        return self.status == "scored" or self.attempt >= attempt


async def get(session: AsyncSession, submission_id: uuid.UUID) -> ScoreRecord | None:
    row = (await session.execute(select(scores).where(scores.c.submission_id == str(submission_id)))).first()
    if row is None:
        return None
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
    )


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
    }
    if replace:
        await session.execute(
            update(scores).where(scores.c.submission_id == values["submission_id"]).values(**values)
        )
    else:
        await session.execute(insert(scores).values(**values))
