"""The submission flow on PostgreSQL (the production database), including the quota
holding under concurrent uploads from one team; text PostgreSQL cannot store (NUL)
and the name keys' unique constraints and their backfill (migration 0004)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import create_async_engine

from services.gateway.app import MIGRATIONS_DIR
from shared.db import normalise_url
from shared.migrations import upgrade
from tests.gateway.conftest import Gateway
from tests.gateway.test_consumers import finished, queued, scored, started
from tests.gateway.test_host_input import check_nul_bytes_are_refused


async def run_flow(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice = await gw.user("alice")
    comp = await gw.ready_competition(host, daily_quota=2)
    sub, q = await queued(gw, alice)
    assert await gw.storage.exists("submissions", f"{comp['id']}/{sub['id']}.zip")
    assert q.execution.data_files == ["test.csv"]

    await gw.bus.publish(started(q))
    await gw.wait_status(sub["id"], alice, "running")
    await gw.bus.publish(finished(q, exit_code=0))
    await gw.wait_status(sub["id"], alice, "scoring")
    score = scored(q, 0.8)
    await gw.bus.publish(score)
    await gw.bus.publish(score)
    late = started(q, attempt=2)
    await gw.bus.publish(late)
    await gw.consumed(late)
    done = await gw.status_of(sub["id"], alice)
    assert done["status"] == "scored" and done["public_score"] == 0.8

    second = (await gw.submit(alice)).json()
    cancel = await gw.client.post(f"/api/v1/submissions/{second['id']}/cancel", headers=alice)
    assert cancel.json()["status"] == "cancelled"
    assert (await gw.submit(alice)).status_code == 202  # cancelled before running: quota back
    over = await gw.submit(alice)
    assert over.status_code == 429 and over.json()["remaining"] == 0
    bad = await gw.submit(alice, body=b"PK\x03\x04 not really")
    assert bad.status_code == 422


async def test_submission_flow_on_postgresql(make_gateway: Callable[..., Any], pg_database: Any) -> None:
    url = await pg_database("gateway")
    async with make_gateway(gateway_database_url=url) as gw:
        await run_flow(gw)


async def test_concurrent_uploads_never_exceed_the_quota(
    make_gateway: Callable[..., Any], database_url: str
) -> None:
    async with make_gateway(gateway_database_url=database_url) as gw:
        host = await gw.user("hana", is_host=True)
        alice = await gw.user("alice")
        await gw.ready_competition(host, daily_quota=3)
        results = await asyncio.gather(*(gw.submit(alice) for _ in range(8)))
        codes = sorted(r.status_code for r in results)
        assert codes == [202] * 3 + [429] * 5, [r.text for r in results]
        listed = (await gw.client.get("/api/v1/competitions/titanic/submissions", headers=alice)).json()
        assert listed["total"] == 3
        assert {s["team_name"] for s in listed["items"]} == {"alice"}


async def test_nul_bytes_and_name_keys_on_postgresql(
    make_gateway: Callable[..., Any], pg_database: Any
) -> None:
    async with make_gateway(gateway_database_url=await pg_database("gateway")) as gw:
        await check_nul_bytes_are_refused(gw)
        alice = await gw.user("alice")
        again = await gw.client.post("/api/v1/users", json={"username": "ALICE"}, headers=gw.admin)
        assert again.status_code == 409
        first = await gw.client.post(
            "/api/v1/competitions/titanic/teams", json={"name": "Alpha"}, headers=alice
        )
        assert first.status_code == 201
        hana = await gw.user("hana2")
        taken = await gw.client.post(
            "/api/v1/competitions/titanic/teams", json={"name": "alpha"}, headers=hana
        )
        assert taken.status_code == 409


async def test_migration_0004_backfills_name_keys(database_url: str) -> None:
    """Rows from before the keys get them; two names that already share a key both stay."""
    url = database_url
    postgresql = url.startswith("postgresql")
    await upgrade(MIGRATIONS_DIR, url, "0003")
    engine = create_async_engine(normalise_url(url))
    # as each database stores a Uuid column (SQLite: 32 hex digits)
    ids: list[Any] = [uuid.UUID(int=i) if postgresql else uuid.UUID(int=i).hex for i in range(6)]
    now = datetime.now(UTC)
    try:
        async with engine.begin() as conn:
            meta = MetaData()
            await conn.run_sync(lambda sync: meta.reflect(sync, only=["users", "competitions", "teams"]))
            users, competitions, teams = (meta.tables[t] for t in ("users", "competitions", "teams"))
            for i, name in enumerate(("Alice", "alice", "bob")):
                await conn.execute(
                    users.insert().values(
                        id=ids[i],
                        username=name,
                        is_host=False,
                        is_admin=False,
                        token_hash=str(i) * 64,
                        created_at=now,
                    )
                )
            competition = {
                "slug": "c", "title": "C", "description": "", "metric": "accuracy", "id_column": "id",
                "target_columns": ["y"], "predictions_filename": "submission.csv", "runtime": "default",
                "limits": {}, "daily_quota": 1, "smoke_daily_quota": 1, "show_logs": True, "host_id": ids[2],
                "data_version": 1, "data_frozen": False, "extra_metrics": [], "final_count": 2,
                "smoke_data_version": 1, "smoke_data_frozen": False, "created_at": now, "updated_at": now,
            }  # fmt: skip
            await conn.execute(competitions.insert().values(id=ids[3], **competition))
            for i, name in ((4, "Rocket"), (5, "ROCKET")):
                at = now + timedelta(seconds=i)
                await conn.execute(
                    teams.insert().values(id=ids[i], competition_id=ids[3], name=name, created_at=at)
                )
        await upgrade(MIGRATIONS_DIR, url)
        async with engine.connect() as conn:
            user_keys = dict((await conn.execute(text("SELECT username, username_key FROM users"))).all())
            team_keys = dict((await conn.execute(text("SELECT name, name_key FROM teams"))).all())
    finally:
        await engine.dispose()
    assert user_keys["Alice"] == "alice" and user_keys["bob"] == "bob"
    assert user_keys["alice"].startswith("alice#")
    assert team_keys["Rocket"] == "rocket" and team_keys["ROCKET"].startswith("rocket#")
