"""Each submission's ``submission.queued`` is kept beside it (``queued_events``) for the
reconciler to publish again; migration 0012 fills the table from the outbox for the
submissions still waiting when it runs (and only for them)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from alembic import command
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from services.gateway.app import MIGRATIONS_DIR
from services.gateway.models import QueuedEvent
from shared.db import normalise_url
from shared.events import SubmissionQueued
from shared.migrations import alembic_config, upgrade
from tests.gateway.test_consumers import queued


async def kept(url: str) -> dict[str, SubmissionQueued]:
    engine = create_async_engine(normalise_url(url))
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(select(QueuedEvent.submission_id, QueuedEvent.body))).all()
    finally:
        await engine.dispose()
    return {str(sid): SubmissionQueued.model_validate_json(body) for sid, body in rows}


@pytest.mark.parametrize("database", ["postgresql", "sqlite"])
async def test_the_queued_event_is_kept_and_migration_0012_fills_it_from_the_outbox(
    make_gateway: Callable[..., Any], pg_database: Any, database: str
) -> None:
    overrides = {"gateway_database_url": await pg_database("gateway")} if database == "postgresql" else {}
    async with make_gateway(reconcile_interval_s=0, **overrides) as gw:
        host, alice = await gw.user("hana", is_host=True), await gw.user("alice")
        await gw.ready_competition(host, daily_quota=5)
        waiting, original = await queued(gw, alice)
        ended, _ = await queued(gw, alice)
        r = await gw.client.post(f"/api/v1/submissions/{ended['id']}/cancel", headers=alice)
        assert r.json()["status"] == "cancelled"
        url = gw.settings.database_url
    assert (await kept(url))[waiting["id"]] == original  # kept when it was staged

    config = alembic_config(MIGRATIONS_DIR, url)
    await asyncio.to_thread(command.downgrade, config, "0011")
    await upgrade(MIGRATIONS_DIR, url)
    found = await kept(url)
    assert list(found) == [waiting["id"]]  # the cancelled one is never republished
    assert found[waiting["id"]] == original
    assert found[waiting["id"]].submission_id == uuid.UUID(waiting["id"])
