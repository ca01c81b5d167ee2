"""Fixtures shared by the whole suite: real PostgreSQL databases, RabbitMQ namespaces,
and data directories the sandbox user can traverse."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import asyncpg
import pytest

pytest_plugins = ["tests.azurite"]

PG_ADMIN_DSN = os.environ.get("HOLDOUT_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP_URL = os.environ.get("HOLDOUT_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")


@pytest.fixture
async def pg_database() -> AsyncIterator[Callable[[str], str]]:
    """Factory: ``make("gateway")`` creates a fresh PostgreSQL database, returns its URL.

    Every database made is dropped when the test ends.
    """
    made: list[str] = []
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    base = PG_ADMIN_DSN.rsplit("/", 1)[0]

    def make(label: str) -> str:
        name = f"holdout_t_{uuid.uuid4().hex[:10]}_{label}"
        made.append(name)
        return f"{base}/{name}"

    class Factory:
        async def __call__(self, label: str) -> str:
            url = make(label)
            await conn.execute(f'CREATE DATABASE "{made[-1]}"')
            return url

    yield Factory()  # type: ignore[misc]
    for name in made:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.close()


@pytest.fixture
def amqp_url() -> str:
    return AMQP_URL


@pytest.fixture
def bus_namespace() -> str:
    """A throwaway RabbitMQ namespace so tests never see each other's messages."""
    return f"holdout-test-{uuid.uuid4().hex[:10]}"


def make_traversable_dir(prefix: str) -> Path:
    """A temp dir under /tmp with mode 0755, so the unprivileged sandbox user can
    reach bind-mount sources below it (pytest's tmp_path lives under a 0700 dir)."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    path.chmod(stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    return path


@pytest.fixture
def data_dir() -> Iterator[Path]:
    path = make_traversable_dir("holdout-test-")
    yield path
    shutil.rmtree(path, ignore_errors=True)
