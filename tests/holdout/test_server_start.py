"""The order ``holdout up`` opens its ports in: the gateway last, once the orchestrator,
scorer and leaderboard listen. Opened first, its /readyz said yes while the first board
stream it proxied was a 503 (connection refused: the leaderboard was still starting),
seen in the P1 bench right after start-up."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from holdout.server import Listen, _serve_all, _Server, embedded_servers, http_server
from shared.settings import CommonSettings

pytestmark = pytest.mark.timeout(60)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class App:
    """An ASGI app whose start-up waits for ``release`` (when given): a service still
    migrating its database, say."""

    def __init__(self, release: asyncio.Event | None = None) -> None:
        self.release = release
        self.starting = asyncio.Event()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    self.starting.set()
                    if self.release is not None:
                        await self.release.wait()
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


async def started(server: _Server) -> None:
    while not server.started:
        await asyncio.sleep(0.01)


async def test_a_server_opens_its_port_only_once_those_it_waits_for_are_up(tmp_path: Path) -> None:
    settings = CommonSettings(data_dir=tmp_path)
    release = asyncio.Event()
    slow_app = App(release)
    ports = [free_port() for _ in range(3)]
    slow = http_server(slow_app, "127.0.0.1", ports[0], settings)
    waiting = http_server(App(), "127.0.0.1", ports[1], settings)
    control = http_server(App(), "127.0.0.1", ports[2], settings)  # waits for nobody
    waiting.start_after = [slow]
    serving = asyncio.create_task(_serve_all([slow, waiting, control]))
    try:
        await asyncio.wait_for(started(control), 20)
        assert slow_app.starting.is_set() and not slow.started
        # the control server, started beside it, already answers; this one is not listening
        async with httpx.AsyncClient() as client:
            assert (await client.get(f"http://127.0.0.1:{ports[2]}/")).status_code == 200
            with pytest.raises(httpx.ConnectError):
                await client.get(f"http://127.0.0.1:{ports[1]}/")
            assert not waiting.started
            release.set()
            await asyncio.wait_for(started(waiting), 20)
            assert (await client.get(f"http://127.0.0.1:{ports[1]}/")).status_code == 200
    finally:
        for server in (slow, waiting, control):
            server.should_exit = True
        await asyncio.wait_for(serving, 30)


async def test_a_server_whose_dependency_stopped_during_start_up_never_opens(tmp_path: Path) -> None:
    settings = CommonSettings(data_dir=tmp_path)
    stopped = http_server(App(), "127.0.0.1", free_port(), settings)
    stopped.should_exit = True  # told to stop before it was up (its start-up failed, or a signal)
    waiting = http_server(App(), "127.0.0.1", free_port(), settings)
    waiting.start_after = [stopped]
    await asyncio.wait_for(waiting.serve(), 20)
    assert not waiting.started


@pytest.fixture
async def embedded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[dict[str, _Server]]:
    monkeypatch.setenv("HOLDOUT_DATA_DIR", str(tmp_path))
    settings = CommonSettings()
    servers, bus = embedded_servers(Listen(), settings)
    yield servers
    await bus.close()


async def test_holdout_up_opens_the_gateway_after_the_other_three(embedded: dict[str, _Server]) -> None:
    others = [embedded[n] for n in ("orchestrator", "scorer", "leaderboard")]
    assert sorted(map(id, embedded["gateway"].start_after)) == sorted(map(id, others))
    assert all(not embedded[n].start_after for n in ("orchestrator", "scorer", "leaderboard"))
