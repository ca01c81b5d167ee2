"""The bus contract, held against both transports: the in-process bus and RabbitMQ."""

from __future__ import annotations

import asyncio
import itertools
import sys
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aio_pika
import pytest
from prometheus_client import REGISTRY

from shared.bus import Bus, PermanentError, Subscription, TransientError
from shared.bus.memory import InProcessBus
from shared.bus.rabbitmq import COUNTED_FAILURES_HEADER, TRANSIENT_RETRIES_HEADER, RabbitBus
from shared.context import set_correlation_id
from shared.events import Event, SubmissionCancelled, parse_event
from tests.support import eventually


@pytest.fixture(params=["memory", "rabbitmq"])
async def bus(request: Any, amqp_url: str, bus_namespace: str) -> AsyncIterator[Bus]:
    b: Bus = InProcessBus() if request.param == "memory" else RabbitBus(amqp_url, bus_namespace)
    await b.start()
    yield b
    if isinstance(b, RabbitBus):
        await b.delete_topology(["consumer", "other", "dead-letters"])
    await b.close()


def sub(handler: Any, queue: str = "consumer", **kw: Any) -> Subscription:
    return Subscription(
        queue=queue,
        routing_keys=["submission.*"],
        handler=handler,
        retry_base_seconds=0.05,
        retry_cap_seconds=0.2,
        **kw,
    )


def deliveries(outcome: str, queue: str = "consumer", type_: str = "submission.cancelled") -> float:
    """How many deliveries to ``queue`` the bus has settled with ``outcome`` (its metric)."""
    labels = {"queue": queue, "type": type_, "outcome": outcome}
    return REGISTRY.get_sample_value("holdout_bus_deliveries_total", labels) or 0.0


async def test_published_event_reaches_every_subscribed_service(bus: Bus) -> None:
    got: dict[str, list[Event]] = {"consumer": [], "other": []}

    async def h1(e: Event) -> None:
        got["consumer"].append(e)

    async def h2(e: Event) -> None:
        got["other"].append(e)

    await bus.subscribe(sub(h1))
    await bus.subscribe(sub(h2, queue="other"))
    set_correlation_id("abc123")
    event = SubmissionCancelled(submission_id=uuid.uuid4())
    set_correlation_id(None)
    await bus.publish(event)
    await eventually(lambda: len(got["consumer"]) == 1 and len(got["other"]) == 1)
    assert got["consumer"][0] == event
    assert got["consumer"][0].correlation_id == "abc123"


async def test_failing_handler_gets_the_event_again_until_it_succeeds(bus: Bus) -> None:
    event = SubmissionCancelled(submission_id=uuid.uuid4())
    sentinel = SubmissionCancelled(submission_id=uuid.uuid4())
    attempts: list[uuid.UUID] = []
    drained = asyncio.Event()

    async def flaky(e: Event) -> None:
        if e.event_id == sentinel.event_id:
            drained.set()
            return
        attempts.append(e.event_id)
        if len(attempts) < 3:
            raise RuntimeError("database briefly down")

    # one message in flight at a time: the sentinel comes after whatever is still queued
    await bus.subscribe(sub(flaky, max_deliveries=5, prefetch=1))
    before = {outcome: deliveries(outcome) for outcome in ("acked", "retried", "transient")}
    await bus.publish(event)
    # settled: the bus acked the success; every redelivery it schedules is counted
    # (retried, transient) before it happens
    await eventually(lambda: deliveries("acked") - before["acked"] == 1, what="the success acked")
    assert deliveries("retried") - before["retried"] == 2
    assert deliveries("transient") == before["transient"]
    # drained: the sentinel is handled after anything still queued on the subscription
    await bus.publish(sentinel)
    await asyncio.wait_for(drained.wait(), 10)
    assert attempts == [event.event_id] * 3, "delivered again after the handler succeeded"


async def test_poison_message_is_dead_lettered_after_bounded_deliveries(bus: Bus) -> None:
    attempts = 0
    dead: list[tuple[bytes, str]] = []

    async def always_fails(e: Event) -> None:
        nonlocal attempts
        attempts += 1
        raise RuntimeError("bug")

    async def on_dead(body: bytes, why: str) -> None:
        dead.append((body, why))

    await bus.subscribe_dead_letters("dead-letters", on_dead)
    await bus.subscribe(sub(always_fails, max_deliveries=3))
    event = SubmissionCancelled(submission_id=uuid.uuid4())
    await bus.publish(event)
    await eventually(lambda: len(dead) == 1)
    assert attempts == 3
    assert parse_event(dead[0][0]) == event


async def test_permanent_error_dead_letters_at_once(bus: Bus) -> None:
    attempts = 0
    dead: list[bytes] = []

    async def reject(e: Event) -> None:
        nonlocal attempts
        attempts += 1
        raise PermanentError("refers to a competition that does not exist")

    async def on_dead(body: bytes, why: str) -> None:
        dead.append(body)

    await bus.subscribe_dead_letters("dead-letters", on_dead)
    await bus.subscribe(sub(reject, max_deliveries=5))
    await bus.publish(SubmissionCancelled(submission_id=uuid.uuid4()))
    await eventually(lambda: len(dead) == 1)
    assert attempts == 1


async def test_transient_error_is_redelivered_after_a_backoff_without_counting_toward_the_limit(
    bus: Bus,
) -> None:
    """Four TransientErrors on a subscription that dead-letters at the second counted
    failure: the fifth delivery succeeds, nothing is dead-lettered, and each redelivery
    came after at least the (jittered) backoff of the retry policy. The redeliveries go
    to that subscription alone: another service got the event once."""
    seen: list[float] = []
    dead: list[bytes] = []
    other: list[Event] = []

    async def records(e: Event) -> None:
        other.append(e)

    async def dependency_away(e: Event) -> None:
        seen.append(time.monotonic())
        if len(seen) <= 4:
            raise TransientError("the database is failing over")

    async def on_dead(body: bytes, why: str) -> None:
        dead.append(body)

    await bus.subscribe_dead_letters("dead-letters", on_dead)
    await bus.subscribe(sub(dependency_away, max_deliveries=2, transient_cap_seconds=0.4))
    await bus.subscribe(sub(records, queue="other"))
    await bus.publish(SubmissionCancelled(submission_id=uuid.uuid4()))
    await eventually(lambda: len(seen) == 5, what="the fifth delivery")
    assert dead == []
    assert len(other) == 1  # its copy came with the first delivery, before four retries
    for retry, gap in enumerate((b - a for a, b in itertools.pairwise(seen)), start=1):
        floor = 0.5 * min(0.4, 0.05 * 2 ** (retry - 1))  # backoff(retry), jittered to its half
        assert gap >= floor - 0.005, (retry, gap)


async def test_transient_errors_have_their_own_bound_then_the_message_is_dead_lettered(bus: Bus) -> None:
    attempts = 0
    dead: list[bytes] = []

    async def always_away(e: Event) -> None:
        nonlocal attempts
        attempts += 1
        raise TransientError("still away")

    async def on_dead(body: bytes, why: str) -> None:
        dead.append(body)

    await bus.subscribe_dead_letters("dead-letters", on_dead)
    await bus.subscribe(sub(always_away, max_deliveries=2, transient_retries=3, transient_cap_seconds=0.1))
    event = SubmissionCancelled(submission_id=uuid.uuid4())
    await bus.publish(event)
    await eventually(lambda: dead, what="the dead letter")
    assert attempts == 4  # the first delivery and three transient retries, not max_deliveries
    assert [parse_event(b) for b in dead] == [event]


async def test_failures_that_count_are_not_forgotten_across_a_transient_retry(bus: Bus) -> None:
    """RuntimeError, TransientError, RuntimeError with max_deliveries=2: the second
    RuntimeError is the second counted failure and dead-letters the message (RabbitMQ:
    the re-queued copy carries the count the broker had)."""
    errors: list[Exception] = [RuntimeError("bug"), TransientError("away"), RuntimeError("bug again")]
    attempts = 0
    dead: list[bytes] = []

    async def handler(e: Event) -> None:
        nonlocal attempts
        attempts += 1
        if errors:
            raise errors.pop(0)

    async def on_dead(body: bytes, why: str) -> None:
        dead.append(body)

    await bus.subscribe_dead_letters("dead-letters", on_dead)
    await bus.subscribe(sub(handler, max_deliveries=2, transient_cap_seconds=0.1))
    await bus.publish(SubmissionCancelled(submission_id=uuid.uuid4()))
    await eventually(lambda: dead, what="the dead letter")
    assert attempts == 3


CRASHING_CONSUMER = """
import asyncio, sys
from shared.bus import Subscription
from shared.bus.rabbitmq import RabbitBus

async def main():
    bus = RabbitBus(sys.argv[1], sys.argv[2])
    await bus.start()
    async def hangs(event):
        print("handling", event.event_id, flush=True)
        await asyncio.Event().wait()
    await bus.subscribe(Subscription(queue="consumer", routing_keys=["submission.*"], handler=hangs))
    print("subscribed", flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


async def test_rabbitmq_redelivers_when_a_consumer_is_killed_before_acking(
    amqp_url: str, bus_namespace: str
) -> None:
    """A consumer process killed mid-handling (SIGKILL, no ack) loses nothing: the
    broker hands the message to the next consumer."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CRASHING_CONSUMER,
        amqp_url,
        bus_namespace,
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), 20)
    assert line.startswith(b"subscribed"), line
    publisher = RabbitBus(amqp_url, bus_namespace)
    await publisher.start()
    event = SubmissionCancelled(submission_id=uuid.uuid4())
    await publisher.publish(event)
    line = await asyncio.wait_for(proc.stdout.readline(), 20)
    assert line.decode().split() == ["handling", str(event.event_id)]
    proc.kill()
    await proc.wait()

    got: list[Event] = []

    async def ok(e: Event) -> None:
        got.append(e)

    await publisher.subscribe(sub(ok))
    await eventually(lambda: len(got) == 1, timeout=30)
    assert got[0].event_id == event.event_id
    await publisher.delete_topology(["consumer"])
    await publisher.close()


async def test_rabbitmq_topology_is_durable_with_dead_lettering(amqp_url: str, bus_namespace: str) -> None:
    b = RabbitBus(amqp_url, bus_namespace)
    await b.start()

    async def noop(e: Event) -> None:
        return None

    await b.subscribe(sub(noop, max_deliveries=4))
    conn = await aio_pika.connect(amqp_url)
    ch = await conn.channel()
    # passive declares fail if the queue/exchange does not exist with these properties
    q = await ch.declare_queue(b.queue_name("consumer"), passive=True)
    assert q.name == f"{bus_namespace}.consumer"
    await ch.declare_exchange(b.exchange_name, aio_pika.ExchangeType.TOPIC, passive=True)
    await conn.close()
    await b.delete_topology(["consumer"])
    await b.close()


async def test_rabbitmq_shutdown_during_a_transient_backoff_returns_the_message_uncounted(
    amqp_url: str, bus_namespace: str
) -> None:
    """A replica stopped (a rolling restart) while it backs off a TransientError hands
    the message back at once as a transient retry: nothing counts toward the poison
    limit, and the stop does not wait the backoff out."""
    bus = RabbitBus(amqp_url, bus_namespace)
    await bus.start()
    failed = asyncio.Event()

    async def dependency_away(e: Event) -> None:
        failed.set()
        raise TransientError("the database is failing over")

    # the first transient backoff is 15-30 s: the stop lands inside it
    await bus.subscribe(
        Subscription(
            queue="consumer",
            routing_keys=["submission.*"],
            handler=dependency_away,
            max_deliveries=2,
            retry_base_seconds=30,
            transient_cap_seconds=30,
        )
    )
    event = SubmissionCancelled(submission_id=uuid.uuid4())
    await bus.publish(event)
    await asyncio.wait_for(failed.wait(), 10)
    stopping = time.monotonic()
    await asyncio.wait_for(bus.close(), 10)
    assert time.monotonic() - stopping < 5, "the stop waited the backoff out"

    conn = await aio_pika.connect(amqp_url)
    try:
        channel = await conn.channel()
        queue = await channel.declare_queue(bus.queue_name("consumer"), passive=True)
        message = await eventually(lambda: queue.get(fail=False), timeout=10)
        assert message is not None
        headers = message.headers or {}
        await message.ack()
        assert parse_event(message.body) == event
        assert headers.get("x-delivery-count", 0) == 0, headers  # the broker counted nothing
        assert headers.get(TRANSIENT_RETRIES_HEADER) == 1, headers
        assert headers.get(COUNTED_FAILURES_HEADER) == 0, headers
        assert await queue.get(fail=False) is None, "the message went back twice"
    finally:
        await conn.close()
        cleanup = RabbitBus(amqp_url, bus_namespace)
        await cleanup.start()
        await cleanup.delete_topology(["consumer"])
        await cleanup.close()
