"""A service app served for real, as ``holdout up`` and ``holdout serve`` serve it
(``holdout.server.http_server``: uvicorn with the limits of ``holdout/guard.py``), on a
free loopback port in the test's own event loop, and raw-socket helpers to talk to it
the way a misbehaving client would."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from holdout.processes import free_port
from holdout.server import http_server
from shared.settings import CommonSettings


@dataclass
class Served:
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection(self.host, self.port)


@contextlib.asynccontextmanager
async def serving(app: object, settings: CommonSettings) -> AsyncIterator[Served]:
    """Start the server (its lifespan included), yield once it listens, stop it after."""
    port = free_port()
    server = http_server(app, "127.0.0.1", port, settings)
    task = asyncio.create_task(server.serve())
    deadline = time.monotonic() + 30
    while not server.started:
        if task.done():
            task.result()  # the start failed: say why
            raise AssertionError("the server stopped before it started")
        if time.monotonic() > deadline:
            raise AssertionError("the server did not start within 30 s")
        await asyncio.sleep(0.02)
    try:
        yield Served("127.0.0.1", port)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 60)


async def read_until_closed(reader: asyncio.StreamReader, timeout: float) -> bytes:
    """Everything the server sends until it closes the connection; fails if it does not
    close within ``timeout`` seconds."""
    try:
        return await asyncio.wait_for(reader.read(), timeout)
    except ConnectionResetError:
        return b""
    except TimeoutError:
        raise AssertionError(f"the server kept the connection open for more than {timeout} s") from None


def status_of(raw: bytes) -> int:
    return int(raw.split(b" ", 2)[1]) if raw.startswith(b"HTTP/1.1 ") else 0
