"""SQL over the ``executions`` table; callers own the session and its transaction.

The status only moves forward: ``queued -> running -> finished``, or ``cancelled`` from
queued or running. A run interrupted by a platform fault goes back to ``queued`` with
the next attempt number, which is the one exception and is always made by the
scheduler. Updates are compare-and-set on the status (and attempt), so a stale writer
changes nothing; those of a running attempt compare its ``owner`` too, so a replica that
lost its lease changes nothing either. The SQL of leases themselves is in ``leases.py``
(``lease_end``: a claim's lease, like a renewal's, ends by the database's clock).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.orchestrator.leases import lease_end
from services.orchestrator.models import ExecutionStatus, executions
from shared.db import as_aware, is_postgresql
from shared.events import SubmissionQueued, utcnow

E = executions.c

# the PostgreSQL advisory lock that serialises claims across replicas (any constant
# of the orchestrator's own database; b"holdout\x01" as a number)
CLAIM_LOCK = 0x686F6C646F757401


async def get(session: AsyncSession, submission_id: str, *, for_update: bool = False) -> Row[Any] | None:
    query = select(executions).where(E.submission_id == submission_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).first()


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
            max_concurrent=event.execution.max_concurrent_runs,
            purpose=event.purpose,
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

    The row is locked first: read unlocked, a run claimed meanwhile (``mark_running``
    committing between the read and the update) would leave a "queued" update that
    matches nothing, and the cancel would be lost with the run going on.
    """
    row = await get(session, submission_id, for_update=True)
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


async def queued_heads(session: AsyncSession, per_group: int, exclude: Sequence[str] = ()) -> list[Row[Any]]:
    """The ``per_group`` oldest queued executions of each (team, competition), competing
    runs before reproductions: every run the fair-share pick could choose for
    ``per_group`` free slots, however long one team's queue is."""
    rank = (
        func.row_number()
        .over(
            partition_by=(E.team_id, E.competition_id),
            order_by=(E.purpose == "reproduce", E.queued_at, E.submission_id),
        )
        .label("rank")
    )
    now = utcnow()
    inner = select(executions, rank).where(
        E.status == ExecutionStatus.QUEUED, or_(E.not_before.is_(None), E.not_before <= now)
    )
    if exclude:
        inner = inner.where(E.submission_id.not_in(list(exclude)))
    ranked = inner.subquery()
    query = select(ranked).where(ranked.c.rank <= per_group).order_by(ranked.c.queued_at)
    return list((await session.execute(query)).all())


async def running_counts(session: AsyncSession) -> tuple[dict[str, int], dict[str, int]]:
    """Executions running now, by team and by competition (a host's reproductions count
    against the competition's cap but not against the team's fair share)."""
    rows = (
        await session.execute(
            select(E.team_id, E.competition_id, E.purpose, func.count())
            .where(E.status == ExecutionStatus.RUNNING)
            .group_by(E.team_id, E.competition_id, E.purpose)
        )
    ).all()
    by_team: dict[str, int] = {}
    by_competition: dict[str, int] = {}
    for team, competition, purpose, n in rows:
        if purpose != "reproduce":
            by_team[team] = by_team.get(team, 0) + n
        by_competition[competition] = by_competition.get(competition, 0) + n
    return by_team, by_competition


async def last_started(session: AsyncSession, team_ids: Sequence[str]) -> dict[str, datetime]:
    """When each team last had a competing run started (teams that never had one are absent)."""
    if not team_ids:
        return {}
    rows = await session.execute(
        select(E.team_id, func.max(E.started_at))
        .where(E.team_id.in_(list(team_ids)), E.started_at.is_not(None), E.purpose != "reproduce")
        .group_by(E.team_id)
    )
    return {team: as_aware(at) for team, at in rows.all() if at is not None}


async def lock_claims(session: AsyncSession) -> None:
    """Serialise the claims of every replica until this transaction ends, so the counts
    a claim reads stay true until it commits. SQLite needs none: its writers are serial,
    and one embedded process is its only replica."""
    if is_postgresql(session):
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CLAIM_LOCK})


async def mark_running(
    session: AsyncSession,
    submission_id: str,
    attempt: int,
    now: datetime,
    *,
    owner: str,
    lease_until: datetime,
) -> bool:
    result = await session.execute(
        update(executions)
        .where(
            E.submission_id == submission_id,
            E.status == ExecutionStatus.QUEUED,
            E.attempt == attempt,
        )
        .values(
            status=ExecutionStatus.RUNNING,
            started_at=now,
            owner=owner,
            lease_expires_at=lease_end(session, now, lease_until),
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _held(submission_id: str, attempt: int, owner: str) -> Any:
    """The row of a running attempt that ``owner`` holds (the compare-and-set of its end)."""
    return and_(
        E.submission_id == submission_id,
        E.status == ExecutionStatus.RUNNING,
        E.attempt == attempt,
        E.owner == owner,
    )


async def mark_finished(
    session: AsyncSession, submission_id: str, attempt: int, *, owner: str, **values: Any
) -> bool:
    result = await session.execute(
        update(executions)
        .where(_held(submission_id, attempt, owner))
        .values(finished_at=utcnow(), lease_expires_at=None, **values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def requeue(session: AsyncSession, submission_id: str, attempt: int, *, owner: str) -> bool:
    """Back to the queue for attempt ``attempt + 1`` (after a platform fault)."""
    result = await session.execute(
        update(executions)
        .where(_held(submission_id, attempt, owner))
        .values(
            status=ExecutionStatus.QUEUED,
            attempt=attempt + 1,
            started_at=None,
            owner=None,
            lease_expires_at=None,
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def defer(
    session: AsyncSession, submission_id: str, attempt: int, not_before: datetime, *, owner: str
) -> bool:
    """Back to the queue for the same attempt, not to start before ``not_before``.

    For a platform fault that clears with time (a full disk): the attempt is not used up.
    """
    result = await session.execute(
        update(executions)
        .where(_held(submission_id, attempt, owner))
        .values(
            status=ExecutionStatus.QUEUED,
            started_at=None,
            not_before=not_before,
            deferrals=E.deferrals + 1,
            owner=None,
            lease_expires_at=None,
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def running(session: AsyncSession) -> list[Row[Any]]:
    return list((await session.execute(select(executions).where(E.status == ExecutionStatus.RUNNING))).all())


async def count_by_status(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(E.status, func.count()).group_by(E.status))
    return {status: n for status, n in rows.all()}


# -- the queue as a whole (``queue.py``: positions and start estimates) --


async def queue(session: AsyncSession) -> list[Any]:
    """Every queued execution, oldest first: what the fair share will serve."""
    query = (
        select(E.submission_id, E.team_id, E.competition_id, E.queued_at, E.not_before, E.max_concurrent)
        .where(E.status == ExecutionStatus.QUEUED)
        .order_by(E.queued_at, E.submission_id)
    )
    return list((await session.execute(query)).all())


async def statuses(session: AsyncSession, submission_ids: Sequence[str]) -> dict[str, str]:
    if not submission_ids:
        return {}
    rows = await session.execute(
        select(E.submission_id, E.status).where(E.submission_id.in_(list(submission_ids)))
    )
    return {sid: status for sid, status in rows.all()}


async def running_brief(session: AsyncSession) -> list[Any]:
    query = select(E.team_id, E.competition_id, E.started_at).where(E.status == ExecutionStatus.RUNNING)
    return [r for r in (await session.execute(query)).all() if r.started_at is not None]


def _waiting_or_running() -> Any:
    return E.status.in_((ExecutionStatus.QUEUED, ExecutionStatus.RUNNING))


async def last_started_of_queued(session: AsyncSession) -> dict[str, datetime]:
    """``last_started`` of every team with a queued run (a subquery, not a list of ids:
    ten thousand teams would not fit in one statement's parameters)."""
    teams = select(E.team_id).where(E.status == ExecutionStatus.QUEUED).distinct()
    rows = await session.execute(
        select(E.team_id, func.max(E.started_at))
        .where(E.team_id.in_(teams), E.started_at.is_not(None))
        .group_by(E.team_id)
    )
    return {team: as_aware(at) for team, at in rows.all() if at is not None}


async def recent_runs(session: AsyncSession, per_competition: int) -> list[tuple[str, datetime, datetime]]:
    """(competition, started_at, finished_at) of the latest ``per_competition`` finished
    runs of each competition with a run queued or going."""
    competitions = select(E.competition_id).where(_waiting_or_running()).distinct()
    rank = (
        func.row_number()
        .over(partition_by=E.competition_id, order_by=(E.finished_at.desc(), E.submission_id))
        .label("rank")
    )
    ranked = (
        select(E.competition_id, E.started_at, E.finished_at, rank)
        .where(
            E.status == ExecutionStatus.FINISHED,
            E.started_at.is_not(None),
            E.finished_at.is_not(None),
            E.competition_id.in_(competitions),
        )
        .subquery()
    )
    rows = await session.execute(
        select(ranked.c.competition_id, ranked.c.started_at, ranked.c.finished_at).where(
            ranked.c.rank <= per_competition
        )
    )
    return [(c, s, f) for c, s, f in rows.all()]


async def latest_snapshot(session: AsyncSession, competition_id: str) -> str | None:
    """The newest queued or running run's ``SubmissionQueued`` snapshot in a competition."""
    query = (
        select(E.snapshot)
        .where(E.competition_id == competition_id, _waiting_or_running())
        .order_by(E.queued_at.desc())
        .limit(1)
    )
    snapshot: str | None = (await session.execute(query)).scalar()
    return snapshot
