"""The stuck-submission reconciler: a lost message is made good by asking the
orchestrator (a fake here) what happened; what cannot be made good ends
``internal_error``, free of quota. Runs ``reconcile_once`` with a clock moved past the
deadlines instead of waiting for them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from services.gateway.models import Stage, Submission
from services.gateway.proxy import internal_http
from services.gateway.submissions.reconciler import Reconciler
from shared.events import FailureReason, Resources, SubmissionCancelled, utcnow
from tests.gateway.conftest import Gateway, Upstreams, eventually
from tests.gateway.test_consumers import finished, queued, started

LATER = timedelta(minutes=11)  # past the default 10-minute queued deadline


class FakeOrchestrator:
    """Answers ``GET /internal/v1/executions/{id}`` with ``status`` (None: 404) and
    counts ``POST .../republish``."""

    def __init__(self) -> None:
        self.status: str | None = None
        self.replays: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        parts = request.url.path.split("/")
        sid = parts[4]
        if request.method == "POST" and parts[-1] == "republish":
            self.replays.append(sid)
            return httpx.Response(200, json={"submission_id": sid, "status": self.status, "republished": "x"})
        if self.status is None:
            return httpx.Response(404, json={"title": "Not Found", "status": 404, "detail": "no execution"})
        return httpx.Response(200, json={"submission_id": sid, "status": self.status, "attempt": 1})


@pytest.fixture
async def gw(make_gateway: Callable[..., Any]) -> AsyncIterator[Gateway]:
    async with make_gateway(reconcile_interval_s=0) as gateway:
        yield gateway


@pytest.fixture
def orchestrator(upstreams: Upstreams) -> FakeOrchestrator:
    fake = FakeOrchestrator()
    upstreams.orchestrator = fake
    return fake


async def of_submission(gw: Gateway, kind: str, sid: str, n: int) -> list[Any] | None:
    found = [e for e in gw.of_type(kind) if str(e.submission_id) == sid]
    return found if len(found) >= n else None


def reconciler(gw: Gateway) -> Reconciler:
    return Reconciler(gw.runtime, gw.settings, internal_http(gw.settings, gw.upstreams.transport()))


async def test_a_lost_queued_event_is_published_again(gw: Gateway, orchestrator: FakeOrchestrator) -> None:
    host, alice = await gw.user("hana", is_host=True), await gw.user("alice")
    await gw.ready_competition(host)
    sub, original = await queued(gw, alice)
    r = reconciler(gw)

    assert await r.reconcile_once() == []  # not past its deadline yet
    [check] = await r.reconcile_once(utcnow() + LATER)  # the orchestrator never saw it (404)
    assert check.action == "requeued"
    copies = await eventually(lambda: of_submission(gw, "submission.queued", sub["id"], 2))
    assert copies[1].event_id != original.event_id
    assert copies[1].model_dump(exclude={"event_id"}) == original.model_dump(exclude={"event_id"})
    assert (await gw.status_of(sub["id"], alice))["status"] == "queued"
    # the reconciler's own look restarts the clock: nothing more until the next deadline
    assert await r.reconcile_once(utcnow() + LATER) == []


async def test_a_run_waiting_for_a_slot_is_left_alone_until_the_queue_limit(
    gw: Gateway, orchestrator: FakeOrchestrator
) -> None:
    host, alice = await gw.user("hana", is_host=True), await gw.user("alice")
    await gw.ready_competition(host, daily_quota=1)
    sub, _ = await queued(gw, alice)
    orchestrator.status = "queued"
    r = reconciler(gw)

    [check] = await r.reconcile_once(utcnow() + LATER)
    assert check.action == "waiting"
    assert (await gw.status_of(sub["id"], alice))["status"] == "queued"

    [check] = await r.reconcile_once(utcnow() + timedelta(days=3))
    assert check.action == "failed"
    body = await gw.status_of(sub["id"], alice)
    assert body["status"] == "failed" and body["failure_reason"] == FailureReason.INTERNAL_ERROR
    assert "waited more than 48 h" in body["detail"]
    assert "does not count against your quota" in body["detail"]
    cancels = await eventually(lambda: of_submission(gw, "submission.cancelled", sub["id"], 1))
    assert isinstance(cancels[0], SubmissionCancelled)
    # and it did not use the team's one submission of the day
    again = await gw.submit(alice)
    assert again.status_code == 202, again.text


async def test_a_lost_finished_event_is_replayed_and_its_resources_are_shown(
    gw: Gateway, orchestrator: FakeOrchestrator
) -> None:
    host, alice = await gw.user("hana", is_host=True), await gw.user("alice")
    await gw.ready_competition(host, limits={"time_limit_s": 60})
    sub, q = await queued(gw, alice)
    await gw.bus.publish(started(q))
    await gw.wait_status(sub["id"], alice, "running")
    orchestrator.status = "finished"
    r = reconciler(gw)

    # running: the deadline is the time limit for two attempts plus the margin
    assert await r.reconcile_once(utcnow() + timedelta(seconds=120 + 800)) == []
    [check] = await r.reconcile_once(utcnow() + timedelta(seconds=120 + 901))
    assert check.action == "replayed" and orchestrator.replays == [sub["id"]]

    # the orchestrator publishes execution.finished again; this time it arrives
    used = Resources(wall_seconds=3.5, cpu_seconds=2.25, peak_memory_mb=120.0)
    await gw.bus.publish(
        finished(q, failure_reason=FailureReason.RUNTIME_ERROR, detail="exited with code 3", resources=used)
    )
    body = await gw.wait_status(sub["id"], alice, "failed")
    assert body["failure_reason"] == "runtime_error"
    expected = {"wall_seconds": 3.5, "cpu_seconds": 2.25, "peak_memory_mb": 120.0, "gpu_seconds": 0.0}
    assert body["resources"] == expected
    assert (await gw.status_of(sub["id"], host))["resources"] == expected  # the host sees it too


async def test_scoring_that_never_ends_fails_after_the_replays_free_of_quota(
    gw: Gateway, orchestrator: FakeOrchestrator
) -> None:
    host, alice = await gw.user("hana", is_host=True), await gw.user("alice")
    await gw.ready_competition(host, daily_quota=1)
    sub, q = await queued(gw, alice)
    await gw.bus.publish(started(q))
    await gw.bus.publish(finished(q, exit_code=0, predictions_key="k"))
    await gw.wait_status(sub["id"], alice, "scoring")
    orchestrator.status = "finished"
    r = reconciler(gw)

    step = timedelta(minutes=16)  # past the 15-minute scoring deadline each time
    actions = [(await r.reconcile_once(utcnow() + step * n))[0].action for n in range(1, 5)]
    assert actions == ["replayed", "replayed", "replayed", "failed"]
    assert orchestrator.replays == [sub["id"]] * 3
    body = await gw.status_of(sub["id"], alice)
    assert body["status"] == "failed" and body["failure_reason"] == "internal_error"
    assert "scoring did not finish in time" in body["detail"]
    assert not [e for e in gw.of_type("submission.cancelled") if str(e.submission_id) == sub["id"]]
    assert (await gw.submit(alice)).status_code == 202


async def test_an_unreachable_orchestrator_changes_nothing(gw: Gateway, upstreams: Upstreams) -> None:
    host, alice = await gw.user("hana", is_host=True), await gw.user("alice")
    await gw.ready_competition(host)
    sub, _ = await queued(gw, alice)
    [check] = await reconciler(gw).reconcile_once(utcnow() + LATER)
    assert check.action == "unreachable"
    body = await gw.status_of(sub["id"], alice)
    assert body["status"] == "queued" and body["resources"] is None and body["started_at"] is None


async def test_the_competitions_cap_on_runs_at_once_travels_with_the_queued_event(gw: Gateway) -> None:
    host, alice = await gw.user("hana", is_host=True), await gw.user("alice")
    await gw.ready_competition(host, limits={"max_concurrent_runs": 3})
    _, q = await queued(gw, alice)
    assert q.execution.max_concurrent_runs == 3


async def test_deadlines_follow_the_stage_a_submission_is_in(gw: Gateway) -> None:
    """A later stage's longer time limit, and a stage's scoring program (tried twice),
    give its submissions longer to run and to be scored before they count as stuck."""
    r = reconciler(gw)
    s = gw.settings
    program = {"program": {"archive_key": "k/1.zip", "time_limit_s": 300}}
    stage = Stage(limits={"time_limit_s": 1000}, scoring_program=program)
    running, scoring = Submission(status="running"), Submission(status="scoring")
    assert r.deadline(running, stage) == timedelta(seconds=1000 * 2 + s.running_margin_s)
    assert r.deadline(scoring, stage) == timedelta(seconds=s.scoring_deadline_s + 600)
    plain = Stage(limits={"time_limit_s": 10}, scoring_program=None)
    assert r.deadline(scoring, plain) == timedelta(seconds=s.scoring_deadline_s)
