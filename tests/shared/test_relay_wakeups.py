"""``shared.db.transaction`` wakes the outbox relay after a commit that staged an event,
and only then: a consumer's commit that staged nothing costs the relay no round."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import Column, Integer, Table, insert

from shared.db import add_event, make_engine, make_sessionmaker, new_metadata, outbox_table, transaction
from shared.events import SubmissionCancelled

metadata = new_metadata()
outbox = outbox_table(metadata)
things = Table("things", metadata, Column("id", Integer, primary_key=True))


class CountingRelay:
    def __init__(self) -> None:
        self.wakes = 0

    def notify(self) -> None:
        self.wakes += 1


@pytest.fixture
async def sessionmaker(database_url: str) -> AsyncIterator[Any]:
    engine = make_engine(database_url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def test_a_commit_that_staged_an_event_wakes_the_relay_and_one_that_did_not_does_not(
    sessionmaker: Any,
) -> None:
    relay = CountingRelay()
    async with transaction(sessionmaker, relay) as session:  # type: ignore[arg-type]
        await session.execute(insert(things).values(id=1))
    assert relay.wakes == 0
    async with transaction(sessionmaker, relay) as session:  # type: ignore[arg-type]
        await add_event(session, outbox, SubmissionCancelled(submission_id=uuid.uuid4()))
    assert relay.wakes == 1
    async with transaction(sessionmaker, relay) as session:  # type: ignore[arg-type]
        await session.execute(insert(things).values(id=2))
    assert relay.wakes == 1  # the mark went with its session


async def test_a_rolled_back_event_does_not_wake_the_relay(sessionmaker: Any) -> None:
    relay = CountingRelay()
    with pytest.raises(RuntimeError):
        async with transaction(sessionmaker, relay) as session:  # type: ignore[arg-type]
            await add_event(session, outbox, SubmissionCancelled(submission_id=uuid.uuid4()))
            raise RuntimeError("the handler failed")
    assert relay.wakes == 0
