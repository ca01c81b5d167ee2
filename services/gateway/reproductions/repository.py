"""Reproduction queries; never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.models import Submission
from services.gateway.submissions.schemas import SubmissionStatus


async def reruns_of(session: AsyncSession, original_id: uuid.UUID) -> Sequence[Submission]:
    """The host's reproductions of ``original_id``, oldest first."""
    rows = await session.scalars(
        select(Submission)
        .where(Submission.rerun_of == original_id, Submission.purpose == "reproduce")
        .order_by(Submission.created_at, Submission.id)
    )
    return rows.all()


async def scored_entries(session: AsyncSession, stage_id: uuid.UUID) -> Sequence[Submission]:
    """A stage's scored competing runs (what its public board ranks), oldest first."""
    rows = await session.scalars(
        select(Submission)
        .where(
            Submission.stage_id == stage_id,
            Submission.status == SubmissionStatus.SCORED.value,
            Submission.is_smoke.is_(False),
            Submission.purpose != "reproduce",
            Submission.public_score.is_not(None),
        )
        .order_by(Submission.created_at, Submission.id)
    )
    return rows.all()
