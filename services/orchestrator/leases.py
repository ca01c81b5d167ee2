"""Leases: how several orchestrator replicas share one database.

Every replica has an id (``HOLDOUT_REPLICA_ID``, else a new one per process). A replica
that starts an attempt writes its id as the row's ``owner`` and a lease
(``lease_expires_at``, ``HOLDOUT_LEASE_SECONDS`` ahead), and renews the leases of the
runs it has every third of that (``Leases``, a background loop). A replica writes a
running row's end only while it holds it (``repository.mark_finished``, ``requeue`` and
``defer`` compare the owner), so once another replica took a row over the first one
records nothing.

- The renewal also reports what happened to the rows elsewhere: a row it no longer
  holds (another replica took it over) is dropped here, its run stopped without
  recording anything; a row whose cancel was requested (the ``submission.cancelled``
  consumer may be on any replica) is cancelled by the replica that holds it.
- A replica that could not renew its leases for most of a lease (``FENCE_FRACTION``:
  the database is out of reach) stops its runs itself, before another replica may take
  them over, so no attempt runs in two places.
- A running row whose lease ran out belongs to a dead replica: the scheduler's
  reconcile (``Scheduler.reconcile``, at start-up and every ``reconcile_seconds``) takes
  it over with a compare-and-set (``take_over``), so exactly one replica
  does, and ends it as interrupted (a local run: queued again as its next attempt) or,
  for an executor whose runs live outside the process (Kubernetes pods), runs the same
  attempt again, which adopts the pod.
- A replica shutting down lets its leases run out at once (``release``), so a rolling
  update hands its runs over without waiting.

Lease ends and expiry are the database's clock on PostgreSQL (``now()``), never a
replica's (as the scorer's claims): a replica whose clock is off by an hour neither
takes over a live run nor writes a lease that outlives it by an hour. The ``now`` and
``until`` the callers pass are their own clock: on PostgreSQL only the lease's length
(``until - now``) is taken from them; SQLite is one process on one host, whose clock
is the database's. (The fence counts on this process's monotonic clock.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import ColumnElement, Row, and_, func, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.orchestrator.models import ExecutionStatus, executions
from shared.db import is_postgresql, transaction
from shared.events import utcnow
from shared.loops import BackgroundLoop
from shared.runtime import ServiceRuntime

log = structlog.get_logger(__name__)

E = executions.c

# a replica that could not renew for this part of a lease stops its runs: the rest of
# the lease is the margin before another replica may take them over
FENCE_FRACTION = 0.8


class Leases:
    """The heartbeat of one replica's runs: ``held()`` names them (submission id ->
    attempt), ``lost(ids)`` stops runs this replica no longer holds (and returns those it
    stopped), ``cancel(id)`` one whose cancel was requested."""

    def __init__(
        self,
        rt: ServiceRuntime,
        replica_id: str,
        *,
        lease_seconds: float,
        held: Callable[[], dict[str, int]],
        lost: Callable[[list[str]], list[str]],
        cancel: Callable[[str], bool],
    ) -> None:
        self.rt = rt
        self.replica_id = replica_id
        self.lease_seconds = lease_seconds
        self.interval_s = lease_seconds / 3
        self._held = held
        self._lost = lost
        self._cancel = cancel
        self._loop = BackgroundLoop(
            "orchestrator-leases", self.renew, interval_s=self.interval_s, backoff_ceiling_s=self.interval_s
        )
        self._fence: asyncio.TimerHandle | None = None
        self.fenced = 0  # times this replica stopped its runs for want of a renewal

    def until(self, now: datetime) -> datetime:
        """When a lease taken or renewed at ``now`` runs out."""
        return now + timedelta(seconds=self.lease_seconds)

    def start(self) -> None:
        self._arm(asyncio.get_running_loop().time())
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()
        if self._fence is not None:
            self._fence.cancel()
            self._fence = None

    async def renew(self) -> None:
        """One heartbeat: extend the leases of the runs held here, drop the runs another
        replica took over, cancel those whose cancel was requested."""
        held = self._held()
        started = asyncio.get_running_loop().time()
        rows: list[Any] = []
        if held:
            # a slow database may take a while (the fence counts from the last renewal's
            # start either way), but a hung call must give way to the next try
            async with asyncio.timeout(self.lease_seconds / 2), transaction(self.rt.sessionmaker) as session:
                now = utcnow()
                rows = await renew_held(session, self.replica_id, list(held.items()), now, self.until(now))
        self._arm(started)
        kept = {row.submission_id for row in rows}
        # a run missing from the renewal was taken over, unless it just ended here
        if dropped := self._lost([sid for sid in held if sid not in kept]):
            log.warning("execution.lease_lost", submission_ids=dropped, replica=self.replica_id)
        for row in rows:
            if row.cancel_requested:
                self._cancel(row.submission_id)

    async def release(self) -> None:
        """Shutting down: let this replica's leases run out now (best effort: else they
        run out by themselves)."""
        try:
            async with asyncio.timeout(self.interval_s), transaction(self.rt.sessionmaker) as session:
                released = await release_all(session, self.replica_id, utcnow())
        except Exception as exc:
            log.warning("replica.release_failed", replica=self.replica_id, error=repr(exc))
            return
        if released:
            log.info("replica.leases_released", replica=self.replica_id, runs=released)

    def _arm(self, renewed_at: float) -> None:
        """(Re)start the fence's clock from a renewal that began at ``renewed_at``."""
        if self._fence is not None:
            self._fence.cancel()
        loop = asyncio.get_running_loop()
        self._fence = loop.call_at(renewed_at + FENCE_FRACTION * self.lease_seconds, self._fence_runs)

    def _fence_runs(self) -> None:
        if stopped := self._lost(list(self._held())):
            self.fenced += 1
            log.error(
                "replica.fenced",
                replica=self.replica_id,
                submission_ids=stopped,
                detail=f"the leases could not be renewed for {FENCE_FRACTION * self.lease_seconds:g} s",
            )
        # while renewals keep failing, stop whatever this replica starts meanwhile too
        self._fence = asyncio.get_running_loop().call_later(self.interval_s, self._fence_runs)


# -- the SQL of leases (callers own the session and its transaction) --


def db_now(session: AsyncSession, now: datetime) -> ColumnElement[datetime] | datetime:
    """The clock leases are compared with: the database's on PostgreSQL (every replica
    reads the same one), else ``now`` (SQLite: this host's clock is the database's)."""
    return func.now() if is_postgresql(session) else now


def lease_end(session: AsyncSession, now: datetime, until: datetime) -> ColumnElement[datetime] | datetime:
    """When a lease taken at the caller's ``now`` to its ``until`` runs out: the same
    length from the database's clock on PostgreSQL."""
    return func.now() + (until - now) if is_postgresql(session) else until


async def renew_held(
    session: AsyncSession, owner: str, held: Sequence[tuple[str, int]], now: datetime, until: datetime
) -> list[Row[Any]]:
    """Extend the lease of the attempts ``owner`` holds; returns (submission_id,
    cancel_requested) of those it still holds (a missing one was taken over)."""
    if not held:
        return []
    result = await session.execute(
        update(executions)
        .where(
            E.owner == owner,
            E.status == ExecutionStatus.RUNNING,
            tuple_(E.submission_id, E.attempt).in_(list(held)),
        )
        .values(lease_expires_at=lease_end(session, now, until))
        .returning(E.submission_id, E.cancel_requested)
    )
    return list(result.all())


async def cancels_for(session: AsyncSession, owner: str) -> list[str]:
    """Running attempts held by ``owner`` whose cancel was requested (on any replica)."""
    rows = await session.execute(
        select(E.submission_id).where(
            E.owner == owner, E.status == ExecutionStatus.RUNNING, E.cancel_requested.is_(True)
        )
    )
    return list(rows.scalars().all())


def _orphaned(session: AsyncSession, owner: str, now: datetime) -> Any:
    """Held by ``owner`` itself, by no one, or by a replica whose lease ran out."""
    expired = E.lease_expires_at < db_now(session, now)
    return or_(E.owner == owner, E.owner.is_(None), E.lease_expires_at.is_(None), expired)


async def orphans(session: AsyncSession, owner: str, now: datetime, exclude: Sequence[str]) -> list[Row[Any]]:
    """Running rows no live replica holds: their lease expired (the replica died), they
    have none (written before leases), or ``owner`` holds them with no run (``exclude``
    are the runs it has)."""
    query = select(executions).where(E.status == ExecutionStatus.RUNNING, _orphaned(session, owner, now))
    if exclude:
        query = query.where(E.submission_id.not_in(list(exclude)))
    return list((await session.execute(query)).all())


async def take_over(session: AsyncSession, row: Row[Any], owner: str, now: datetime, until: datetime) -> bool:
    """Hold the orphan ``row`` for ``owner`` if nobody else took it since it was read."""
    same_owner = E.owner.is_(None) if row.owner is None else E.owner == row.owner
    result = await session.execute(
        update(executions)
        .where(
            E.submission_id == row.submission_id,
            E.status == ExecutionStatus.RUNNING,
            E.attempt == row.attempt,
            same_owner,
            _orphaned(session, owner, now),
        )
        .values(owner=owner, lease_expires_at=lease_end(session, now, until))
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def release_all(session: AsyncSession, owner: str, now: datetime) -> int:
    """Let the leases of ``owner`` run out now (it is shutting down), so another replica,
    or its own restart, takes its runs over at once."""
    result = await session.execute(
        update(executions)
        .where(E.owner == owner, E.status == ExecutionStatus.RUNNING)
        .values(lease_expires_at=db_now(session, now))
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def live_attempts(session: AsyncSession) -> list[tuple[str, int]]:
    """(submission, attempt) of every queued execution and every running one not being
    cancelled: what an executor whose runs live outside the process must not clean up
    at start-up (another replica may be starting or running them)."""
    rows = await session.execute(
        select(E.submission_id, E.attempt).where(
            or_(
                E.status == ExecutionStatus.QUEUED,
                and_(E.status == ExecutionStatus.RUNNING, E.cancel_requested.is_(False)),
            )
        )
    )
    return [(sid, attempt) for sid, attempt in rows.all()]
