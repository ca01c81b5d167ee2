"""At-least-once delivery on the production wiring (separate processes, PostgreSQL,
RabbitMQ): a duplicated event and a redelivery after a consumer crash change nothing:
one score, one leaderboard row, no submission lost."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import aio_pika
import asyncpg
import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from holdout.digits import DigitsData
from tests.e2e.conftest import (
    Platform,
    _delete_rabbit_namespace,
    create_digits_competition,
    poll,
    start_distributed,
)

pytestmark = pytest.mark.e2e


async def acked(p: Platform, service: str, event_type: str) -> float:
    """How many ``event_type`` messages the service has handled and acked, from its
    Prometheus metrics (the bus counts every delivery by outcome)."""
    async with httpx.AsyncClient(base_url=p.env[f"HOLDOUT_{service.upper()}_URL"]) as http:
        text = (await http.get("/metrics")).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = sample.labels
            if (
                sample.name == "holdout_bus_deliveries_total"
                and labels.get("queue") == service
                and labels.get("type") == event_type
                and labels.get("outcome") == "acked"
            ):
                return sample.value
    return 0.0


async def scorer_rows(p: Platform, submission_id: str) -> tuple[int, int]:
    """(score rows, inbox rows) for a submission in the scorer's own database."""
    url = p.env["HOLDOUT_SCORER_DATABASE_URL"]
    conn = await asyncpg.connect(url)
    try:
        scores = await conn.fetchval("SELECT count(*) FROM scores WHERE submission_id = $1", submission_id)
        inbox = await conn.fetchval("SELECT count(*) FROM inbox WHERE type = 'execution.finished'")
    finally:
        await conn.close()
    return int(scores), int(inbox)


async def submit_strong(p: Platform, digits: DigitsData, zips: dict[str, Path]) -> tuple[dict[str, Any], str]:
    comp, _ = await create_digits_competition(p, digits)
    async with p.client() as admin:
        ada = await admin.create_participant("ada", comp["id"])
    async with p.client(ada["token"]) as c:
        sub = await c.submit(comp["id"], zips["strong"])
    return comp, sub["id"]


async def test_duplicated_events_change_nothing(
    distributed: Platform, digits: DigitsData, digits_zips: dict[str, Path], amqp_url: str, bus_namespace: str
) -> None:
    p = distributed
    # a spy queue keeps a copy of every event, so the test can replay real ones
    conn = await aio_pika.connect(amqp_url)
    ch = await conn.channel()
    spy = await ch.declare_queue(f"{bus_namespace}.spy", auto_delete=True)
    exchange = await ch.get_exchange(f"{bus_namespace}.events")
    await spy.bind(exchange, routing_key="#")

    comp, sid = await submit_strong(p, digits, digits_zips)
    async with p.client() as c:
        assert (await c.wait_terminal(sid, timeout=180))["status"] == "scored", p.dump_logs()
        entry = await c.wait_on_leaderboard(comp["id"], sid)

    seen: dict[str, aio_pika.abc.AbstractIncomingMessage] = {}

    async def copy_all() -> bool:
        while (msg := await spy.get(fail=False, no_ack=True)) is not None:
            seen.setdefault(msg.type or "", msg)
        return {"execution.finished", "submission.scored"} <= set(seen)

    await poll(copy_all, timeout=30)

    # deliver the run's end and its score twice more each, as a flaky network would
    for _ in range(2):
        for kind in ("execution.finished", "submission.scored"):
            original = seen[kind]
            await exchange.publish(
                aio_pika.Message(
                    original.body,
                    message_id=original.message_id,
                    type=kind,
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                ),
                routing_key=kind,
            )
    # wait until each consumer has handled (and acked) both copies
    for service, kind in (
        ("scorer", "execution.finished"),
        ("leaderboard", "submission.scored"),
        ("gateway", "execution.finished"),
        ("gateway", "submission.scored"),
    ):

        async def handled_all(service: str = service, kind: str = kind) -> bool:
            return await acked(p, service, kind) >= 3

        await poll(handled_all, timeout=60)

    assert await scorer_rows(p, sid) == (1, 1)
    async with p.client() as c:
        board = await c.leaderboard(comp["id"])
        again = await c.submission(sid)
    assert [(e["submission_id"], e["submissions"], e["score"]) for e in board["entries"]] == [
        (sid, 1, entry["score"])
    ]
    assert again["status"] == "scored" and again["public_score"] == entry["score"]
    await conn.close()


async def test_consumer_crash_after_commit_is_redelivered_without_double_score(
    platform_dir: Path,
    runtimes_dir: Path,
    pg_database: Any,
    amqp_url: str,
    bus_namespace: str,
    digits: DigitsData,
    digits_zips: dict[str, Path],
) -> None:
    crashing = [sys.executable, "-m", "tests.e2e.crashing_scorer"]
    p = await start_distributed(
        platform_dir, runtimes_dir, pg_database, amqp_url, bus_namespace, commands={"scorer": crashing}
    )
    try:
        comp, sid = await submit_strong(p, digits, digits_zips)
        # the scorer commits the score, then dies before acking
        await asyncio.to_thread(p.procs["scorer"].wait, 180)
        assert "crashing after" in p.logs["scorer"].read_text(), p.dump_logs()
        p.kill("scorer")
        # the score was committed before the crash; the message was never acked
        assert (await scorer_rows(p, sid))[0] == 1

        port = p.env["HOLDOUT_SCORER_URL"].rsplit(":", 1)[1]
        p.start("scorer", "serve", "scorer", "--port", port)
        async with p.client() as c:
            done = await c.wait_terminal(sid, timeout=120)
            assert done["status"] == "scored", p.dump_logs()
            await c.wait_on_leaderboard(comp["id"], sid)

        # the new scorer got the unacked message again, and acked it without scoring twice
        async def redelivered() -> bool:
            return await acked(p, "scorer", "execution.finished") == 1

        await poll(redelivered, timeout=60)
        assert await scorer_rows(p, sid) == (1, 1)
        async with p.client() as c:
            board = await c.leaderboard(comp["id"])
        assert [(e["submission_id"], e["submissions"]) for e in board["entries"]] == [(sid, 1)]
    finally:
        p.stop_all()
        await _delete_rabbit_namespace(amqp_url, bus_namespace)
