"""Whole-platform fixtures: Holdout started as real processes, as an operator would."""

from __future__ import annotations

import secrets
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from holdout.digits import COMPETITION, DigitsData, build_dataset, build_example
from holdout.processes import Platform, base_env, start_distributed
from holdout.processes import delete_bus_namespace as _delete_rabbit_namespace
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
