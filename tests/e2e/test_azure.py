"""Holdout on Azure Blob Storage (Azurite, the official emulator): `holdout up` as a real
process with ``HOLDOUT_STORAGE_BACKEND=azure``, so the gateway stores uploads, the local
executor fetches the zip and the test data and writes predictions and the log, and the
scorer reads labels, all through the storage account.

Faults: Azurite stopped in the middle of an upload through the gateway; and the
storage account failing the run's download for a while, through a fault-injecting
proxy on loopback (``tests/faultproxy.py``) between Holdout and Azurite.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from holdout.digits import COMPETITION, DigitsData
from holdout.processes import Platform, base_env
from shared.storage.azure import AzureBlobStorage
from tests.azurite import Azurite
from tests.e2e.conftest import create_digits_competition, poll
from tests.e2e.test_whole_path import whole_path
from tests.faultproxy import FaultProxy

pytestmark = pytest.mark.e2e


async def start_on_azure(
    platform_dir: Path, runtimes_dir: Path, connection_string: str, prefix: str
) -> Platform:
    env = base_env(platform_dir, runtimes_dir)
    env.update(
        HOLDOUT_STORAGE_BACKEND="azure",
        HOLDOUT_AZURE_STORAGE_CONNECTION_STRING=connection_string,
        HOLDOUT_AZURE_CONTAINER_PREFIX=prefix,
        HOLDOUT_AZURE_STORAGE_RETRY_BACKOFF_SECONDS="0.05",
        # room for the fault test's retried attempt, whichever attempt the fault ends in
        HOLDOUT_MAX_ATTEMPTS="3",
    )
    p = Platform(env, env["HOLDOUT_ADMIN_TOKEN"], platform_dir)
    p.start("up", "up")
    try:
        async with p.client() as c:
            await c.wait_ready(60)
    except BaseException:
        p.stop_all()
        raise
    return p


@pytest.fixture
def prefix() -> str:
    return f"e{uuid.uuid4().hex[:8]}-"


@pytest.fixture
async def proxy(azurite: Azurite) -> AsyncIterator[FaultProxy]:
    if not azurite.running:
        azurite.start()
    p = await FaultProxy(f"http://127.0.0.1:{azurite.port}").start()
    yield p
    await p.stop()


def through(azurite: Azurite, proxy: FaultProxy) -> str:
    return azurite.connection_string.replace(f"127.0.0.1:{azurite.port}", proxy.url.removeprefix("http://"))


def cache_counts(metrics: str) -> dict[str, float]:
    found = re.findall(r'^holdout_executor_data_cache_total\{result="(\w+)"\} ([0-9.e+]+)$', metrics, re.M)
    return {result: float(value) for result, value in found}


async def test_whole_path_on_azure_blob_storage(
    azurite: Azurite,
    prefix: str,
    platform_dir: Path,
    runtimes_dir: Path,
    digits: DigitsData,
    digits_zips: dict[str, Path],
) -> None:
    if not azurite.running:
        azurite.start()
    p = await start_on_azure(platform_dir, runtimes_dir, azurite.connection_string, prefix)
    try:
        await whole_path(p, digits, digits_zips)  # upload, run, score, board: three runs
        async with p.internal_client("orchestrator") as orchestrator:
            metrics = (await orchestrator.get("/metrics")).text
    finally:
        p.stop_all()

    # the test features were downloaded for the first run only; the later ones found them
    # in the machine's cache under the sha256 the gateway recorded at upload
    assert cache_counts(metrics) == {"hit": 2.0, "miss": 1.0}
    storage = AzureBlobStorage(azurite.connection_string, container_prefix=prefix)
    try:
        assert len(await storage.list("submissions")) == 3
        assert len(await storage.list("data")) == 1 and len(await storage.list("labels")) == 1
        outputs = await storage.list("outputs")
        assert sum(k.endswith("/log.txt") for k in outputs) == 3
        assert sum(k.endswith("/predictions.csv") for k in outputs) == 3
    finally:
        await storage.close()
    local = platform_dir / "storage"
    assert not local.exists() or not any(f.is_file() for f in local.rglob("*"))


@pytest.mark.allow_leaked_tasks(
    "aiohttp's server may keep a connection task of the fault proxy a moment past cleanup "
    "when its upstream stopped mid-request (seen once in a loaded full run, not alone)"
)
async def test_storage_stopping_mid_upload_is_a_503_and_leaves_no_blob(
    private_azurite: Azurite, prefix: str, platform_dir: Path, runtimes_dir: Path
) -> None:
    proxy = await FaultProxy(f"http://127.0.0.1:{private_azurite.port}").start()
    p = await start_on_azure(platform_dir, runtimes_dir, through(private_azurite, proxy), prefix)
    try:
        async with p.client() as admin:
            host = await admin.create_user("host", is_host=True)
            async with admin.as_user(host["token"]) as h:
                comp = await h.create_competition({**COMPETITION, "slug": f"digits-{uuid.uuid4().hex[:6]}"})

        async def body() -> AsyncIterator[bytes]:
            yield b"1" * (6 << 20)  # more than a block: the gateway stages one
            await poll(lambda: _true(any("comp=block" in path for _, path in proxy.requests)), timeout=30)
            await asyncio.to_thread(private_azurite.stop)
            yield b"2" * (6 << 20)

        url = f"{p.gateway_url}/api/v1/competitions/{comp['id']}/data/features.csv"
        headers = {"Authorization": f"Bearer {host['token']}", "Content-Type": "application/octet-stream"}
        async with httpx.AsyncClient(timeout=60) as c:
            response = await c.put(url, content=body(), headers=headers)
            assert response.status_code == 503, response.text
            problem = response.json()
            assert response.headers["content-type"].startswith("application/problem+json")
            assert problem["type"].endswith("storage-unavailable") and response.headers["retry-after"]
            assert "nothing from this request was stored" in problem["detail"]

            # the emulator comes back with what it had persisted: no blob, committed or half
            await asyncio.to_thread(private_azurite.start)
            storage = AzureBlobStorage(private_azurite.connection_string, container_prefix=prefix)
            try:
                assert await storage.list("data") == []
            finally:
                await storage.close()
            async with p.client(host["token"]) as h:
                assert (await h._json("GET", f"/api/v1/competitions/{comp['id']}"))["data_files"] == []
            # and the host's retry goes through
            response = await c.put(url, content=b"id,p0\n1,0\n", headers=headers)
            assert response.status_code in (200, 201), response.text
    finally:
        p.stop_all()
        await proxy.stop()


async def test_a_run_whose_storage_fails_for_a_while_still_ends_correctly(
    azurite: Azurite,
    proxy: FaultProxy,
    prefix: str,
    platform_dir: Path,
    runtimes_dir: Path,
    digits: DigitsData,
    digits_zips: dict[str, Path],
) -> None:
    p = await start_on_azure(platform_dir, runtimes_dir, through(azurite, proxy), prefix)
    try:
        comp, _ = await create_digits_competition(p, digits)
        # every download of a submission archive dies mid-connection until lifted
        proxy.drop.append(lambda method, path: method == "GET" and f"/{prefix}submissions/" in path)
        async with p.client() as admin:
            ada = await admin.create_participant("ada", comp["id"])
        async with (
            p.client(ada["token"]) as c,
            p.internal_client("orchestrator") as orchestrator,
        ):
            sub = await c.submit(comp["id"], digits_zips["strong"])

            async def retried() -> bool:
                response = await orchestrator.get(f"/internal/v1/executions/{sub['id']}")
                return response.status_code == 200 and response.json()["attempt"] >= 2

            # the first attempt retried with backoff, then ended as a platform fault
            # (internal_error) and was queued again as attempt 2
            await poll(retried, timeout=90, interval=0.05)
            proxy.drop.clear()
            done = await c.wait_terminal(sub["id"], timeout=180)
            assert done["status"] == "scored", (done, p.dump_logs())
            entry = await c.wait_on_leaderboard(comp["id"], sub["id"])
            execution = (await orchestrator.get(f"/internal/v1/executions/{sub['id']}")).json()
        assert len(proxy.dropped) >= 3  # the storage client's and the executor's retries
        assert execution["failure_reason"] is None and execution["attempt"] >= 2
        assert entry["submissions"] == 1  # one submission counted for the team, not two
    finally:
        p.stop_all()


async def _true(value: bool) -> bool:
    return value
