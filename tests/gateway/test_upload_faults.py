"""Uploads under faults, against the gateway served for real (uvicorn with Holdout's
limits, on a free port): a client that goes away half-way, a body that stalls or
trickles, and a full disk. Each ends with a clear answer (or one log line), and no
partial file is kept anywhere."""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.gateway.app import create_app
from services.gateway.config import GatewaySettings
from shared.bus.memory import InProcessBus
from shared.logging import configure_logging
from shared.storage import LocalStorage
from tests.gateway.conftest import ADMIN_TOKEN, LABELS, Upstreams
from tests.servers import Served, read_until_closed, serving, status_of
from tests.support import eventually

MiB = 1024**2


@dataclass
class ServedGateway:
    served: Served
    client: httpx.AsyncClient
    host_token: str
    settings: GatewaySettings
    storage: LocalStorage

    def head(self, method: str, path: str, length: int) -> bytes:
        return (
            f"{method} {path} HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer {self.host_token}\r\n"
            f"Content-Type: text/csv\r\nContent-Length: {length}\r\n\r\n"
        ).encode()

    def leftovers(self) -> list[Path]:
        """Files an upload could have left: spooled uploads, partial and stored data files."""
        spooled = list(self.settings.uploads_tmp_dir.iterdir())
        partial = list((self.storage.root / ".partial").iterdir())
        return spooled + partial + [p for p in (self.storage.root / "data").rglob("*") if p.is_file()]


@asynccontextmanager
async def served_gateway(
    data_dir: Path, storage_root: Path | None = None, **overrides: Any
) -> AsyncIterator[ServedGateway]:
    settings = GatewaySettings(
        data_dir=data_dir,
        admin_token=ADMIN_TOKEN,
        leaderboard_url="http://leaderboard.test",
        orchestrator_url="http://orchestrator.test",
        **overrides,
    )
    bus = InProcessBus()
    storage = LocalStorage(storage_root or data_dir / "storage")
    app = create_app(settings, bus=bus, storage=storage, http_transport=Upstreams().transport())
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    try:
        async with (
            serving(app, settings) as served,
            httpx.AsyncClient(base_url=served.url, timeout=30) as client,
        ):
            r = await client.post("/api/v1/users", json={"username": "host", "is_host": True}, headers=admin)
            assert r.status_code == 201, r.text
            host_token = r.json()["token"]
            body = {
                "slug": "titanic",
                "title": "Titanic",
                "metric": "accuracy",
                "id_column": "id",
                "target_columns": ["target"],
            }
            r = await client.post(
                "/api/v1/competitions", json=body, headers={"Authorization": f"Bearer {host_token}"}
            )
            assert r.status_code == 201, r.text
            yield ServedGateway(served, client, host_token, settings, storage)
    finally:
        await bus.close()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """``mount("name")``: a 1 MiB tmpfs (a real filesystem that fills up), unmounted after."""
    mounted: list[Path] = []

    def mount(name: str) -> Path:
        path = tmp_path / name
        path.mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(path)], check=True)
        mounted.append(path)
        return path

    yield mount
    for path in mounted:
        subprocess.run(["umount", "-l", str(path)], check=True)


class Log:
    """What the process wrote to stdout and stderr, read as it comes."""

    def __init__(self, capfd: pytest.CaptureFixture[str]) -> None:
        self.capfd = capfd
        self.text = ""

    async def wait_for(self, *needles: str, timeout: float = 10) -> str:
        def logged() -> bool:
            captured = self.capfd.readouterr()
            self.text += captured.out + captured.err
            return any(n in self.text for n in needles)

        await eventually(
            logged, timeout, interval=0.05, what=lambda: f"any of {needles} logged:\n{self.text[-3000:]}"
        )
        return self.text


@pytest.mark.parametrize("upload", ["labels", "data/test.csv"])
async def test_a_client_that_goes_away_half_way_costs_one_log_line_and_leaves_nothing(
    upload: str, data_dir: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    configure_logging("INFO")
    log = Log(capfd)
    async with served_gateway(data_dir) as gw:
        _reader, writer = await gw.served.connect()
        writer.write(gw.head("PUT", f"/api/v1/competitions/titanic/{upload}", 4 * MiB) + b"x" * MiB)
        await writer.drain()
        writer.close()
        text = await log.wait_for("http.client_disconnected", "http.unhandled_error")
        assert (await gw.client.get("/healthz")).status_code == 200
        assert gw.leftovers() == []
    assert text.count("http.client_disconnected") == 1
    assert "http.unhandled_error" not in text
    assert "Traceback" not in text


async def test_a_body_that_stalls_is_answered_408_and_nothing_is_kept(data_dir: Path) -> None:
    async with served_gateway(data_dir, http_body_idle_timeout_s=0.5) as gw:
        reader, writer = await gw.served.connect()
        writer.write(gw.head("PUT", "/api/v1/competitions/titanic/labels", 1000) + b"id,target,Usage\n")
        await writer.drain()
        answer = await read_until_closed(reader, timeout=10)  # the server answers and closes
        writer.close()
        assert status_of(answer) == 408, answer[:300]
        assert b"application/problem+json" in answer
        assert b"request-timeout" in answer
        assert gw.leftovers() == []


async def test_a_body_that_trickles_is_answered_408_and_nothing_is_kept(data_dir: Path) -> None:
    async with served_gateway(data_dir, http_body_idle_timeout_s=0.5, http_body_min_rate_bytes_s=1024) as gw:
        reader, writer = await gw.served.connect()
        writer.write(gw.head("PUT", "/api/v1/competitions/titanic/data/test.csv", 100_000))
        answered = asyncio.create_task(read_until_closed(reader, timeout=10))
        sent = 0
        while not answered.done() and sent < 500:  # a byte every 20 ms: 50 bytes/s
            writer.write(b"1")
            sent += 1
            await asyncio.wait([answered], timeout=0.02)
        answer = await answered
        writer.close()
        assert status_of(answer) == 408, answer[:300]
        assert sent < 200  # cut off after about the idle timeout, not at the end of the body
        assert gw.leftovers() == []


async def test_a_full_disk_is_a_507_problem_nothing_is_kept_and_healthz_stays_fast(
    data_dir: Path, small_disk: Callable[[str], Path]
) -> None:
    uploads, storage = small_disk("uploads"), small_disk("storage")
    async with served_gateway(data_dir, storage_root=storage, uploads_dir=uploads) as gw:
        host = {"Authorization": f"Bearer {gw.host_token}"}
        big = LABELS.encode() + b"9,1,Public\n" * (2 * MiB // 11)
        for path in ("/api/v1/competitions/titanic/labels", "/api/v1/competitions/titanic/data/test.csv"):
            upload = asyncio.create_task(gw.client.put(path, content=big, headers=host))
            slowest = 0.0
            while not upload.done():
                started = time.monotonic()
                assert (await gw.client.get("/healthz")).status_code == 200
                slowest = max(slowest, time.monotonic() - started)
            r = upload.result()
            assert r.status_code == 507, r.text
            assert r.headers["content-type"] == "application/problem+json"
            assert r.headers["retry-after"]
            assert "out of disk space" in r.json()["detail"]
            assert slowest < 5.0, f"/healthz took {slowest:.2f} s while the disk was full"
            assert gw.leftovers() == []
        # nothing was kept, so the space is there again for what fits
        r = await gw.client.put(
            "/api/v1/competitions/titanic/data/test.csv", content=b"id,x\n1,2\n", headers=host
        )
        assert r.status_code == 200, r.text
