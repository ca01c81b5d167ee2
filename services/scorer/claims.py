"""Claims: a lease on one submission for whoever judges it, on any scorer replica.

The finished-run consumer and the rescore workers of every replica take a submission's
claim (``take``, or ``take_next`` for the next free item of a rescoring) before they
fetch anything, hold it while they judge (``holding`` renews it every third of its
lifetime) and delete it in the transaction that records the outcome
(``Claim.release``). So no submission is scored twice at once, and a replica that dies
mid-judgement leaves a claim that expires after ``ttl_s`` and is taken over.

Taking is a compare-and-set on the ``scoring_claims`` row (an upsert that only replaces
an expired claim); on PostgreSQL the rescore workers pick their next item with
``FOR UPDATE SKIP LOCKED``, so replicas asking at the same moment get different items.
The release checks the claim's token: a holder whose claim expired and was taken over
(a long pause, a lost heartbeat) records nothing (``ClaimLost``). A claim counts as
released only once that transaction has committed: one that rolls back (a rescoring
requested meanwhile, a failing write) leaves the claim in place, and ``holding`` then
deletes it itself, so the submission is free at once, not after the lease.

Lease ends and expiry are the database's clock on PostgreSQL (``now()``), never a
replica's: two hosts whose clocks disagree still agree on whether a claim is live.
SQLite is one process on one host, whose clock is the database's.

A holder cancelled mid-judgement (its process is going away) does not release its claim
(the lease runs out instead); a replica that shuts down cleanly releases what it still
holds (``release_all``).
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog
from sqlalchemy import ColumnElement, delete, event, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.scorer.models import rescore_items, scoring_claims
from shared.bus import TransientError
from shared.db import is_postgresql
from shared.events import utcnow
from shared.loops import BackgroundLoop

log = structlog.get_logger(__name__)

# rescore workers racing for the same item: how many candidates one ``take_next`` tries
_CANDIDATES = 3


class ClaimHeld(TransientError):
    """Another holder is judging the submission; try again once it has finished."""


class ClaimLost(TransientError):
    """The claim expired and was taken over while this holder worked: it records nothing."""


@dataclass
class Claim:
    submission_id: uuid.UUID
    token: str
    lost: bool = False
    # the claim row is gone, committed (not merely deleted in a transaction still open)
    released: bool = False
    # deleted in a transaction not yet committed: the heartbeat leaves it alone
    releasing: bool = False
    renewed_at: float = field(default_factory=time.monotonic)

    async def release(self, session: AsyncSession) -> None:
        """Delete the claim in the caller's transaction (the one that records the outcome);
        raise ``ClaimLost`` if it is no longer this holder's, so nothing is recorded. The
        claim counts as released once that transaction commits."""
        c = scoring_claims.c
        self.releasing = True
        result = await session.execute(
            delete(scoring_claims).where(c.submission_id == str(self.submission_id), c.token == self.token)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            self.lost = True
            raise ClaimLost(
                f"the claim on submission {self.submission_id} expired and was taken over while it was "
                "being judged; its outcome is left to the new holder"
            )

        def committed(_session: object) -> None:
            self.released = True

        # a rollback leaves it False, so ``holding`` deletes the claim after all
        event.listen(session.sync_session, "after_commit", committed, once=True)


class Claims:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], ttl_s: float) -> None:
        self.sessionmaker = sessionmaker
        self.ttl = timedelta(seconds=ttl_s)
        self.holder = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"

    async def take(self, submission_id: uuid.UUID) -> Claim | None:
        """The submission's claim, or None while someone else holds a live one."""
        async with self.sessionmaker() as session, session.begin():
            return await self._take(session, submission_id)

    async def take_next(self, rescore_id: uuid.UUID) -> Claim | None:
        """The claim on the next pending item of the rescoring that nobody holds (or whose
        holder's claim expired); None when there is none."""
        i, c = rescore_items.c, scoring_claims.c
        for _ in range(_CANDIDATES):
            async with self.sessionmaker() as session, session.begin():
                query = (
                    select(i.submission_id)
                    .select_from(rescore_items.outerjoin(scoring_claims, c.submission_id == i.submission_id))
                    .where(
                        i.rescore_id == str(rescore_id),
                        i.status == "pending",
                        or_(c.submission_id.is_(None), c.expires_at < _now(session)),
                    )
                    # the least tried first: an item that keeps failing does not hold up the rest
                    .order_by(i.tries, i.submission_id)
                    .limit(1)
                )
                if is_postgresql(session):
                    query = query.with_for_update(of=rescore_items, skip_locked=True)
                candidate = await session.scalar(query)
                if candidate is None:
                    return None
                claim = await self._take(session, uuid.UUID(candidate))
            if claim is not None:
                return claim
            # taken by a finished-run consumer between the two statements: the next one
        return None

    async def _take(self, session: AsyncSession, submission_id: uuid.UUID) -> Claim | None:
        now = _now(session)
        token = str(uuid.uuid4())
        insert = postgresql.insert if is_postgresql(session) else sqlite.insert
        statement = insert(scoring_claims).values(
            submission_id=str(submission_id), token=token, holder=self.holder, expires_at=now + self.ttl
        )
        upsert = statement.on_conflict_do_update(
            index_elements=[scoring_claims.c.submission_id],
            set_={
                "token": statement.excluded.token,
                "holder": statement.excluded.holder,
                "expires_at": statement.excluded.expires_at,
            },
            # the compare-and-set: only an expired claim is taken over
            where=scoring_claims.c.expires_at < now,
        ).returning(scoring_claims.c.token)
        taken = await session.scalar(upsert)
        if taken != token:
            return None
        return Claim(submission_id, token)

    @asynccontextmanager
    async def holding(self, claim: Claim) -> AsyncIterator[Claim]:
        """Renew ``claim`` while the block runs; release it after, unless the block released
        it (recording the outcome) or was cancelled (the lease then runs out)."""
        heartbeat = BackgroundLoop(
            f"scorer-claim-{claim.submission_id}",
            lambda: self._renew(claim),
            interval_s=self.ttl.total_seconds() / 3,
        )
        heartbeat.start()
        try:
            yield claim
        except asyncio.CancelledError:
            await heartbeat.stop()
            raise
        except BaseException:
            await heartbeat.stop()
            await self._drop(claim)
            raise
        await heartbeat.stop()
        await self._drop(claim)

    async def _renew(self, claim: Claim) -> None:
        if claim.lost or claim.released or claim.releasing:
            return
        if time.monotonic() - claim.renewed_at < self.ttl.total_seconds() / 4:
            return  # just taken (the loop's first round), or just renewed: still fresh
        started = time.monotonic()
        c = scoring_claims.c
        async with self.sessionmaker() as session, session.begin():
            result = await session.execute(
                update(scoring_claims)
                .where(c.submission_id == str(claim.submission_id), c.token == claim.token)
                .values(expires_at=_now(session) + self.ttl)
            )
        if not result.rowcount:  # type: ignore[attr-defined]
            claim.lost = True
            log.warning("scoring.claim_lost", submission_id=str(claim.submission_id), holder=self.holder)
            return
        # only now: a renewal that failed is tried again at the loop's next round, not a
        # quarter of a lifetime later
        claim.renewed_at = started

    async def _drop(self, claim: Claim) -> None:
        if claim.released or claim.lost:
            return
        c = scoring_claims.c
        try:
            async with self.sessionmaker() as session, session.begin():
                await session.execute(
                    delete(scoring_claims).where(
                        c.submission_id == str(claim.submission_id), c.token == claim.token
                    )
                )
            claim.released = True
        except Exception as exc:  # the lease runs out instead
            log.warning(
                "scoring.claim_release_failed", submission_id=str(claim.submission_id), error=repr(exc)
            )

    async def release_all(self) -> None:
        """At a clean shutdown: what this replica still holds is free at once."""
        async with self.sessionmaker() as session, session.begin():
            await session.execute(delete(scoring_claims).where(scoring_claims.c.holder == self.holder))


def _now(session: AsyncSession) -> ColumnElement[datetime] | datetime:
    """The database's clock on PostgreSQL (every replica compares leases with the same one);
    SQLite: one process on one host, so this host's clock is the database's."""
    return func.now() if is_postgresql(session) else utcnow()
