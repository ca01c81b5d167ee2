"""Board changes reach every leaderboard replica: PostgreSQL ``LISTEN``/``NOTIFY``.

RabbitMQ hands each event of the ``leaderboard`` queue to one replica; only that one
knows at once that a board changed. The others must learn it too: their live streams
(SSE) must push the change, their page caches (``cache.PageCache``) must drop it.

How: the consumer's transaction that bumps a board's version also runs
``pg_notify(CHANNEL, competition_id)`` (``announce``); PostgreSQL delivers a
notification only when, and only if, that transaction commits, to every session
listening on the channel in the leaderboard's database. Each replica keeps one such
session (``BoardChangeListener``) and hands what it hears to its ``BoardNotifier``,
which drops the competition's cached pages and wakes its streams.

Why not a fan-out queue per replica on the bus: the signal would have to be published
after the commit (lost if the process dies in between, or published for a change not
yet visible if sent before), or go through an outbox the leaderboard does not have; and
it would add an event type to the public event contract for a message between replicas
of one service. ``NOTIFY`` is transactional, needs no new table, event or exchange, and
stays inside the database the replicas already share.

What it does not cover, and what covers it:
- SQLite (the embedded ``holdout up``) is one process: the in-process notifier is all
  there is, and no listener starts.
- While a listener is disconnected, notifications are lost. On every (re)connect it
  treats every board as changed (drops every page, wakes every stream), and until then
  streams still re-read the version every ``live_poll_seconds`` and pages revalidate
  after ``page_cache_seconds``.
- ``LISTEN`` needs a session of its own: the URL must reach PostgreSQL directly or
  through a session-mode pooler, not a transaction-mode PgBouncer.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import structlog
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from services.leaderboard.live import BoardNotifier
from shared.aio import wait_event
from shared.db import is_postgresql, normalise_url
from shared.loops import BackgroundLoop
from shared.retry import backoff

log = structlog.get_logger(__name__)

CHANNEL = "holdout_leaderboard_changed"
# how often an idle listening session is checked (a half-open TCP connection reports nothing)
PING_S = 10.0


def is_postgres(url: str) -> bool:
    return normalise_url(url).startswith("postgresql")


async def announce(session: AsyncSession, competition_id: uuid.UUID) -> None:
    """In the transaction that changed a board: every replica hears of it once it commits."""
    if is_postgresql(session):
        await session.execute(
            text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": str(competition_id)}
        )


def _driver_dsn(url: str) -> str:
    """The SQLAlchemy URL as asyncpg takes it (same host, credentials, database, options)."""
    return make_url(normalise_url(url)).set(drivername="postgresql").render_as_string(hide_password=False)


class BoardChangeListener:
    """One replica's ``LISTEN`` session, reconnected whenever it is lost."""

    def __init__(self, database_url: str, notifier: BoardNotifier, *, ping_s: float = PING_S) -> None:
        self._dsn = _driver_dsn(database_url)
        self._notifier = notifier
        self._ping_s = ping_s
        self._loop = BackgroundLoop("leaderboard-fanout", self._listen, interval_s=0.0)
        self.listening = asyncio.Event()
        self.connections = 0  # sessions opened so far (tests watch reconnects)
        self.short_lived = 0  # sessions in a row lost within ping_s of listening
        self.backend_pid: int | None = None

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    async def _listen(self) -> bool:
        """Listen until the session is lost; True: reconnect (a failed connect raises, and
        the loop backs off; a session lost soon after it listened backs off here)."""
        conn: asyncpg.Connection = await asyncpg.connect(self._dsn, timeout=10)
        lost = asyncio.Event()
        listened_at = time.monotonic()
        try:
            conn.add_termination_listener(lambda _conn: lost.set())
            await conn.add_listener(CHANNEL, self._heard)
            self.connections += 1
            self.backend_pid = conn.get_server_pid()
            listened_at = time.monotonic()
            self.listening.set()
            # what committed while no session listened is unknown: every board may have changed
            self._notifier.changed_all()
            while not await wait_event(lost, self._ping_s):
                await asyncio.wait_for(conn.fetchval("SELECT 1"), self._ping_s)
            why = "the server closed the LISTEN session"
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
            if not self.listening.is_set():
                raise  # it never listened: the loop backs off before the next try
            why = repr(exc)
        finally:
            self.listening.clear()
            conn.terminate()
        # a session that drops as soon as it listens (a pooler or server refusing it, a
        # flapping network) must not become a tight loop of connects, each one running
        # changed_all() (every page dropped, every stream woken)
        if time.monotonic() - listened_at < self._ping_s:
            self.short_lived += 1
            pause = backoff(self.short_lived)
        else:
            self.short_lived, pause = 0, 0.0
        log.warning("leaderboard.fanout_lost", error=why, then="reconnecting", retry_in_s=pause)
        await asyncio.sleep(pause)
        return True

    def _heard(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            competition_id = uuid.UUID(payload)
        except ValueError:
            log.warning("leaderboard.fanout_bad_payload", payload=payload[:100], expected="a competition id")
            return
        self._notifier.changed(competition_id)
