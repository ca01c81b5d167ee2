"""Transactional outbox and inbox: an event leaves only with its commit, and a
duplicate delivery is recognised. Held against SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Integer, String, Table, insert, select

from shared.bus.memory import InProcessBus
from shared.db import (
    OutboxRelay,
    add_event,
    claim_event,
    inbox_table,
    make_engine,
    make_sessionmaker,
    new_metadata,
    outbox_table,
)
from shared.events import SubmissionCancelled, parse_event

metadata = new_metadata()
outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
things = Table("things", metadata, Column("id", Integer, primary_key=True), Column("name", String(20)))


@pytest.fixture(params=["sqlite", "postgresql"])
async def sessionmaker(request: Any, tmp_path: Path, pg_database: Any) -> AsyncIterator[Any]:
    url = f"sqlite:///{tmp_path / 'x.db'}" if request.param == "sqlite" else await pg_database("outbox")
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield make_sessionmaker(engine)
    await engine.dispose()


class RecordingBus(InProcessBus):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[bytes] = []

    async def publish_raw(self, routing_key: str, body: bytes, message_id: str) -> None:
        self.sent.append(body)


async def test_event_is_published_only_if_its_transaction_commits(sessionmaker: Any) -> None:
    bus = RecordingBus()
    relay = OutboxRelay(sessionmaker, outbox, bus)
    kept = SubmissionCancelled(submission_id=uuid.uuid4())
    dropped = SubmissionCancelled(submission_id=uuid.uuid4())
    async with sessionmaker() as s, s.begin():
        await s.execute(insert(things).values(id=1, name="kept"))
        await add_event(s, outbox, kept)
    with pytest.raises(RuntimeError):
        async with sessionmaker() as s, s.begin():
            await s.execute(insert(things).values(id=2, name="dropped"))
            await add_event(s, outbox, dropped)
            raise RuntimeError("request failed half-way")
    assert await relay.relay_once() == 1
    assert [parse_event(b) for b in bus.sent] == [kept]
    assert await relay.relay_once() == 0  # marked as sent


async def test_relay_keeps_pending_events_when_the_bus_is_down(sessionmaker: Any) -> None:
    class DownBus(RecordingBus):
        async def publish_raw(self, routing_key: str, body: bytes, message_id: str) -> None:
            raise ConnectionError("broker unreachable")

    event = SubmissionCancelled(submission_id=uuid.uuid4())
    async with sessionmaker() as s, s.begin():
        await add_event(s, outbox, event)
    with pytest.raises(ConnectionError):
        await OutboxRelay(sessionmaker, outbox, DownBus()).relay_once()
    up = RecordingBus()
    relay = OutboxRelay(sessionmaker, outbox, up, poll_seconds=0.05)
    await relay.start()
    for _ in range(200):
        if up.sent:
            break
        await asyncio.sleep(0.02)
    await relay.stop()
    assert [parse_event(b) for b in up.sent] == [event]


async def test_inbox_recognises_a_duplicate_delivery(sessionmaker: Any) -> None:
    event = SubmissionCancelled(submission_id=uuid.uuid4())
    async with sessionmaker() as s, s.begin():
        assert await claim_event(s, inbox, event) is True
    async with sessionmaker() as s, s.begin():
        assert await claim_event(s, inbox, event) is False
    async with sessionmaker() as s:
        rows = (await s.execute(select(inbox.c.event_id))).scalars().all()
    assert rows == [str(event.event_id)]
