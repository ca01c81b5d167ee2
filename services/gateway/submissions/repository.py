"""Submission queries, and the staging of ``submission.queued``; never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, not_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.models import QueuedEvent, Submission, Team, outbox
from shared.db import add_event
from shared.events import FailureReason, SubmissionQueued


async def get(
    session: AsyncSession, submission_id: uuid.UUID, *, for_update: bool = False
) -> Submission | None:
    stmt = select(Submission).where(Submission.id == submission_id)
    if for_update:
        stmt = stmt.with_for_update()
    found: Submission | None = await session.scalar(stmt)
    return found


async def stage_queued(session: AsyncSession, event: SubmissionQueued) -> None:
    """Stage ``event`` in the outbox and keep it beside its submission (``queued_events``):
    what the reconciler publishes again if the orchestrator never saw it."""
    await add_event(session, outbox, event)
    session.add(QueuedEvent(submission_id=event.submission_id, body=event.model_dump_json()))


async def queued_of(session: AsyncSession, submission_id: uuid.UUID) -> SubmissionQueued | None:
    """The ``submission.queued`` that ``submission_id`` was queued with (None: queued
    before the events were kept, and no longer in the outbox when they began to be)."""
    body = await session.scalar(select(QueuedEvent.body).where(QueuedEvent.submission_id == submission_id))
    return SubmissionQueued.model_validate_json(body) if body is not None else None


async def team_names(session: AsyncSession, team_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not team_ids:
        return {}
    rows = await session.execute(select(Team.id, Team.name).where(Team.id.in_(team_ids)))
    return {row.id: row.name for row in rows}


async def page(
    session: AsyncSession,
    competition_id: uuid.UUID,
    team_id: uuid.UUID | None,
    offset: int,
    limit: int,
) -> tuple[Sequence[Submission], int]:
    """Newest first; ``team_id`` None means every team's (the host's view, which alone
    shows the host's reproductions)."""
    where = [Submission.competition_id == competition_id]
    if team_id is not None:
        where += [Submission.team_id == team_id, Submission.purpose != "reproduce"]
    total = await session.scalar(select(func.count()).select_from(Submission).where(*where)) or 0
    rows = await session.scalars(
        select(Submission)
        .where(*where)
        .order_by(Submission.created_at.desc(), Submission.id)
        .offset(offset)
        .limit(limit)
    )
    return rows.all(), total


async def lock_team(session: AsyncSession, team_id: uuid.UUID, now: datetime) -> None:
    """Serialise a team's submissions: a write before anything is read."""
    await session.execute(update(Team).where(Team.id == team_id).values(last_submitted_at=now))


async def count_against_quota(
    session: AsyncSession, team_id: uuid.UUID, stage_id: uuid.UUID, *, is_smoke: bool, since: datetime
) -> int:
    """A stage's submissions that use quota: not the platform's failures, not cancelled
    before running, not re-runs of earlier submissions (a stage's, a host's reproductions)."""
    count = await session.scalar(
        select(func.count())
        .select_from(Submission)
        .where(
            Submission.team_id == team_id,
            Submission.stage_id == stage_id,
            Submission.rerun_of.is_(None),
            Submission.is_smoke == is_smoke,
            Submission.created_at >= since,
            not_(_refunded()),
            not_(and_(Submission.status == "cancelled", Submission.started_at.is_(None))),
        )
    )
    return count or 0


def _refunded() -> ColumnElement[bool]:
    """The platform's failures: they use no quota and no budget."""
    return and_(
        Submission.status == "failed", Submission.failure_reason == FailureReason.INTERNAL_ERROR.value
    )


async def compute_used(session: AsyncSession, team_id: uuid.UUID, stage_id: uuid.UUID) -> tuple[float, float]:
    """The CPU and GPU seconds a team's runs in a stage measured (``resources``; null until a
    run finished), smoke runs included, the platform's failures and the stage's re-runs not."""

    def total(key: str) -> ColumnElement[float]:
        return func.coalesce(func.sum(Submission.resources[key].as_float()), 0.0)

    row = (
        await session.execute(
            select(total("cpu_seconds"), total("gpu_seconds")).where(
                Submission.team_id == team_id,
                Submission.stage_id == stage_id,
                Submission.rerun_of.is_(None),
                not_(_refunded()),
            )
        )
    ).one()
    return float(row[0]), float(row[1])
