"""The suite's cache of migrated SQLite databases (a pytest plugin that tests/conftest.py
loads).

Every in-process service a test builds migrates its fresh SQLite database from nothing
on start-up; the gateway's chain alone takes a second or more, paid again by each of
several hundred tests. Here each service's chain runs for real once per session, into a
template file; a later upgrade *to head* of a database file that does not exist yet
gets a copy of that template instead, which is byte for byte what the migrations made.

Everything else runs the migrations as written: PostgreSQL, an existing database (a
test that migrates to an older revision first, then upgrades), any other revision, and
every service process an end-to-end test starts (its own interpreter).
``tests/shared/test_migrations_match_models.py`` holds the chains themselves to the
models, with the real ``upgrade_sync``.
"""

from __future__ import annotations

import hashlib
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from shared import migrations

_LOCK = threading.Lock()


def _sqlite_path(url: str) -> Path | None:
    if not url.startswith("sqlite") or "///" not in url:
        return None
    path = url.split("///", 1)[1]
    return None if path in ("", ":memory:") else Path(path)


def _chain_key(migrations_dir: Path) -> str:
    """What the template depends on: every file of the chain (a changed script, a new one)."""
    digest = hashlib.sha256()
    for path in sorted(Path(migrations_dir).rglob("*.py")):
        digest.update(str(path.relative_to(migrations_dir)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cached_upgrade(original: Callable[..., None], cache_dir: Path) -> Callable[[Path, str, str], None]:
    def upgrade_sync(migrations_dir: Path, url: str, revision: str = "head") -> None:
        path = _sqlite_path(url)
        if revision != "head" or path is None or path.exists():
            original(migrations_dir, url, revision)
            return
        template = cache_dir / f"{Path(migrations_dir).parent.name}-{_chain_key(Path(migrations_dir))}.db"
        with _LOCK:
            if not template.exists():
                building = template.with_suffix(".building")
                for stale in (building, Path(f"{building}-wal"), Path(f"{building}-shm")):
                    stale.unlink(missing_ok=True)
                original(migrations_dir, f"sqlite:///{building}", revision)
                if Path(f"{building}-wal").exists():  # not checkpointed: not a whole copy
                    original(migrations_dir, url, revision)
                    return
                building.rename(template)
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template, path)

    return upgrade_sync


@pytest.fixture(scope="session", autouse=True)
def _migrated_sqlite_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    original = migrations.upgrade_sync
    migrations.upgrade_sync = cached_upgrade(original, tmp_path_factory.mktemp("migrated"))  # type: ignore[assignment]
    try:
        yield
    finally:
        migrations.upgrade_sync = original  # type: ignore[assignment]
