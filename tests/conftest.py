"""Fixtures shared by the whole suite: real PostgreSQL databases, RabbitMQ namespaces,
and data directories the sandbox user can traverse; every async test is also held to
leave no asyncio task running behind it (tests/taskguard.py, autouse)."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from services.orchestrator.executors.local.runtimes import (
    REPO_RUNTIMES_DIR,
    build_runtime,
    lock_file,
)
from shared.runtime_locks import file_sha256

pytest_plugins = ["tests.azurite", "tests.browser", "tests.migration_cache", "tests.taskguard", "pytester"]

PG_ADMIN_DSN = os.environ.get("HOLDOUT_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP_URL = os.environ.get("HOLDOUT_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
# the service credential of the apps the tests build (HOLDOUT_INTERNAL_TOKEN), and what
# a caller of their internal API sends
INTERNAL_TOKEN = "test-internal-token-" + uuid.uuid4().hex
INTERNAL_HEADERS = {"Authorization": f"Bearer {INTERNAL_TOKEN}"}


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


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path, pg_database: Any) -> str:
    """A fresh, empty database's URL: a test that takes it runs twice, on SQLite (the
    embedded single process) and on PostgreSQL (production, from ``pg_database``, so
    dropped when the test ends). The test's id says which (``[sqlite]``, ``[postgresql]``)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    url: str = await pg_database(request.path.parent.name)  # the database's name says which suite
    return url


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


# The sandbox runtime takes ~30 s to build, so it is cached across sessions under
# /var/tmp/holdout-test-runtimes/<hash of the lock>/ (every parent 0755).
TEST_RUNTIMES_ROOT = Path(os.environ.get("HOLDOUT_TEST_RUNTIMES_ROOT", "/var/tmp/holdout-test-runtimes"))


@pytest.fixture(scope="session")
def runtimes_dir() -> Path:
    """A runtimes root holding the built ``default`` runtime (see ``OrchestratorSettings.runtimes_dir``)."""
    digest = file_sha256(lock_file("default"))[:16]
    root = TEST_RUNTIMES_ROOT / digest
    root.mkdir(parents=True, exist_ok=True)
    for path in (TEST_RUNTIMES_ROOT, root):
        path.chmod(0o755)
    build_runtime("default", root, REPO_RUNTIMES_DIR, check_uid=64000, check_gid=64000)
    return root


@pytest.fixture(scope="session")
def default_runtime(runtimes_dir: Path) -> Path:
    return runtimes_dir / "default"


# ``make test TEST_WORKERS=3`` spreads the suite over pytest-xdist workers (``--dist loadgroup``); the
# tests that start whole platforms as processes run in two groups, each on one worker,
# one test at a time: the kill-and-burst scenarios, whose checks sample the machine
# (sandboxes live, runs per replica), never beside each other, and the other platforms.
# The in-process tests fill the remaining worker and whatever time the groups leave.
SCENARIO_GROUPS = {
    "kills": (
        "tests/e2e/test_replicas.py",
        "tests/e2e/test_orchestrator_crash.py",
        "tests/e2e/test_embedded_crash.py",
        "tests/e2e/test_delivery.py",
        "tests/orchestrator/kubernetes/test_scale.py",
        # hostile runs beside honest ones under wall-clock limits
        "tests/orchestrator/hostile/",
    ),
    "platforms": (
        "tests/e2e/",
        "tests/holdout/",
        "tests/clients/test_cli",
        "tests/clients/test_install.py",
        "tests/deploy/test_graceful_shutdown.py",
    ),
}


def scenario_group(path: str) -> str | None:
    for group, prefixes in SCENARIO_GROUPS.items():  # in order: "kills" before "platforms"
        if any(path.startswith(prefix) for prefix in prefixes):
            return group
    return None


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = Path(str(config.rootpath))
    for item in items:
        relative = Path(str(item.path)).relative_to(root).as_posix()
        if (group := scenario_group(relative)) is not None:
            item.add_marker(pytest.mark.xdist_group(group))
