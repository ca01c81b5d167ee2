"""A queued submission's place in the queue, as a participant reads it: the gateway with a
real orchestrator app on the same in-process bus (its runs held by the test's executor),
reached through the gateway's own internal client. Without the orchestrator, or with one
that fails, the read still succeeds, with ``queue`` null."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from services.orchestrator.app import create_app as create_orchestrator
from services.orchestrator.config import OrchestratorSettings
from tests.conftest import INTERNAL_TOKEN
from tests.gateway.conftest import Gateway, eventually
from tests.orchestrator.test_scheduler import GatedExecutor


@asynccontextmanager
async def orchestrator_for(gw: Gateway, data_dir: Path) -> AsyncIterator[GatedExecutor]:
    """A real orchestrator on the gateway's bus and storage, one run at a time, served to
    the gateway's internal client at http://orchestrator.test."""
    settings = OrchestratorSettings(
        data_dir=data_dir / "orchestrator",
        max_concurrent_runs=1,
        scheduler_poll_seconds=0.05,
        queue_snapshot_seconds=0,
        internal_token=INTERNAL_TOKEN,
    )
    executor = GatedExecutor()
    app = create_orchestrator(settings, bus=gw.bus, storage=gw.storage, executor=executor)
    async with app.router.lifespan_context(app):
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://orchestrator.test"
        )
        async with client:

            async def forward(request: httpx.Request) -> httpx.Response:
                upstream = await client.send(
                    client.build_request(request.method, request.url, headers=request.headers)
                )
                status, headers = upstream.status_code, upstream.headers
                return httpx.Response(status, headers=headers, content=upstream.content)

            gw.upstreams.orchestrator = forward  # type: ignore[assignment]
            yield executor


async def test_a_queued_submission_reads_its_fair_share_place_and_it_moves(
    make_gateway: Callable[..., Any], data_dir: Path
) -> None:
    async with make_gateway() as gw, orchestrator_for(gw, data_dir) as executor:
        host = await gw.user("host", is_host=True)
        await gw.ready_competition(host)
        alice, bob = await gw.user("alice"), await gw.user("bob")
        a = []
        for _ in range(3):
            r = await gw.submit(alice)
            assert r.status_code == 202, r.text
            a.append(r.json()["id"])
        await gw.wait_status(a[0], alice, "running")  # the one slot: alice's first run
        r = await gw.submit(bob)
        b = r.json()["id"]

        async def placed(sid: str, who: dict[str, str]) -> dict[str, Any] | None:
            body = await gw.status_of(sid, who)
            return body if body["queue"] is not None else None

        # alice has a run going, bob none: bob's first run is next although it came last
        mine = await eventually(lambda: placed(b, bob))
        queue = mine["queue"]
        assert (queue["position"], queue["ahead"], queue["running"]) == (1, 0, 1)
        estimate, looked = (datetime.fromisoformat(queue[k]) for k in ("estimated_start_at", "updated_at"))
        assert estimate > looked  # behind alice's run, which has just started

        page = await gw.client.get("/api/v1/competitions/titanic/submissions", headers=alice)
        assert page.status_code == 200, page.text
        by_id = {s["id"]: s for s in page.json()["items"]}
        assert by_id[a[0]]["status"] == "running" and by_id[a[0]]["queue"] is None
        assert [by_id[s]["queue"]["position"] for s in a[1:]] == [2, 3]
        # the host's page asks once for the whole page
        seen = len(gw.upstreams.seen)
        page = await gw.client.get("/api/v1/competitions/titanic/submissions", headers=host)
        assert [s["queue"]["position"] for s in page.json()["items"] if s["status"] == "queued"] == [1, 3, 2]
        assert len(gw.upstreams.seen) == seen + 1

        executor.release(a[0])  # the slot goes to bob; alice's next run moves up
        await gw.wait_status(b, bob, "running")
        assert (await gw.status_of(b, bob))["queue"] is None
        assert (await gw.status_of(a[1], alice))["queue"]["position"] == 1
        assert (await gw.status_of(a[2], alice))["queue"]["position"] == 2

        # a read never fails for want of the queue: an orchestrator that errs, or is gone
        gw.upstreams.orchestrator = lambda request: httpx.Response(500, text="boom")
        body = await gw.status_of(a[1], alice)
        assert body["status"] == "queued" and body["queue"] is None
        gw.upstreams.orchestrator = None
        page = await gw.client.get("/api/v1/competitions/titanic/submissions", headers=alice)
        assert page.status_code == 200 and all(s["queue"] is None for s in page.json()["items"])
