"""A rolling update drops no request: a real server (``holdout.server``, uvicorn, in a
process of its own) given SIGTERM while a slow request is in flight reports not-ready
(``/readyz`` 503) at once, goes on answering for ``HOLDOUT_SHUTDOWN_DRAIN_S``, then stops
listening, finishes the slow request, and exits cleanly. A live stream in flight ends at
once (its client reconnects elsewhere) instead of holding the shutdown up."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from holdout.processes import free_port
from shared.bus.rabbitmq import RabbitBus
from tests.conftest import INTERNAL_HEADERS, INTERNAL_TOKEN
from tests.support import eventually

REPO = Path(__file__).resolve().parents[2]
DRAIN_S = 2.0
SLOW_S = 5.0
BOARD = "/api/v1/competitions/00000000-0000-0000-0000-000000000007/leaderboard"

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(90)]


async def _wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 40
    async with httpx.AsyncClient(base_url=url, timeout=2) as client:
        while time.monotonic() < deadline:
            assert proc.poll() is None, f"the server exited early:\n{log.read_text()[-3000:]}"
            try:
                if (await client.get("/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"the server was not ready within 40 s:\n{log.read_text()[-3000:]}")


async def test_sigterm_turns_readiness_off_and_finishes_requests_in_flight(
    tmp_path: Path, amqp_url: str, bus_namespace: str
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "HOLDOUT_DATA_DIR": str(tmp_path / "data"),
        "HOLDOUT_AMQP_URL": amqp_url,
        "HOLDOUT_BUS_NAMESPACE": bus_namespace,
        "HOLDOUT_INTERNAL_TOKEN": INTERNAL_TOKEN,
        "HOLDOUT_SHUTDOWN_DRAIN_S": str(DRAIN_S),
    }
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.deploy.serve_slow", str(port)],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        await _wait_ready(url, proc, log)
        async with (
            httpx.AsyncClient(base_url=url, timeout=30, headers=INTERNAL_HEADERS) as slow_client,
            httpx.AsyncClient(base_url=url, timeout=5, headers=INTERNAL_HEADERS) as stream_client,
            stream_client.stream("GET", f"{BOARD}/events") as live,
        ):
            assert live.status_code == 200
            started = tmp_path / "slow-started"
            slow = asyncio.create_task(
                slow_client.get("/slow", params={"seconds": SLOW_S, "started": str(started)})
            )
            # the server says the slow request is in flight (its handler wrote the file)
            await eventually(started.exists, timeout=10)
            signalled = time.monotonic()
            proc.send_signal(signal.SIGTERM)

            async def stream_end() -> float:
                async for _ in live.aiter_lines():
                    pass
                return time.monotonic() - signalled

            stream_ended = asyncio.create_task(stream_end())
            # every probe on a new connection, as the kubelet makes them
            not_ready_after: float | None = None
            served_while_draining = 0
            refused_after: float | None = None
            while refused_after is None and time.monotonic() - signalled < 15:
                try:
                    async with httpx.AsyncClient(base_url=url, timeout=2, headers=INTERNAL_HEADERS) as probe:
                        ready = await probe.get("/readyz")
                        if ready.status_code == 503 and not_ready_after is None:
                            assert ready.json()["status"] == "draining"
                            not_ready_after = time.monotonic() - signalled
                        if not_ready_after is not None:
                            assert ready.status_code == 503, "readiness came back during the drain"
                            board = await probe.get(BOARD)
                            assert board.status_code == 200  # a late request is still answered
                            served_while_draining += 1
                except httpx.ConnectError:
                    refused_after = time.monotonic() - signalled
                await asyncio.sleep(0.1)
            response = await slow
            finished_after = time.monotonic() - signalled
            assert (response.status_code, response.json()) == (200, {"slept": SLOW_S})
            assert await asyncio.wait_for(stream_ended, 5) < 1.0, "the live stream held on after SIGTERM"
        rc = await asyncio.to_thread(proc.wait, 30)
        exited_after = time.monotonic() - signalled
        assert rc == 0, log.read_text()[-3000:]
        assert not_ready_after is not None and not_ready_after < 1.0, not_ready_after
        assert served_while_draining >= 2
        # it stopped listening only after the drain, and finished the slow request after that
        assert refused_after is not None and DRAIN_S <= refused_after < DRAIN_S + 2.5, refused_after
        assert refused_after < finished_after < SLOW_S + 2.5
        print(
            f"SIGTERM -> readyz 503: {not_ready_after:.3f} s; answered while draining: "
            f"{served_while_draining}; stopped listening: {refused_after:.2f} s; slow request "
            f"finished 200: {finished_after:.2f} s; process exited: {exited_after:.2f} s"
        )
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        cleanup = RabbitBus(amqp_url, bus_namespace)
        await cleanup.start()
        await cleanup.delete_topology(["leaderboard"])
        await cleanup.close()
