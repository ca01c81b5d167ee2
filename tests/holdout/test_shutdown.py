"""SIGTERM while uploads are in flight, on a real ``holdout up`` process: new connections
are refused at once, an upload that finishes within the grace period gets its normal
answer, and one still coming after it gets a 503 problem with ``Retry-After`` (not
uvicorn's bare 500), and the process exits."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from holdout.processes import Platform, base_env
from tests.conftest import make_traversable_dir
from tests.servers import read_until_closed, status_of
from tests.support import eventually

MiB = 1024**2
GRACE_S = 2.0


@pytest.fixture
def platform_dir() -> Iterator[Path]:
    path = make_traversable_dir("holdout-shutdown-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def upload_head(token: str, filename: str, length: int) -> bytes:
    return (
        f"PUT /api/v1/competitions/titanic/data/{filename} HTTP/1.1\r\nHost: gateway\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: text/csv\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


def body_of(raw: bytes) -> dict[str, object]:
    return dict(json.loads(raw.split(b"\r\n\r\n", 1)[1]))


async def test_sigterm_lets_short_uploads_finish_and_answers_the_rest_503(platform_dir: Path) -> None:
    env = base_env(platform_dir, platform_dir / "runtimes")
    env["HOLDOUT_SHUTDOWN_GRACE_S"] = str(GRACE_S)
    platform = Platform(env, env["HOLDOUT_ADMIN_TOKEN"], platform_dir)
    platform.start("up", "up")
    process = platform.procs["up"]
    gateway = urlsplit(platform.gateway_url)
    host_name, port = str(gateway.hostname), int(gateway.port or 80)
    try:
        async with platform.client() as admin:
            await admin.wait_ready(90)
            host = await admin.create_user("host", is_host=True)
            async with admin.as_user(host["token"]) as h:
                await h.create_competition(
                    {
                        "slug": "titanic",
                        "title": "Titanic",
                        "metric": "accuracy",
                        "id_column": "id",
                        "target_columns": ["target"],
                    }
                )
        token = host["token"]
        line = b"1,2\n"

        # a long upload that keeps coming at a steady 1.3 MiB/s, and a short one half sent
        long_reader, long_writer = await asyncio.open_connection(host_name, port)
        long_writer.write(upload_head(token, "long.csv", 200 * MiB) + b"id,x\n")
        long_answer = asyncio.create_task(read_until_closed(long_reader, timeout=GRACE_S + 30))

        async def keep_sending() -> None:
            while not long_answer.done():
                try:
                    long_writer.write(line * 16384)
                    await long_writer.drain()
                except OSError:  # the server has answered and closed
                    return
                await asyncio.wait([long_answer], timeout=0.05)

        sender = asyncio.create_task(keep_sending())
        short_body = b"id,x\n" + line * 25_000
        short_reader, short_writer = await asyncio.open_connection(host_name, port)
        short_writer.write(upload_head(token, "short.csv", len(short_body)) + short_body[:50_000])
        await short_writer.drain()
        await asyncio.wait([long_answer], timeout=0.5)  # both uploads are under way

        os.kill(process.pid, signal.SIGTERM)
        signalled = time.monotonic()
        short_writer.write(short_body[50_000:])  # the short one finishes within the grace period
        await short_writer.drain()
        short_answer = await read_until_closed(short_reader, timeout=GRACE_S + 30)
        assert status_of(short_answer) == 200, short_answer[:500]

        # no new connection is taken once shutdown has begun
        async def refused() -> bool:
            try:
                _, probe = await asyncio.open_connection(host_name, port)
            except ConnectionRefusedError:
                return True
            probe.close()
            return False

        await eventually(refused, 5, interval=0.05, what="the gateway refusing new connections after SIGTERM")

        answer = await long_answer
        answered_after = time.monotonic() - signalled
        await sender
        assert status_of(answer) == 503, answer[:500]
        head = answer.split(b"\r\n\r\n", 1)[0].lower()
        assert b"content-type: application/problem+json" in head
        assert b"retry-after: " in head
        assert body_of(answer)["type"] == "https://holdout.dev/problems/shutting-down"
        assert GRACE_S - 0.5 < answered_after < GRACE_S + 10
        assert process.wait(timeout=30) == 0
        assert list((platform_dir / "storage" / ".partial").iterdir()) == []
        for writer in (long_writer, short_writer):
            writer.close()
    finally:
        platform.stop_all()
        print(platform.dump_logs())  # shown when the test fails
