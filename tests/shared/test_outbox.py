"""Transactional outbox and inbox: an event leaves only with its commit, the relays of
two replicas publish it once, a wake-up during a round is not lost, a commit wakes the
relay only when it staged an event, and a duplicate delivery is recognised. On the
in-process bus (not durable) a row is marked sent only once its consumers have acked
it, and what a crash left unacked is delivered again. Held against SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import Column, Integer, String, Table, insert, select

from shared.bus import PermanentError, Subscription
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
    transaction,
)
from shared.events import Event, SubmissionCancelled, parse_event
from tests.support import eventually

metadata = new_metadata()
outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
things = Table("things", metadata, Column("id", Integer, primary_key=True), Column("name", String(20)))


@pytest.fixture
async def sessionmaker(database_url: str) -> AsyncIterator[Any]:
    engine = make_engine(database_url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield make_sessionmaker(engine)
    await engine.dispose()


class RecordingBus(InProcessBus):
    """A broker's stand-in: durable, so the relay marks a row sent once it is published."""

    durable = True

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
    try:
        await eventually(lambda: up.sent, what="the pending event published once the bus is back")
    finally:
        await relay.stop()
    assert [parse_event(b) for b in up.sent] == [event]


async def test_a_notify_during_a_relay_round_is_published_without_waiting_for_the_poll(
    sessionmaker: Any,
) -> None:
    """A commit (and its ``notify()``) that lands while the relay is publishing a batch
    is published by the next round at once, not after the poll interval (an hour here)."""
    first = SubmissionCancelled(submission_id=uuid.uuid4())
    second = SubmissionCancelled(submission_id=uuid.uuid4())

    class CommitsWhilePublishing(RecordingBus):
        async def publish_raw(self, routing_key: str, body: bytes, message_id: str) -> None:
            self.sent.append(body)
            if len(self.sent) == 1:  # another request commits an event during this round
                async with sessionmaker() as s, s.begin():
                    await add_event(s, outbox, second)
                relay.notify()

    async with sessionmaker() as s, s.begin():
        await add_event(s, outbox, first)
    bus = CommitsWhilePublishing()
    relay = OutboxRelay(sessionmaker, outbox, bus, poll_seconds=3600)
    await relay.start()
    try:
        await eventually(lambda: len(bus.sent) == 2, timeout=5, what="the event committed mid-round")
    finally:
        await relay.stop()
    assert [parse_event(b) for b in bus.sent] == [first, second]


async def test_two_relays_of_one_postgresql_database_publish_each_event_once(pg_database: Any) -> None:
    """Two replicas of a service, each with its own relay and connection pool, drain one
    outbox at the same time: every event reaches the bus exactly once, and both relays
    took part (row claims, not turns)."""
    url = await pg_database("relays")
    engines = [make_engine(url) for _ in range(2)]
    try:
        async with engines[0].begin() as conn:
            await conn.run_sync(metadata.create_all)
        makers = [make_sessionmaker(engine) for engine in engines]
        events = [SubmissionCancelled(submission_id=uuid.uuid4()) for _ in range(300)]
        async with makers[0]() as s, s.begin():
            for event in events:
                await add_event(s, outbox, event)
        published: list[tuple[int, str]] = []  # (replica, event id): one broker for both

        class Broker(RecordingBus):
            def __init__(self, replica: int) -> None:
                super().__init__()
                self.replica = replica

            async def publish_raw(self, routing_key: str, body: bytes, message_id: str) -> None:
                await asyncio.sleep(0.001)  # a publisher confirm takes a moment
                published.append((self.replica, message_id))

        relays = [OutboxRelay(maker, outbox, Broker(n), batch=20) for n, maker in enumerate(makers)]

        async def drain(relay: OutboxRelay) -> None:
            while await relay.relay_once():
                pass

        await asyncio.wait_for(asyncio.gather(*(drain(relay) for relay in relays)), 60)
    finally:
        for engine in engines:
            await engine.dispose()
    times = Counter(event_id for _, event_id in published)
    assert {event_id for event_id, n in times.items() if n > 1} == set()
    assert set(times) == {str(event.event_id) for event in events}
    assert {replica for replica, _ in published} == {0, 1}


async def test_inbox_recognises_a_duplicate_delivery(sessionmaker: Any) -> None:
    event = SubmissionCancelled(submission_id=uuid.uuid4())
    async with sessionmaker() as s, s.begin():
        assert await claim_event(s, inbox, event) is True
    async with sessionmaker() as s, s.begin():
        assert await claim_event(s, inbox, event) is False
    async with sessionmaker() as s:
        rows = (await s.execute(select(inbox.c.event_id))).scalars().all()
    assert rows == [str(event.event_id)]


async def unsent(sessionmaker: Any) -> list[str]:
    """The event ids of the rows not marked sent."""
    query = select(outbox.c.event_id).where(outbox.c.published_at.is_(None))
    async with sessionmaker() as s:
        return list((await s.execute(query)).scalars())


async def stage(sessionmaker: Any, *events: SubmissionCancelled) -> None:
    async with sessionmaker() as s, s.begin():
        for event in events:
            await add_event(s, outbox, event)


class Gate:
    """A consumer that takes each event and acks it only when let through."""

    def __init__(self, queue: str = "consumer") -> None:
        self.queue = queue
        self.taken: list[Event] = []
        self.acked: list[Event] = []
        self.open = asyncio.Event()

    async def handle(self, event: Event) -> None:
        self.taken.append(event)
        await self.open.wait()
        self.acked.append(event)

    def subscription(self) -> Subscription:
        return Subscription(queue=self.queue, routing_keys=["submission.*"], handler=self.handle)


async def test_on_the_in_process_bus_a_row_is_marked_sent_only_once_every_consumer_acked(
    sessionmaker: Any,
) -> None:
    """Two services consume the event: until both have acked, its row stays unsent and
    the relay does not hand it over again; the round after the last ack marks it."""
    bus = InProcessBus()
    first, second = Gate("first"), Gate("second")
    await bus.subscribe(first.subscription())
    await bus.subscribe(second.subscription())
    event = SubmissionCancelled(submission_id=uuid.uuid4())
    await stage(sessionmaker, event)
    relay = OutboxRelay(sessionmaker, outbox, bus)
    try:
        assert await relay.relay_once() == 1
        await eventually(lambda: first.taken and second.taken, what="both consumers handling it")
        assert await relay.relay_once() == 0  # in flight: not handed over twice
        first.open.set()
        await eventually(lambda: first.acked, what="the first ack")
        await relay.relay_once()
        assert await unsent(sessionmaker) == [str(event.event_id)], "marked before the second ack"
        second.open.set()
        await eventually(lambda: second.acked, what="the second ack")
        assert await relay.relay_once() == 0
        assert await unsent(sessionmaker) == []
        assert [e.event_id for e in first.taken + second.taken] == [event.event_id] * 2
    finally:
        await bus.close()


async def test_a_crash_before_the_ack_delivers_the_event_again_at_the_next_start(sessionmaker: Any) -> None:
    """The process dies while a consumer handles the event (its bus and relay are dropped,
    nothing closed): the next start's relay finds the row unsent and delivers it again;
    an event already acked and marked is not delivered again."""
    done, pending = (SubmissionCancelled(submission_id=uuid.uuid4()) for _ in range(2))
    crashed_bus = InProcessBus()
    crashed = Gate()
    await crashed_bus.subscribe(crashed.subscription())
    await stage(sessionmaker, done)
    crashed_relay = OutboxRelay(sessionmaker, outbox, crashed_bus)
    crashed.open.set()
    assert await crashed_relay.relay_once() == 1
    await eventually(lambda: crashed.acked, what="the first event acked")
    crashed.open.clear()
    await stage(sessionmaker, pending)
    assert await crashed_relay.relay_once() == 1  # marks the first, hands over the second
    await eventually(lambda: len(crashed.taken) == 2, what="the second event being handled")
    assert await unsent(sessionmaker) == [str(pending.event_id)]
    await crashed_bus.close()  # the crash: its consumer never acks

    bus = InProcessBus()
    restarted = Gate()
    restarted.open.set()
    await bus.subscribe(restarted.subscription())
    relay = OutboxRelay(sessionmaker, outbox, bus, poll_seconds=3600)
    await relay.start()
    try:
        await eventually(lambda: restarted.acked, what="the unacked event delivered again")
        await relay.stop()  # marks what was settled since its last round
        assert [e.event_id for e in restarted.acked] == [pending.event_id]
        assert await unsent(sessionmaker) == []
    finally:
        await relay.stop()
        await bus.close()


async def test_a_dead_lettered_event_is_settled_and_in_flight_rows_are_bounded(sessionmaker: Any) -> None:
    """A message dead-lettered counts as done with (the dead-letter handler has it); with
    ``max_in_flight`` rows handed over and unsettled, the relay hands over no more until
    one settles, then goes on without waiting for its poll."""
    bus = InProcessBus()
    dead: list[bytes] = []

    async def reject(e: Event) -> None:
        raise PermanentError("never valid")

    async def on_dead(body: bytes, why: str) -> None:
        dead.append(body)

    gate = Gate()
    await bus.subscribe(gate.subscription())
    await bus.subscribe_dead_letters("dead-letters", on_dead)
    await bus.subscribe(Subscription(queue="rejects", routing_keys=["submission.cancelled"], handler=reject))
    events = [SubmissionCancelled(submission_id=uuid.uuid4()) for _ in range(3)]
    await stage(sessionmaker, *events)
    relay = OutboxRelay(sessionmaker, outbox, bus, poll_seconds=3600, max_in_flight=2)
    await relay.start()
    try:
        await eventually(lambda: len(dead) == 2 and len(gate.taken) == 2, what="two handed over")
        assert len(gate.taken) == 2 and len(await unsent(sessionmaker)) == 3
        gate.open.set()
        await eventually(lambda: len(gate.acked) == 3, what="the third, once there was room")
        await eventually(lambda: len(dead) == 3, what="the third dead-lettered")
        relay.notify()
        await eventually(unsent_is_empty(sessionmaker), what="all three marked sent")
    finally:
        await relay.stop()
        await bus.close()
    assert [e.event_id for e in gate.acked] == [e.event_id for e in events]


def unsent_is_empty(sessionmaker: Any) -> Any:
    async def probe() -> bool:
        return await unsent(sessionmaker) == []

    return probe


# --- when ``transaction`` wakes the relay ---------------------------------------


class CountingRelay:
    def __init__(self) -> None:
        self.wakes = 0

    def notify(self) -> None:
        self.wakes += 1


async def test_a_commit_that_staged_an_event_wakes_the_relay_and_one_that_did_not_does_not(
    sessionmaker: Any,
) -> None:
    relay = CountingRelay()
    async with transaction(sessionmaker, relay) as session:  # type: ignore[arg-type]
        await session.execute(insert(things).values(id=1, name="no event"))
    assert relay.wakes == 0
    async with transaction(sessionmaker, relay) as session:  # type: ignore[arg-type]
        await add_event(session, outbox, SubmissionCancelled(submission_id=uuid.uuid4()))
    assert relay.wakes == 1
    async with transaction(sessionmaker, relay) as session:  # type: ignore[arg-type]
        await session.execute(insert(things).values(id=2, name="no event"))
    assert relay.wakes == 1  # the mark went with its session


async def test_a_rolled_back_event_does_not_wake_the_relay(sessionmaker: Any) -> None:
    relay = CountingRelay()
    with pytest.raises(RuntimeError):
        async with transaction(sessionmaker, relay) as session:  # type: ignore[arg-type]
            await add_event(session, outbox, SubmissionCancelled(submission_id=uuid.uuid4()))
            raise RuntimeError("the handler failed")
    assert relay.wakes == 0
