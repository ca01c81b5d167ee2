"""Database plumbing: engines, the transactional outbox and the inbox.

Each service owns its own metadata, tables and migrations; this module only gives
them the same building blocks:

- ``make_engine``: SQLite (embedded default) or PostgreSQL (asyncpg) from one URL.
- the **outbox**: a service adds an event row in the same transaction as the state
  change that causes it; ``OutboxRelay`` publishes committed rows and marks them sent.
  A crash between commit and publish only delays the event; on PostgreSQL the relays
  of several replicas claim rows, so each event is published by one of them. On a bus
  that is not durable (the in-process one) a row is marked sent only once its
  consumers have acked it, so a crash of the process loses no event.
- the **inbox**: ``claim_event`` records a consumed ``event_id`` in the handler's
  transaction, so a redelivered or duplicated event changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    Text,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from shared.bus.base import Bus
from shared.events import BaseEvent, utcnow
from shared.loops import BackgroundLoop

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` and ``sqlite:///`` URLs; use the async drivers."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        return "postgresql+asyncpg://" + url[len("postgresql://") :]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url[len("sqlite:///") :]
    return url


SqliteSynchronous = Literal["FULL", "NORMAL"]


def make_engine(
    url: str,
    *,
    pool_size: int = 10,
    pool_timeout: float = 30.0,
    sqlite_synchronous: SqliteSynchronous = "FULL",
) -> AsyncEngine:
    """An engine for ``url``. SQLite runs in WAL mode, where ``sqlite_synchronous`` says
    what a commit survives: ``FULL`` fsyncs the log at every commit, so a commit survives
    a power loss or an OS crash; ``NORMAL`` fsyncs only at checkpoints, so a commit
    survives the process being killed (SIGKILL, OOM: the log is written before the commit
    returns) but the last ones may roll back after a power loss, leaving the database
    consistent. Each service chooses by what repairs its losses (its ``app.py``);
    PostgreSQL keeps its own ``synchronous_commit`` (on). On PostgreSQL the pool holds
    ``pool_size`` connections (and as many more at a peak); a session that finds none free
    for ``pool_timeout`` seconds raises ``sqlalchemy.exc.TimeoutError``, which the HTTP
    services answer with a 503 (``shared.web``)."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={sqlite_synchronous}")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_async_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_timeout=pool_timeout, pool_pre_ping=True
    )


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def outbox_table(metadata: MetaData) -> Table:
    return Table(
        "outbox",
        metadata,
        Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("type", String(64), nullable=False),
        Column("body", Text, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("published_at", DateTime(timezone=True), nullable=True, index=True),
    )


def inbox_table(metadata: MetaData) -> Table:
    return Table(
        "inbox",
        metadata,
        Column("event_id", String(36), primary_key=True),
        Column("type", String(64), nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False),
    )


# set in a session's ``info`` by ``add_event``: its commit has something for the relay
STAGED = "holdout.outbox_staged"


async def add_event(session: AsyncSession, outbox: Table, event: BaseEvent) -> None:
    """Stage ``event`` for publication in the caller's transaction."""
    session.info[STAGED] = True
    await session.execute(
        insert(outbox).values(
            event_id=str(event.event_id),
            type=event.type,  # type: ignore[attr-defined]
            body=event.model_dump_json(),
            created_at=utcnow(),
        )
    )


async def claim_event(session: AsyncSession, inbox: Table, event: BaseEvent) -> bool:
    """Record ``event`` as consumed; False if it already was (a duplicate delivery).

    Two concurrent deliveries of one event can both pass the check; the primary key
    makes the second commit fail, and its redelivery then finds the row.
    """
    seen = await session.scalar(select(inbox.c.event_id).where(inbox.c.event_id == str(event.event_id)))
    if seen is not None:
        return False
    await session.execute(
        insert(inbox).values(event_id=str(event.event_id), type=event.type, processed_at=utcnow())  # type: ignore[attr-defined]
    )
    return True


class OutboxRelay:
    """Publishes committed outbox rows; call ``notify()`` after a commit.

    The relay is a ``BackgroundLoop``: a ``notify()`` that lands while a batch is being
    published makes it go round again at once (it is never lost until the next poll),
    a full batch is followed by the next one without waiting, and a failing round (the
    broker or the database away) is retried with the retry policy's backoff.

    Several relays may serve one database (replicas of a service). On PostgreSQL each
    round claims its rows with ``SELECT ... FOR UPDATE SKIP LOCKED`` in the transaction
    that publishes them and marks them sent, so two relays never publish the same row:
    each takes the pending rows the other has not locked. Rows go out in id order within
    one relay's batch; across replicas there is no order (nor does the bus keep one with
    its concurrent consumers). SQLite has one writer, one process: no claim.

    A bus that is not ``durable`` (the in-process bus of ``holdout up``) keeps what it
    is given in memory only, so the row is the event's one durable copy until its
    consumers are done with it: the relay hands rows over with ``publish_tracked`` and
    keeps them *in flight* (not handed over again) until the bus reports them settled
    (acked by every consumer after its commit, or dead-lettered); rounds then mark the
    settled rows sent, in one commit, after handing over what is new. A crash leaves
    the unsettled rows unmarked, and the relay of the next start hands them over again;
    the consumers' inboxes absorb the ones already handled. ``max_in_flight`` bounds the
    rows held so (and the size of the query that leaves them out).
    """

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        outbox: Table,
        bus: Bus,
        *,
        poll_seconds: float = 1.0,
        batch: int = 200,
        max_in_flight: int = 1000,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._outbox = outbox
        self._bus = bus
        self._batch = batch
        self._loop = BackgroundLoop("outbox-relay", self._round, interval_s=poll_seconds)
        # a bus that is not durable: rows handed over and not yet marked sent, and the
        # ones among them the bus has settled since the last round
        self._max_in_flight = max(1, max_in_flight)
        self._in_flight: set[int] = set()
        self._settled: list[int] = []
        self._tracking = asyncio.Lock()

    def notify(self) -> None:
        self._loop.wake()

    @property
    def running(self) -> bool:
        return self._loop.running

    async def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()
        if self._settled:  # what is settled need not be handed over again at the next start
            with contextlib.suppress(Exception):
                await self._mark_settled()

    async def _round(self) -> bool:
        # a full batch: there may be more waiting, go round again at once
        return await self.relay_once() >= self._batch

    def _pending(self, limit: int | None = None) -> Select[Any]:
        o = self._outbox
        return (
            select(o.c.id, o.c.event_id, o.c.type, o.c.body)
            .where(o.c.published_at.is_(None))
            .order_by(o.c.id)
            .limit(limit or self._batch)
        )

    async def relay_once(self) -> int:
        """Publish one batch of pending events; returns how many rows the batch had.

        Raises what publishing raised, after marking the rows published before it."""
        if not self._bus.durable:
            return await self._relay_tracked()
        async with self._sessionmaker() as session:
            if is_postgresql(session):
                return await self._relay_claimed(session)
            rows = (await session.execute(self._pending())).all()
        # one commit (one fsync) marks the whole batch: a crash in between republishes
        # what was sent, which idempotent consumers (the inbox) already absorb
        sent: list[int] = []
        try:
            for row in rows:
                await self._bus.publish_raw(row.type, row.body.encode(), row.event_id)
                sent.append(row.id)
        finally:
            if sent:
                async with self._sessionmaker() as session, session.begin():
                    await self._mark_published(session, sent)
        return len(rows)

    async def _relay_claimed(self, session: AsyncSession) -> int:
        """PostgreSQL: claim, publish, mark and commit in one transaction, so the row
        locks keep every other relay off these rows until they are marked."""
        failure: Exception | None = None
        async with session.begin():
            rows = (await session.execute(self._pending().with_for_update(skip_locked=True))).all()
            sent: list[int] = []
            for row in rows:
                try:
                    await self._bus.publish_raw(row.type, row.body.encode(), row.event_id)
                except Exception as exc:  # keep what went out; the rest waits for the next round
                    failure = exc
                    break
                sent.append(row.id)
            if sent:
                await self._mark_published(session, sent)
        # a cancellation rolls the transaction back: what was sent is sent again (at
        # least once), which the consumers' inboxes absorb
        if failure is not None:
            raise failure
        return len(rows)

    async def _relay_tracked(self) -> int:
        """A bus that is not durable: hand over the pending rows not in flight, then mark
        the settled ones sent (after, so that marking never delays what is new)."""
        async with self._tracking:  # one round at a time: a row is handed over once
            if len(self._in_flight) >= self._max_in_flight:
                await self._mark_settled()  # full: marking what is settled makes room
            rows: list[Any] = []
            room = self._max_in_flight - len(self._in_flight)
            if room > 0:
                query = self._pending(min(self._batch, room))
                if self._in_flight:
                    query = query.where(self._outbox.c.id.not_in(self._in_flight))
                async with self._sessionmaker() as session:
                    rows = list((await session.execute(query)).all())
            for row in rows:
                self._in_flight.add(row.id)
                await self._bus.publish_tracked(
                    row.type, row.body.encode(), row.event_id, functools.partial(self._settle, row.id)
                )
            await self._mark_settled()
            return len(rows)

    def _settle(self, row_id: int) -> None:
        self._settled.append(row_id)
        if len(self._in_flight) >= self._max_in_flight:
            self.notify()  # room again for rows waiting their turn

    async def _mark_settled(self) -> None:
        done, self._settled = self._settled, []
        if not done:
            return
        try:
            async with self._sessionmaker() as session, session.begin():
                await self._mark_published(session, done)
        except BaseException:
            self._settled.extend(done)  # still in flight: marked by a later round
            raise
        self._in_flight.difference_update(done)

    async def _mark_published(self, session: AsyncSession, ids: list[int]) -> None:
        o = self._outbox
        await session.execute(update(o).where(o.c.id.in_(ids)).values(published_at=utcnow()))


@contextlib.asynccontextmanager
async def transaction(
    sessionmaker: async_sessionmaker[AsyncSession], relay: OutboxRelay | None = None
) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit at the end, then wake the relay if it staged an event.

    A commit that staged nothing does not wake it: a round for nothing costs a query on
    the relay's one task, and a wake-up that matters meanwhile would wait behind it."""
    async with sessionmaker() as session, session.begin():
        yield session
    if relay is not None and session.info.pop(STAGED, False):
        relay.notify()


def is_postgresql(db: AsyncSession | AsyncConnection) -> bool:
    """Whether ``db`` (a session or a connection) talks to PostgreSQL, not SQLite: the one
    check for the PostgreSQL-only paths (row locks, advisory locks). Asks the session's
    bind, so it also holds for a session made with ``binds=``."""
    if isinstance(db, AsyncSession):
        return db.get_bind().dialect.name == "postgresql"
    return db.dialect.name == "postgresql"


def uuid_str(value: uuid.UUID | str) -> str:
    return str(value)


def as_aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything in Holdout is UTC."""
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)
