"""Two leaderboard replicas, each served for real (uvicorn, ``tests/servers.py``), on one
PostgreSQL database and one RabbitMQ namespace: a change applied through one replica is
pushed live to an SSE client of the other, its cached pages are dropped, both answer the
same ETag, and a replica whose LISTEN session is cut reconnects and catches up.

Both replicas poll and revalidate only every 60 s here, so within the tests' deadlines
only the fan-out (``services/leaderboard/fanout.py``) can carry a change across."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from services.leaderboard.app import create_app
from services.leaderboard.cache import PageCache
from services.leaderboard.config import LeaderboardSettings
from services.leaderboard.consumers import LeaderboardConsumer
from services.leaderboard.fanout import BoardChangeListener
from shared.bus.rabbitmq import RabbitBus
from shared.events import SubmissionScored
from tests.conftest import INTERNAL_HEADERS, INTERNAL_TOKEN, PG_ADMIN_DSN
from tests.servers import serving

pytestmark = pytest.mark.timeout(90)

CID = uuid.UUID(int=7)
BOARD = f"/api/v1/competitions/{CID}/leaderboard"
SLOW = 60.0  # the poll and the cache window: longer than any wait below


@dataclass
class Replica:
    app: FastAPI
    url: str
    consumer: LeaderboardConsumer

    @property
    def listener(self) -> BoardChangeListener:
        listener: BoardChangeListener = self.app.state.listener
        return listener


def scored(team_no: int, score: float) -> SubmissionScored:
    return SubmissionScored(
        submission_id=uuid.uuid4(),
        competition_id=CID,
        team_id=uuid.UUID(int=100 + team_no),
        team_name=f"team-{team_no}",
        submitted_at=datetime(2025, 3, 1, 12, tzinfo=UTC) + timedelta(minutes=team_no),
        metric="accuracy",
        higher_is_better=True,
        public_score=score,
        private_score=score,
    )


@contextlib.asynccontextmanager
async def replica(database_url: str, amqp_url: str, namespace: str, data_dir: Path) -> AsyncIterator[Replica]:
    settings = LeaderboardSettings(
        data_dir=data_dir,
        leaderboard_database_url=database_url,
        amqp_url=amqp_url,
        bus_namespace=namespace,
        internal_token=INTERNAL_TOKEN,
        live_poll_seconds=SLOW,
        page_cache_seconds=SLOW,
    )
    app = create_app(settings)
    async with serving(app, settings) as served:
        await asyncio.wait_for(app.state.listener.listening.wait(), 10)
        yield Replica(app, served.url, LeaderboardConsumer(app.state.runtime, app.state.notifier))


@pytest.fixture
async def two(
    pg_database: Any, amqp_url: str, bus_namespace: str, data_dir: Path
) -> AsyncIterator[tuple[Replica, Replica]]:
    url = await pg_database("leaderboard")
    # one after the other: each applies the migrations on start
    async with (
        replica(url, amqp_url, bus_namespace, data_dir / "a") as a,
        replica(url, amqp_url, bus_namespace, data_dir / "b") as b,
    ):
        yield a, b
    cleanup = RabbitBus(amqp_url, bus_namespace)
    await cleanup.start()
    await cleanup.delete_topology(["leaderboard"])
    await cleanup.close()


class Stream:
    """One SSE client: ``next()`` is the next ``board`` event, or fails after ``timeout``."""

    def __init__(self, lines: AsyncIterator[str]) -> None:
        self._lines = lines

    async def next(self, timeout: float = 10.0) -> dict[str, Any]:
        return await asyncio.wait_for(self._next(), timeout)

    async def _next(self) -> dict[str, Any]:
        fields: dict[str, str] = {}
        async for line in self._lines:
            if not line:
                if "data" in fields:
                    return {"event": fields.get("event"), **json.loads(fields["data"])}
                continue
            name, _, value = line.partition(":")
            fields[name] = value.strip()
        raise AssertionError("the stream ended")

    async def ended(self, timeout: float = 10.0) -> bool:
        async def drain() -> None:
            async for _ in self._lines:
                pass

        await asyncio.wait_for(drain(), timeout)
        return True


@contextlib.asynccontextmanager
async def stream(client: httpx.AsyncClient) -> AsyncIterator[Stream]:
    async with client.stream("GET", f"{BOARD}/events") as response:
        assert response.status_code == 200
        yield Stream(response.aiter_lines())


def client(r: Replica) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=r.url, timeout=20, headers=INTERNAL_HEADERS)


def teams(board: dict[str, Any]) -> list[tuple[str, float]]:
    return [(e["team_name"], e["score"]) for e in board["entries"]]


async def test_a_score_applied_through_one_replica_is_live_on_the_other(two: tuple[Replica, Replica]) -> None:
    a, b = two
    async with client(a) as on_a, client(b) as on_b, stream(on_a) as live_a, stream(on_b) as live_b:
        assert (await live_b.next())["version"] == 0
        assert (await live_a.next())["version"] == 0
        before = await on_b.get(BOARD)  # cached on B for 60 s
        assert before.json()["entries"] == []

        await a.consumer.handle(scored(1, 0.5))  # applied through replica A alone
        assert (await live_b.next(5))["version"] == 1
        after = await on_b.get(BOARD)
        assert teams(after.json()) == [("team-1", 0.5)], "B served its cached page after the change"
        on_a_board = await on_a.get(BOARD)
        assert after.headers["etag"] == on_a_board.headers["etag"] != before.headers["etag"]
        assert (await on_b.get(BOARD, headers={"If-None-Match": after.headers["etag"]})).status_code == 304
        assert (await live_a.next(5))["version"] == 1

        # through RabbitMQ: whichever replica takes it, clients of both see it
        publisher = RabbitBus(a.app.state.settings.amqp_url, a.app.state.settings.bus_namespace)
        await publisher.start()
        try:
            await publisher.publish(scored(2, 0.9))
        finally:
            await publisher.close()
        assert (await live_a.next())["version"] == 2
        assert (await live_b.next())["version"] == 2
        boards = [(await c.get(BOARD)).json() for c in (on_a, on_b)]
        assert teams(boards[0]) == teams(boards[1]) == [("team-2", 0.9), ("team-1", 0.5)]


async def test_a_replica_whose_listen_session_is_cut_reconnects_and_catches_up(
    two: tuple[Replica, Replica], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = two
    connect = asyncpg.connect
    reconnecting, let_reconnect = asyncio.Event(), asyncio.Event()

    async def held_connect(*args: Any, **kwargs: Any) -> Any:
        # only the listeners' sessions wait (A's never drops); the pools connect as ever
        task = asyncio.current_task()
        if task is not None and task.get_name() == "leaderboard-fanout":
            reconnecting.set()
            await let_reconnect.wait()
        return await connect(*args, **kwargs)

    async with client(b) as on_b, stream(on_b) as live_b:
        assert (await live_b.next())["version"] == 0
        assert (await on_b.get(BOARD)).json()["entries"] == []  # cached on B for 60 s
        admin = await asyncpg.connect(PG_ADMIN_DSN)
        monkeypatch.setattr(asyncpg, "connect", held_connect)
        try:
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", b.listener.backend_pid)
        finally:
            await admin.close()
        await asyncio.wait_for(reconnecting.wait(), 20)  # B lost its session, and is held off
        # committed while B does not listen: its NOTIFY reaches A alone
        await a.consumer.handle(scored(1, 0.5))
        assert not b.listener.listening.is_set() and b.listener.connections == 1
        let_reconnect.set()
        # only the catch-up on reconnect (changed_all) can tell B now: its poll is 60 s
        assert (await live_b.next(5))["version"] == 1
        assert teams((await on_b.get(BOARD)).json()) == [("team-1", 0.5)], "B kept its stale page"
        assert b.listener.connections == 2 and b.listener.listening.is_set()
        await a.consumer.handle(scored(2, 0.9))
        assert (await live_b.next(5))["version"] == 2
        assert teams((await on_b.get(BOARD)).json()) == [("team-2", 0.9), ("team-1", 0.5)]


async def test_draining_ends_live_streams_and_turns_readiness_off(two: tuple[Replica, Replica]) -> None:
    a, _ = two
    async with client(a) as on_a, stream(on_a) as live_a:
        assert (await live_a.next())["version"] == 0
        assert (await on_a.get("/readyz")).status_code == 200
        a.app.state.drain.begin()
        assert await live_a.ended(5)  # its client reconnects, to a replica still ready
        ready = await on_a.get("/readyz")
        assert (ready.status_code, ready.json()["status"]) == (503, "draining")
        assert (await on_a.get(BOARD)).status_code == 200  # requests still come, and are answered


def test_a_page_built_across_a_drop_is_kept_due_for_revalidation() -> None:
    pages = PageCache(ttl=SLOW)
    key = (CID, "public")
    seen = pages.drops  # a request reads the version (before a change commits) ...
    pages.drop(CID)  # ... the change's notification arrives while it builds ...
    raced = pages.put(key, 3, '"3"', b"{}", drops=seen)  # ... and it stores what it built
    assert pages.get(key) is raced and pages.fresh(key) is None  # the next read revalidates
    pages.put(key, 4, '"4"', b"{}", drops=pages.drops)
    assert pages.fresh(key) is not None
    pages.clear()
    assert pages.get(key) is None


class DroppingConnection:
    """An asyncpg connection whose server closes it as soon as it listens."""

    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()

    def add_termination_listener(self, callback: Any) -> None:
        self._loop.call_soon(callback, self)

    async def add_listener(self, _channel: str, _callback: Any) -> None:
        return None

    def get_server_pid(self) -> int:
        return 1

    async def fetchval(self, _query: str) -> int:
        return 1

    def terminate(self) -> None:
        return None


async def test_a_listen_session_dropped_at_once_backs_off_before_reconnecting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from services.leaderboard import fanout
    from services.leaderboard.live import BoardNotifier

    async def connect(*_args: Any, **_kwargs: Any) -> DroppingConnection:
        return DroppingConnection()

    pauses: list[int] = []
    paused = asyncio.Event()

    def backoff(failures: int) -> float:
        pauses.append(failures)
        if len(pauses) >= 3:
            paused.set()
        return 0.0 if len(pauses) < 3 else SLOW  # the third pause holds it still

    resets = 0

    def reset() -> None:
        nonlocal resets
        resets += 1

    monkeypatch.setattr(asyncpg, "connect", connect)
    monkeypatch.setattr(fanout, "backoff", backoff, raising=False)
    listener = BoardChangeListener("postgresql://x@127.0.0.1/x", BoardNotifier(on_reset=reset))
    listener.start()
    try:
        await asyncio.wait_for(paused.wait(), 5)
        assert pauses == [1, 2, 3], "each short-lived session in a row backs off longer"
        assert listener.connections == resets == 3, "it reconnected (and reset every board) without a pause"
    finally:
        await listener.stop()
