"""SQLite's durability levels (``shared.db.make_engine``): WAL mode always, and the
``synchronous`` level each service chose; a commit at ``NORMAL`` survives the process
being killed the moment the commit returned (what ``holdout up``'s crash recovery
relies on), as one at ``FULL`` does."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from shared.db import SqliteSynchronous, make_engine

# a child process: commit one row at the given level, say so, then wait to be killed
COMMIT_THEN_WAIT = """
import asyncio, sys, time
from sqlalchemy import text
from shared.db import make_engine

async def main() -> None:
    engine = make_engine(sys.argv[1], sqlite_synchronous=sys.argv[2])
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE IF NOT EXISTS accepted (id INTEGER PRIMARY KEY)"))
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO accepted (id) VALUES (1)"))
    print("committed", flush=True)
    time.sleep(600)  # the engine is never closed: no checkpoint, the row is in the WAL only

asyncio.run(main())
"""


async def _pragma(url: str, name: str, level: SqliteSynchronous) -> Any:
    engine = make_engine(url, sqlite_synchronous=level)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(text(f"PRAGMA {name}"))).scalar()
    finally:
        await engine.dispose()


@pytest.mark.parametrize(("level", "value"), [("FULL", 2), ("NORMAL", 1)])
async def test_every_connection_is_in_wal_mode_at_the_chosen_level(
    tmp_path: Path, level: SqliteSynchronous, value: int
) -> None:
    url = f"sqlite:///{tmp_path}/db.sqlite"
    assert await _pragma(url, "journal_mode", level) == "wal"
    assert await _pragma(url, "synchronous", level) == value


@pytest.mark.parametrize("level", ["FULL", "NORMAL"])
async def test_a_commit_survives_the_process_being_killed_right_after_it(
    tmp_path: Path, level: SqliteSynchronous
) -> None:
    url = f"sqlite:///{tmp_path}/db.sqlite"
    child = subprocess.Popen(
        [sys.executable, "-c", COMMIT_THEN_WAIT, url, level], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        line = await asyncio.wait_for(asyncio.to_thread(child.stdout.readline), 60)
        assert line.strip() == "committed"
        assert (tmp_path / "db.sqlite-wal").exists()  # not yet checkpointed into the database
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM accepted"))).scalar() == 1
    finally:
        await engine.dispose()
