"""Compute budgets through the API: a stage caps each team's CPU-hours and GPU-hours,
summed from what its runs measured (execution.finished's resources). A team past its
budget is refused at upload with the numbers in the problem; the platform's failures are
refunded; a stage's automatic re-runs are charged to nobody; smoke runs count.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from services.gateway.stages.clock import StageClock
from shared.events import ExecutionFinished, FailureReason, Resources, SubmissionQueued, utcnow
from tests.gateway.conftest import LABELS, Gateway, eventually
from tests.gateway.test_consumers import finished
from tests.gateway.test_stages import STAGES, at
from tests.gateway.test_team_rules import scored

QUOTA = "/api/v1/competitions/titanic/quota"


async def queued_event(gw: Gateway, submission_id: str) -> SubmissionQueued:
    async def find() -> SubmissionQueued | None:
        for e in gw.of_type("submission.queued"):
            if str(e.submission_id) == submission_id:
                return e  # type: ignore[no-any-return]
        return None

    return await eventually(find)


async def run(
    gw: Gateway,
    who: dict[str, str],
    *,
    cpu_s: float = 0.0,
    gpu_s: float = 0.0,
    failure: FailureReason | None = None,
    **params: Any,
) -> dict[str, Any]:
    """Upload a submission and finish its run, having used ``cpu_s`` / ``gpu_s``."""
    r = await gw.submit(who, **params)
    assert r.status_code == 202, r.text
    await finish(gw, await queued_event(gw, r.json()["id"]), cpu_s=cpu_s, gpu_s=gpu_s, failure=failure)
    return dict(r.json())


async def finish(
    gw: Gateway,
    q: SubmissionQueued,
    *,
    cpu_s: float = 0.0,
    gpu_s: float = 0.0,
    failure: FailureReason | None = None,
) -> None:
    event: ExecutionFinished = finished(
        q,
        exit_code=0 if failure is None else None,
        predictions_key=None if failure else "k",
        failure_reason=failure,
        detail="the executor lost the run" if failure else "",
        resources=Resources(wall_seconds=cpu_s, cpu_seconds=cpu_s, gpu_seconds=gpu_s),
    )
    await gw.bus.publish(event)
    await gw.consumed(event)


async def compute(gw: Gateway, who: dict[str, str]) -> dict[str, Any]:
    r = await gw.client.get(QUOTA, headers=who)
    assert r.status_code == 200, r.text
    return dict(r.json()["compute"])


async def test_a_team_past_its_cpu_hours_is_refused_with_the_numbers(gw: Gateway) -> None:
    await check_cpu_budget(gw)


async def test_the_budget_on_postgresql(make_gateway: Callable[..., Any], pg_database: Any) -> None:
    """Usage is summed inside JSON (``resources``): PostgreSQL's operators differ from SQLite's."""
    url = await pg_database("gateway")
    async with make_gateway(gateway_database_url=url) as gw:
        await check_cpu_budget(gw)


async def check_cpu_budget(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice, bob = await gw.user("alice"), await gw.user("bob")
    comp = await gw.ready_competition(host, daily_quota=20, cpu_hours_budget=1.0)
    assert comp["cpu_hours_budget"] == 1.0 and comp["gpu_hours_budget"] is None

    assert await compute(gw, alice) == {
        "cpu_hours_used": 0.0,
        "cpu_hours_limit": 1.0,
        "cpu_hours_remaining": 1.0,
        "gpu_hours_used": 0.0,
        "gpu_hours_limit": None,
        "gpu_hours_remaining": None,
    }
    await run(gw, alice, cpu_s=1800)
    # smoke runs use the same machines: they count
    await run(gw, alice, cpu_s=900, smoke="true")
    used = await compute(gw, alice)
    assert used["cpu_hours_used"] == pytest.approx(0.75)
    assert used["cpu_hours_remaining"] == pytest.approx(0.25)

    # under the budget a run may start, and it is never stopped for going past it
    await run(gw, alice, cpu_s=1800)
    used = await compute(gw, alice)
    assert used["cpu_hours_used"] == pytest.approx(1.25) and used["cpu_hours_remaining"] == 0.0

    for smoke in ("false", "true"):
        r = await gw.submit(alice, smoke=smoke)
        assert r.status_code == 429, r.text
        problem = r.json()
        assert problem["code"] == "compute-budget-exhausted"
        assert problem["unit"] == "cpu_hours" and problem["limit"] == 1.0
        assert problem["used"] == pytest.approx(1.25)
        assert "CPU-hours" in problem["detail"] and "1.25" in problem["detail"]
        assert "Retry-After" not in r.headers  # a budget does not reset

    # the budget is each team's: bob has his own
    assert (await compute(gw, bob))["cpu_hours_used"] == 0.0
    assert (await gw.submit(bob)).status_code == 202

    # the host raises the budget, then lifts it (null: no cap)
    r = await gw.client.patch("/api/v1/competitions/titanic", json={"cpu_hours_budget": 2}, headers=host)
    assert r.status_code == 200 and r.json()["cpu_hours_budget"] == 2.0
    assert (await gw.submit(alice)).status_code == 202
    r = await gw.client.patch(f"{STAGES}/1", json={"cpu_hours_budget": None}, headers=host)
    assert r.status_code == 200 and r.json()["cpu_hours_budget"] is None
    used = await compute(gw, alice)
    assert used["cpu_hours_limit"] is None and used["cpu_hours_remaining"] is None
    assert used["cpu_hours_used"] == pytest.approx(1.25)


async def test_gpu_hours_are_capped_apart(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice = await gw.user("alice")
    await gw.ready_competition(host, daily_quota=20, cpu_hours_budget=10, gpu_hours_budget=0.5)
    await run(gw, alice, cpu_s=600, gpu_s=1800)
    r = await gw.submit(alice)
    assert r.status_code == 429, r.text
    problem = r.json()
    assert problem["code"] == "compute-budget-exhausted" and problem["unit"] == "gpu_hours"
    assert problem["used"] == pytest.approx(0.5) and problem["limit"] == 0.5
    used = await compute(gw, alice)
    assert used["gpu_hours_used"] == pytest.approx(0.5) and used["gpu_hours_remaining"] == 0.0
    assert used["cpu_hours_remaining"] == pytest.approx(10 - 600 / 3600)


async def test_a_run_that_failed_through_the_platforms_fault_is_refunded(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice = await gw.user("alice")
    await gw.ready_competition(host, daily_quota=20, cpu_hours_budget=1.0)
    await run(gw, alice, cpu_s=7200, failure=FailureReason.INTERNAL_ERROR)
    assert (await compute(gw, alice))["cpu_hours_used"] == 0.0
    # the participant's own failures use what they used
    await run(gw, alice, cpu_s=3600, failure=FailureReason.TIME_LIMIT_EXCEEDED)
    assert (await compute(gw, alice))["cpu_hours_used"] == pytest.approx(1.0)
    r = await gw.submit(alice)
    assert r.status_code == 429 and r.json()["code"] == "compute-budget-exhausted"


async def test_a_stages_reruns_are_charged_to_nobody(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice = await gw.user("alice")
    t1 = utcnow() + timedelta(hours=1)
    await gw.ready_competition(host, daily_quota=20, closes_at=t1.isoformat(), cpu_hours_budget=1.0)
    body = {"name": "Finals", "opens_at": t1.isoformat(), "closes_at": at(3), "feed": "all"}
    r = await gw.client.post(STAGES, json=body, headers=host)
    assert r.status_code == 201, r.text
    stage2 = r.json()
    # a new stage takes the previous stage's budgets unless told otherwise
    assert stage2["cpu_hours_budget"] == 1.0 and stage2["gpu_hours_budget"] is None
    assert (await gw.client.put(f"{STAGES}/2/data/test.csv", content=b"id,x\n1,2\n", headers=host)).is_success
    assert (await gw.client.put(f"{STAGES}/2/labels", content=LABELS.encode(), headers=host)).is_success

    original = await run(gw, alice, cpu_s=600)
    event = await queued_event(gw, original["id"])
    # scored, so that the stage's opening feeds it on
    await scored(gw, original, 0.5)
    clock = StageClock(gw.runtime, gw.settings)
    await clock.tick(utcnow())
    await clock.tick(t1)

    async def rerun() -> SubmissionQueued | None:
        found = [e for e in gw.of_type("submission.queued") if e.rerun_of == event.submission_id]
        return found[0] if found else None

    rerun_event = await eventually(rerun)
    assert str(rerun_event.stage_id) == stage2["id"]
    # the re-run used far more than the budget of stage 2
    await finish(gw, rerun_event, cpu_s=3 * 3600)

    # stage 2 is open now: alice's budget there is untouched by the re-run
    assert (await gw.client.patch(f"{STAGES}/1", json={"closes_at": at(-0.001)}, headers=host)).is_success
    assert (await gw.client.patch(f"{STAGES}/2", json={"opens_at": at(-0.0005)}, headers=host)).is_success
    assert (await compute(gw, alice))["cpu_hours_used"] == 0.0
    second = await run(gw, alice, cpu_s=3600)
    assert second["stage_id"] == stage2["id"]
    r = await gw.submit(alice)
    assert r.status_code == 429 and r.json()["used"] == pytest.approx(1.0)


async def test_budgets_are_checked_as_settings(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    await gw.competition(host)
    for bad in (-1, "lots"):
        r = await gw.client.patch(f"{STAGES}/1", json={"gpu_hours_budget": bad}, headers=host)
        assert r.status_code == 422, r.text
        assert "gpu_hours_budget" in r.text
    r = await gw.client.patch(
        "/api/v1/competitions/titanic", json={"cpu_hours_budget": 2.5, "gpu_hours_budget": 0}, headers=host
    )
    assert r.status_code == 200, r.text
    read = (await gw.client.get(f"{STAGES}/1")).json()
    assert read["cpu_hours_budget"] == 2.5 and read["gpu_hours_budget"] == 0.0
    # an edit that leaves them out leaves them
    r = await gw.client.patch(f"{STAGES}/1", json={"daily_quota": 3}, headers=host)
    assert r.status_code == 200 and r.json()["cpu_hours_budget"] == 2.5
