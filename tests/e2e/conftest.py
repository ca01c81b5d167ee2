"""Whole-platform fixtures: Holdout started as real processes, as an operator would."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from holdout.client import HoldoutClient
from holdout.digits import COMPETITION, DigitsData, build_dataset, build_example
from shared.settings import SERVICES
from tests.conftest import make_traversable_dir

HOLDOUT = str(Path(sys.executable).with_name("holdout"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Platform:
    env: dict[str, str]
    admin_token: str
    data_dir: Path
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    logs: dict[str, Path] = field(default_factory=dict)

    @property
    def gateway_url(self) -> str:
        return self.env["HOLDOUT_GATEWAY_URL"]

    def start(self, name: str, *args: str) -> None:
        log = self.data_dir / f"{name}.log"
        self.logs[name] = log
        self.procs[name] = subprocess.Popen(
            [HOLDOUT, *args], env=self.env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs.pop(name)
        os.killpg(proc.pid, sig)
        proc.wait(timeout=30)

    def stop_all(self) -> None:
        for name in list(self.procs):
            proc = self.procs[name]
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
            self.procs.pop(name)

    def dump_logs(self) -> str:
        return "\n".join(f"--- {n} ---\n{p.read_text(errors='replace')[-4000:]}" for n, p in self.logs.items())

    def client(self, token: str | None = None) -> HoldoutClient:
        return HoldoutClient(self.gateway_url, token or self.admin_token)


def base_env(data_dir: Path, runtimes_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOLDOUT_")}
    env.update(
        HOLDOUT_DATA_DIR=str(data_dir),
        HOLDOUT_RUNTIMES_DIR=str(runtimes_dir),
        HOLDOUT_ADMIN_TOKEN="hdt_admin_" + secrets.token_urlsafe(16),
        HOLDOUT_LOG_LEVEL="INFO",
    )
    for name in SERVICES:
        env[f"HOLDOUT_{name.upper()}_URL"] = f"http://127.0.0.1:{free_port()}"
    return env


@pytest.fixture
def platform_dir() -> Iterator[Path]:
    path = make_traversable_dir("holdout-e2e-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def digits(tmp_path_factory: pytest.TempPathFactory) -> DigitsData:
    return build_dataset(tmp_path_factory.mktemp("digits"))


@pytest.fixture(scope="session")
def digits_zips(digits: DigitsData, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("zips")
    return {name: build_example(name, digits, out) for name in ("strong", "baseline", "broken")}


@pytest.fixture
async def embedded(platform_dir: Path, runtimes_dir: Path) -> AsyncIterator[Platform]:
    """`holdout up`: four services, one process, SQLite, in-process bus, local storage."""
    env = base_env(platform_dir, runtimes_dir)
    p = Platform(env, env["HOLDOUT_ADMIN_TOKEN"], platform_dir)
    p.start("up", "up")
    try:
        async with p.client() as c:
            await c.wait_ready(60)
        yield p
    finally:
        p.stop_all()


@pytest.fixture
async def distributed(
    platform_dir: Path, runtimes_dir: Path, pg_database: Any, amqp_url: str, bus_namespace: str
) -> AsyncIterator[Platform]:
    """Four `holdout serve` processes on PostgreSQL (a database each) and RabbitMQ."""
    env = base_env(platform_dir, runtimes_dir)
    env["HOLDOUT_AMQP_URL"] = amqp_url
    env["HOLDOUT_BUS_NAMESPACE"] = bus_namespace
    for name in SERVICES:
        env[f"HOLDOUT_{name.upper()}_DATABASE_URL"] = await pg_database(name)
    p = Platform(env, env["HOLDOUT_ADMIN_TOKEN"], platform_dir)
    try:
        for name in SERVICES:
            subprocess.run([HOLDOUT, "migrate", name], env=env, check=True, capture_output=True)
        # consumers first, so their durable queues exist before anything is published
        for name in ("leaderboard", "scorer", "orchestrator", "gateway"):
            port = env[f"HOLDOUT_{name.upper()}_URL"].rsplit(":", 1)[1]
            p.start(name, "serve", name, "--port", port)
        for name in SERVICES:
            async with HoldoutClient(env[f"HOLDOUT_{name.upper()}_URL"]) as c:
                await c.wait_ready(60)
        yield p
    finally:
        p.stop_all()
        await _delete_rabbit_namespace(amqp_url, bus_namespace)


async def _delete_rabbit_namespace(amqp_url: str, namespace: str) -> None:
    from shared.bus.rabbitmq import RabbitBus

    bus = RabbitBus(amqp_url, namespace)
    await bus.start()
    await bus.delete_topology([*SERVICES, "dead-letters"])
    await bus.close()


async def create_digits_competition(p: Platform, digits: DigitsData) -> tuple[dict[str, Any], str]:
    """As a host: create the competition, upload data and labels. Returns (competition, host token)."""
    async with p.client() as admin:
        host = await admin.create_user("host", is_host=True)
        async with admin.as_user(host["token"]) as h:
            comp = await h.create_competition({**COMPETITION, "slug": f"digits-{secrets.token_hex(3)}"})
            await h.upload_data(comp["id"], digits.features, "features.csv")
            await h.upload_labels(comp["id"], digits.labels)
    return comp, host["token"]


async def poll(predicate: Any, timeout: float = 60.0, interval: float = 0.1) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await predicate()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not met before the deadline")
        await asyncio.sleep(interval)
