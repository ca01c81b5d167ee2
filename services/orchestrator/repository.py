"""SQL over the ``executions`` table; callers own the session and its transaction.

The status only moves forward: ``queued -> running -> finished``, or ``cancelled`` from
queued or running. A run interrupted by a platform fault goes back to ``queued`` with
the next attempt number, which is the one exception and is always made by the
scheduler. Updates are compare-and-set on the status (and attempt), so a stale writer
changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.orchestrator.models import ExecutionStatus, executions
from shared.events import SubmissionQueued, utcnow

E = executions.c


async def get(session: AsyncSession, submission_id: str) -> Row[Any] | None:
    return (await session.execute(select(executions).where(E.submission_id == submission_id))).first()


async def insert_queued(session: AsyncSession, event: SubmissionQueued) -> bool:
    """Record a queued submission; False if it is already known (a duplicate, or cancelled first)."""
    if await get(session, str(event.submission_id)) is not None:
        return False
    await session.execute(
        executions.insert().values(
            submission_id=str(event.submission_id),
            competition_id=str(event.competition_id),
            team_id=str(event.team_id),
            attempt=1,
            status=ExecutionStatus.QUEUED,
            snapshot=event.model_dump_json(),
            cancel_requested=False,
            detail="",
            queued_at=utcnow(),
        )
    )
    return True


async def request_cancel(session: AsyncSession, submission_id: str) -> ExecutionStatus | None:
    """Cancel a queued execution at once, flag a running one. Returns the status it had.

    A cancellation that arrives before its submission leaves a cancelled row behind, so
    the late ``submission.queued`` finds it and runs nothing.
    """
    row = await get(session, submission_id)
    now = utcnow()
    if row is None:
        await session.execute(
            executions.insert().values(
                submission_id=submission_id,
                attempt=1,
                status=ExecutionStatus.CANCELLED,
                cancel_requested=True,
                detail="",
                queued_at=now,
                finished_at=now,
            )
        )
        return None
    status = ExecutionStatus(row.status)
    if status == ExecutionStatus.QUEUED:
        await session.execute(
            update(executions)
            .where(E.submission_id == submission_id, E.status == ExecutionStatus.QUEUED)
            .values(status=ExecutionStatus.CANCELLED, cancel_requested=True, finished_at=now)
        )
    elif status == ExecutionStatus.RUNNING:
        await session.execute(
            update(executions).where(E.submission_id == submission_id).values(cancel_requested=True)
        )
    return status


async def oldest_queued(session: AsyncSession, limit: int, exclude: Sequence[str] = ()) -> list[Row[Any]]:
    query = (
        select(executions)
        .where(E.status == ExecutionStatus.QUEUED)
        .order_by(E.queued_at, E.submission_id)
        .limit(limit)
    )
    if exclude:
        query = query.where(E.submission_id.not_in(list(exclude)))
    return list((await session.execute(query)).all())


async def mark_running(session: AsyncSession, submission_id: str, attempt: int, now: datetime) -> bool:
    result = await session.execute(
        update(executions)
        .where(
            E.submission_id == submission_id,
            E.status == ExecutionStatus.QUEUED,
            E.attempt == attempt,
        )
        .values(status=ExecutionStatus.RUNNING, started_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def mark_finished(session: AsyncSession, submission_id: str, attempt: int, **values: Any) -> bool:
    result = await session.execute(
        update(executions)
        .where(
            E.submission_id == submission_id,
            E.status == ExecutionStatus.RUNNING,
            E.attempt == attempt,
        )
        .values(finished_at=utcnow(), **values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def requeue(session: AsyncSession, submission_id: str, attempt: int) -> bool:
    """Back to the queue for attempt ``attempt + 1`` (after a platform fault)."""
    result = await session.execute(
        update(executions)
        .where(
            E.submission_id == submission_id,
            E.status == ExecutionStatus.RUNNING,
            E.attempt == attempt,
        )
        .values(status=ExecutionStatus.QUEUED, attempt=attempt + 1, started_at=None)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def running(session: AsyncSession) -> list[Row[Any]]:
    return list((await session.execute(select(executions).where(E.status == ExecutionStatus.RUNNING))).all())


async def count_by_status(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(E.status, func.count()).group_by(E.status))
    return {status: n for status, n in rows.all()}
