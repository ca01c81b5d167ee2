"""Two gateway replicas (two apps, each with its own runtime, engine and loops) on one
real PostgreSQL database: each periodic check is done once, by one of them.

- the reconciler: a pass is made by one replica at a time (``replicas.exclusive``, a
  PostgreSQL advisory lock); every stuck submission is asked about and requeued once,
  and with the lock taken away the same two passes do it twice (the test can fail);
- the stage clock: a stage opens once and its feed is queued once;
- the webhook sender: every delivery is sent once; an attempt that outlived its lease
  is not recorded over the replica that took the delivery over.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from services.gateway import replicas
from services.gateway.models import WebhookDelivery, outbox
from services.gateway.proxy import internal_http
from services.gateway.stages.clock import StageClock
from services.gateway.submissions.reconciler import Reconciler
from services.gateway.webhooks.delivery import WebhookSender
from shared.events import utcnow
from tests.gateway.conftest import Gateway, Upstreams
from tests.gateway.test_consumers import queued
from tests.gateway.test_stage_clock import outbox_events, scored_runs, submissions_of, two_stages
from tests.gateway.test_webhooks import TEST_WEBHOOKS, Receiver, hook, reveal
from tests.gateway.test_webhooks import receiver as receiver  # the fixture, used here

LATER = timedelta(minutes=11)  # past the default 10-minute queued deadline


@pytest.fixture
def two_gateways(make_gateway: Callable[..., Any], pg_database: Any) -> Callable[..., Any]:
    @contextlib.asynccontextmanager
    async def make(**overrides: Any) -> AsyncIterator[tuple[Gateway, Gateway]]:
        url = await pg_database("gateway")
        settings = {"gateway_database_url": url, "reconcile_interval_s": 0, **overrides}
        async with make_gateway(**settings) as one, make_gateway(**settings) as two:
            assert one.runtime.engine is not two.runtime.engine
            yield one, two

    return make


class SlowOrchestrator:
    """Has never seen any submission (404), and answers slowly, so two passes overlap."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.asked.append(request.url.path.split("/")[4])
        await asyncio.sleep(0.05)
        return httpx.Response(404, json={"title": "Not Found", "status": 404, "detail": "no execution"})


def reconciler(gw: Gateway, upstreams: Upstreams) -> Reconciler:
    return Reconciler(gw.runtime, gw.settings, internal_http(gw.settings, upstreams.transport()))


async def requeued_copies(gw: Gateway) -> int:
    async with gw.runtime.sessionmaker() as session:
        return int(
            await session.scalar(
                select(func.count()).select_from(outbox).where(outbox.c.type == "submission.queued")
            )
            or 0
        )


@pytest.mark.timeout(120)
async def test_two_replicas_reconcile_each_stuck_submission_once(
    two_gateways: Callable[..., Any], upstreams: Upstreams, monkeypatch: pytest.MonkeyPatch
) -> None:
    orchestrator = SlowOrchestrator()
    upstreams.orchestrator = orchestrator  # type: ignore[assignment]  # an async handler: httpx awaits it
    async with two_gateways() as (one, two):
        host, alice = await one.user("hana", is_host=True), await one.user("alice")
        await one.ready_competition(host, daily_quota=10)
        subs = [(await queued(one, alice))[0]["id"] for _ in range(4)]
        assert await requeued_copies(one) == 4
        r1, r2 = reconciler(one, upstreams), reconciler(two, upstreams)

        first, second = await asyncio.gather(
            r1.reconcile_once(utcnow() + LATER), r2.reconcile_once(utcnow() + LATER)
        )
        checks = first + second
        assert sorted(str(c.submission_id) for c in checks) == sorted(subs)
        assert {c.action for c in checks} == {"requeued"}
        assert [] in (first, second)  # one replica made the pass, the other skipped it
        assert sorted(orchestrator.asked) == sorted(subs)  # each asked about once
        assert await requeued_copies(two) == 8  # and requeued once: the original and one copy

        # the control: without the lock the same two passes (a deadline later) overlap
        orchestrator.asked.clear()

        @contextlib.asynccontextmanager
        async def no_lock(_engine: Any, _name: str) -> AsyncIterator[bool]:
            yield True

        monkeypatch.setattr("services.gateway.submissions.reconciler.exclusive", no_lock)
        await asyncio.gather(
            r1.reconcile_once(utcnow() + 2 * LATER + LATER),
            r2.reconcile_once(utcnow() + 2 * LATER + LATER),
        )
        assert len(orchestrator.asked) > len(subs), "without the lock both replicas check"


async def test_the_advisory_lock_is_held_by_one_engine_at_a_time(
    two_gateways: Callable[..., Any],
) -> None:
    async with two_gateways() as (one, two):
        async with replicas.exclusive(one.runtime.engine, "check") as held:
            assert held
            async with replicas.exclusive(two.runtime.engine, "check") as other:
                assert not other
            async with replicas.exclusive(two.runtime.engine, "another check") as unrelated:
                assert unrelated
        # gone with its transaction
        async with replicas.exclusive(two.runtime.engine, "check") as after:
            assert after


@pytest.mark.timeout(120)
async def test_two_replicas_open_a_stage_once(two_gateways: Callable[..., Any]) -> None:
    async with two_gateways() as (one, two):
        _, _, stage2, t1 = await two_stages(one)
        alice, bob = await one.user("alice"), await one.user("bob")
        await scored_runs(one, alice, [0.5, 0.6])
        await scored_runs(one, bob, [0.4])
        clocks = [StageClock(gw.runtime, gw.settings) for gw in (one, two, one, two)]
        results = await asyncio.gather(*(c.tick(t1) for c in clocks))
        opened = [t for done in results for t in done if t.action == "opened" and t.position == 2]
        # the finals of each team (alice's two, bob's one) re-run once
        assert len(opened) == 1 and opened[0].reruns_queued == 3
        assert len(await submissions_of(two, stage2)) == 3
        assert len([e for e in await outbox_events(two, "stage.opened") if e.stage_id == stage2]) == 1


@pytest.mark.timeout(120)
async def test_two_replicas_send_each_delivery_once(
    two_gateways: Callable[..., Any], receiver: Receiver
) -> None:
    async with two_gateways(**TEST_WEBHOOKS) as (one, two):
        host = await one.user("hana", is_host=True)
        slugs = [f"c{i}" for i in range(6)]
        for slug in slugs:
            await one.competition(host, slug)
            await hook(one, host, receiver.url, slug=slug)
            await reveal(one, host, slug)
        senders = [WebhookSender(gw.runtime, gw.settings) for gw in (one, two, one, two)]
        try:
            now = utcnow()
            results = await asyncio.gather(*(s.tick(now) for s in senders))
        finally:
            for s in senders:
                await s.stop()
        outcomes = [o for r in results for o in r]
        assert len(outcomes) == len(slugs) and {o.status for o in outcomes} == {"delivered"}
        delivery_ids = [headers["Holdout-Delivery"] for headers, _, _ in receiver.seen]
        assert len(delivery_ids) == len(slugs) == len(set(delivery_ids))


async def test_an_attempt_past_its_lease_is_not_recorded_over_the_replica_that_took_over(
    two_gateways: Callable[..., Any], receiver: Receiver
) -> None:
    async with two_gateways(**TEST_WEBHOOKS) as (one, two):
        host = await one.user("hana", is_host=True)
        await one.competition(host)
        await hook(one, host, receiver.url)
        await reveal(one, host)
        slow, other = WebhookSender(one.runtime, one.settings), WebhookSender(two.runtime, two.settings)
        try:
            now = utcnow()
            lease = now + slow._lease()
            (pair,) = await slow._claim(now, lease)  # the slow replica's attempt begins...
            (taken,) = await other.tick(lease + timedelta(seconds=1))  # ...outlives its lease
            assert taken.status == "delivered"
            late = await slow._record(pair[0].id, pair[1].id, 500, "the endpoint answered 500", now, lease)
            assert "lease ran out" in (late.error or "")
        finally:
            await slow.stop()
            await other.stop()
        async with two.runtime.sessionmaker() as session:
            row = await session.get(WebhookDelivery, pair[0].id)
            assert row is not None
            assert (row.status, row.attempts, row.last_status_code) == ("delivered", 1, 200)


async def test_a_delivery_claimed_in_the_past_is_due_again_after_its_lease(
    two_gateways: Callable[..., Any], receiver: Receiver
) -> None:
    """A replica that died mid-attempt: its lease runs out and the other one sends."""
    async with two_gateways(**TEST_WEBHOOKS) as (one, two):
        host = await one.user("hana", is_host=True)
        await one.competition(host)
        await hook(one, host, receiver.url)
        await reveal(one, host)
        dead, alive = WebhookSender(one.runtime, one.settings), WebhookSender(two.runtime, two.settings)
        try:
            now = utcnow()
            assert len(await dead._claim(now, now + dead._lease())) == 1
            assert await alive.tick(now) == []  # claimed: not due
            (outcome,) = await alive.tick(now + dead._lease() + timedelta(seconds=1))
            assert outcome.status == "delivered"
        finally:
            await dead.stop()
            await alive.stop()
        assert len(receiver.seen) == 1


async def test_gateway_replicas_starting_together_make_one_admin(pg_database: Any) -> None:
    """Four replicas bootstrapping the admin on a fresh PostgreSQL database at once: all
    succeed (without the lock in ensure_admin one hits the unique username), one admin,
    one bootstrap token that authenticates."""
    from sqlalchemy import func, select

    from services.gateway.auth.service import ensure_admin
    from services.gateway.models import AccessToken, User, metadata
    from shared.db import make_engine, make_sessionmaker

    engine = make_engine(await pg_database("gateway-admin"))
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        makers = [make_sessionmaker(engine) for _ in range(4)]
        await asyncio.gather(*(ensure_admin(m, "admin-token-value-0123456789") for m in makers))
        async with makers[0]() as session:
            admins = await session.scalar(
                select(func.count()).select_from(User).where(User.username == "admin")
            )
            tokens = await session.scalar(select(func.count()).select_from(AccessToken))
        assert admins == 1
        assert tokens == 1
    finally:
        await engine.dispose()
