"""Three replicas starting together on a fresh PostgreSQL database all migrate it: they
take turns (an advisory lock in shared/migrations.run_env) and all three succeed.
Without the lock some of them fail on a duplicate type or table."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HOLDOUT = str(Path(sys.executable).with_name("holdout"))


@pytest.mark.parametrize("service", ["gateway", "orchestrator", "scorer", "leaderboard"])
async def test_three_replicas_migrating_at_once_all_succeed(
    service: str, pg_database: Callable[[str], object]
) -> None:
    url = await pg_database(service)  # type: ignore[misc]
    env = {**os.environ, f"HOLDOUT_{service.upper()}_DATABASE_URL": str(url)}

    async def migrate() -> tuple[int, bytes]:
        proc = await asyncio.create_subprocess_exec(
            HOLDOUT,
            "migrate",
            service,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await asyncio.wait_for(proc.communicate(), 120)
        return proc.returncode or 0, out

    results = await asyncio.gather(migrate(), migrate(), migrate())  # three replicas at once
    for code, out in results:
        assert code == 0, out.decode(errors="replace")[-2000:]
