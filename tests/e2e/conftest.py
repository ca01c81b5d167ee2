"""Whole-platform fixtures: Holdout started as real processes, as an operator would."""

from __future__ import annotations

import secrets
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from holdout.client import HoldoutClient
from holdout.digits import COMPETITION, DigitsData, build_dataset, build_example
from holdout.processes import HOLDOUT, Platform, base_env
from shared.settings import SERVICES
from tests.conftest import make_traversable_dir
from tests.support import patient


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
    """`holdout up`: four services, one process, SQLite, in-process bus, local storage;
    no HOLDOUT_INTERNAL_TOKEN, so it makes the data directory's own."""
    env = base_env(platform_dir, runtimes_dir)
    p = Platform(env, env["HOLDOUT_ADMIN_TOKEN"], platform_dir)
    p.start("up", "up")
    try:
        async with p.client() as c:
            await c.wait_ready(60)
        yield p
    finally:
        p.stop_all()


async def start_distributed(
    platform_dir: Path,
    runtimes_dir: Path,
    pg_database: Any,
    amqp_url: str,
    bus_namespace: str,
    commands: dict[str, list[str]] | None = None,
) -> Platform:
    """Migrate, then start the four services as separate processes (consumers first,
    so their durable queues exist before anything is published). ``commands``
    replaces a service's command line (the crash tests wrap one)."""
    env = base_env(platform_dir, runtimes_dir)
    env["HOLDOUT_INTERNAL_TOKEN"] = secrets.token_urlsafe(32)  # `serve` refuses to start without
    env["HOLDOUT_AMQP_URL"] = amqp_url
    env["HOLDOUT_BUS_NAMESPACE"] = bus_namespace
    for name in SERVICES:
        env[f"HOLDOUT_{name.upper()}_DATABASE_URL"] = await pg_database(name)
    p = Platform(env, env["HOLDOUT_ADMIN_TOKEN"], platform_dir)
    for name in SERVICES:
        subprocess.run([HOLDOUT, "migrate", name], env=env, check=True, capture_output=True)
    for name in ("leaderboard", "scorer", "orchestrator", "gateway"):
        port = env[f"HOLDOUT_{name.upper()}_URL"].rsplit(":", 1)[1]
        argv = (commands or {}).get(name)
        if argv is None:
            p.start(name, "serve", name, "--port", port)
        else:
            p.start_argv(name, [*argv, "--port", port])
    for name in SERVICES:
        async with HoldoutClient(env[f"HOLDOUT_{name.upper()}_URL"]) as c:
            await c.wait_ready(60)
    return p


@pytest.fixture
async def distributed(
    platform_dir: Path, runtimes_dir: Path, pg_database: Any, amqp_url: str, bus_namespace: str
) -> AsyncIterator[Platform]:
    """Four `holdout serve` processes on PostgreSQL (a database each) and RabbitMQ."""
    p = await start_distributed(platform_dir, runtimes_dir, pg_database, amqp_url, bus_namespace)
    try:
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


# the suite's one polling helper (tests/support.py), with the patience of whole platforms
poll = patient(60.0, interval=0.1)
