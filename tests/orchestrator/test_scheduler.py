"""The scheduler's promises, with an executor the test controls (no sandbox): fair share
across teams, the global and per-competition limits, cancel, the run deadline and the
reconcile of rows left running. The fair-share test runs on SQLite and PostgreSQL (the
pick reads a window function)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import httpx
import pytest

from services.orchestrator import repository
from services.orchestrator.app import create_app
from services.orchestrator.config import OrchestratorSettings
from services.orchestrator.executors.base import Executor, RunOutcome, RunRequest
from services.orchestrator.scheduler import Scheduler
from shared.bus.base import Subscription
from shared.bus.memory import InProcessBus
from shared.events import (
    Event,
    ExecutionFinished,
    ExecutionSpec,
    ExecutionStarted,
    FailureReason,
    Resources,
    ScoringSpec,
    SubmissionCancelled,
    SubmissionQueued,
)
from shared.storage import LocalStorage
from tests.conftest import INTERNAL_HEADERS, INTERNAL_TOKEN
from tests.support import patient


class GatedExecutor(Executor):
    """Each run waits until the test releases it (or forever, with ``hang``)."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.cancelled: list[str] = []
        self.gates: dict[str, asyncio.Event] = {}

    async def run(self, request: RunRequest) -> RunOutcome:
        sid = str(request.submission_id)
        self.started.append(sid)
        gate = self.gates.setdefault(sid, asyncio.Event())
        try:
            await gate.wait()
        except asyncio.CancelledError:
            self.cancelled.append(sid)
            raise
        return RunOutcome(
            None,
            predictions_key=f"{sid}/{request.attempt}/predictions.csv",
            resources=Resources(wall_seconds=1.5, cpu_seconds=1.25, peak_memory_mb=42.0),
        )

    def release(self, sid: str) -> None:
        self.gates.setdefault(sid, asyncio.Event()).set()


@dataclass
class Orchestrator:
    bus: InProcessBus
    executor: GatedExecutor
    scheduler: Scheduler
    client: httpx.AsyncClient
    events: list[Event] = field(default_factory=list)
    competition: uuid.UUID = field(default_factory=uuid.uuid4)

    async def queue(
        self,
        team: uuid.UUID,
        *,
        competition: uuid.UUID | None = None,
        cap: int | None = None,
        time_limit_s: float = 60,
        gpu: bool = False,
        stage: uuid.UUID | None = None,
        purpose: Literal["compete", "reproduce"] = "compete",
    ) -> str:
        sid = uuid.uuid4()
        comp = competition or self.competition
        await self.bus.publish(
            SubmissionQueued(
                submission_id=sid,
                competition_id=comp,
                team_id=team,
                team_name=f"team {team}",
                submitted_at=datetime.now(UTC),
                archive_key=f"{comp}/{sid}.zip",
                execution=ExecutionSpec(
                    time_limit_s=time_limit_s,
                    memory_mb=256,
                    cpus=1,
                    data_prefix=f"{comp}/1/",
                    data_files=["x.csv"],
                    max_concurrent_runs=cap,
                    gpu=gpu,
                ),
                scoring=ScoringSpec(metric="rmse", id_column="id", target_columns=["y"], labels_key="l.csv"),
                stage_id=stage,
                purpose=purpose,
            )
        )
        await self.status_is(str(sid), "queued", "running")
        return str(sid)

    async def execution(self, sid: str) -> dict[str, Any]:
        r = await self.client.get(f"/internal/v1/executions/{sid}")
        assert r.status_code == 200, r.text
        return dict(r.json())

    async def status_is(self, sid: str, *statuses: str) -> dict[str, Any]:
        async def probe() -> dict[str, Any] | None:
            r = await self.client.get(f"/internal/v1/executions/{sid}")
            return r.json() if r.status_code == 200 and r.json()["status"] in statuses else None

        return await poll(probe)  # type: ignore[no-any-return]

    async def started_count(self, n: int) -> list[str]:
        async def probe() -> list[str] | None:
            return list(self.executor.started) if len(self.executor.started) >= n else None

        return await poll(probe)  # type: ignore[no-any-return]

    def finished(self, sid: str) -> list[ExecutionFinished]:
        return [e for e in self.events if isinstance(e, ExecutionFinished) and str(e.submission_id) == sid]


# the suite's one polling helper (tests/support.py), with this file's patience
poll = patient(20.0)


@asynccontextmanager
async def orchestrator(
    data_dir: Path, database_url: str | None = None, **settings: Any
) -> AsyncIterator[Orchestrator]:
    config = OrchestratorSettings(
        data_dir=data_dir,
        orchestrator_database_url=database_url,
        scheduler_poll_seconds=0.05,
        internal_token=INTERNAL_TOKEN,
        **{"max_concurrent_runs": 2, **settings},
    )
    bus = InProcessBus(hold_until_released=False)
    executor = GatedExecutor()
    app = create_app(config, bus=bus, storage=LocalStorage(data_dir / "storage"), executor=executor)
    events: list[Event] = []

    async def collect(event: Event) -> None:
        events.append(event)

    await bus.subscribe(Subscription(queue="test", routing_keys=["execution.*"], handler=collect))
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            client = httpx.AsyncClient(transport=transport, base_url="http://orch", headers=INTERNAL_HEADERS)
            async with client:
                yield Orchestrator(bus, executor, app.state.scheduler, client, events)
    finally:
        await bus.close()


async def test_a_team_with_many_queued_runs_delays_another_by_at_most_one_free_slot(
    data_dir: Path, database_url: str
) -> None:
    team_a, team_b = uuid.uuid4(), uuid.uuid4()
    async with orchestrator(data_dir, database_url) as o:
        a_runs = [await o.queue(team_a) for _ in range(12)]
        assert await o.started_count(2) == a_runs[:2]  # the global limit: 2 at once
        b_run = await o.queue(team_b)
        assert (await o.execution(b_run))["status"] == "queued"

        o.executor.release(a_runs[0])  # the first slot that frees goes to B
        started = await o.started_count(3)
        assert started[2] == b_run
        assert (await o.execution(b_run))["status"] == "running"

        o.executor.release(a_runs[1])  # and then A carries on, oldest first
        assert (await o.started_count(4))[3] == a_runs[2]
        assert len(o.executor.started) == 4


async def test_a_cancel_read_as_queued_while_the_run_is_claimed_is_not_lost(
    data_dir: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cancellation reads the execution as queued, and before its update the scheduler
    (another replica's, or this one's) claims the run. Unless the cancel locks the row
    it read, its "still queued" update then matches nothing and the run goes on as if
    never cancelled. Here the cancel pauses after its read while the slot frees: when
    it holds the row, the claim waits for it (and then finds the run cancelled)."""
    async with orchestrator(data_dir, database_url, max_concurrent_runs=1) as o:
        first = await o.queue(uuid.uuid4())
        await o.started_count(1)
        second = await o.queue(uuid.uuid4())
        real_get, real_cancel = repository.get, repository.request_cancel
        paused = asyncio.Event()
        cancelling: ContextVar[bool] = ContextVar("cancelling", default=False)

        async def cancel(session: Any, submission_id: str) -> Any:
            cancelling.set(True)  # this task's reads, not the API's polls
            return await real_cancel(session, submission_id)

        async def slow_get(session: Any, submission_id: str, **kwargs: Any) -> Any:
            row = await real_get(session, submission_id, **kwargs)
            if cancelling.get() and not paused.is_set():
                paused.set()
                o.executor.release(first)  # the slot frees: the scheduler claims ``second``

                async def claimed() -> bool:
                    while second not in o.executor.started:
                        await asyncio.sleep(0.02)
                    return True

                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(claimed(), 2.0)

            return row

        monkeypatch.setattr(repository, "get", slow_get)
        monkeypatch.setattr(repository, "request_cancel", cancel)
        await o.bus.publish(SubmissionCancelled(submission_id=uuid.UUID(second)))
        await o.status_is(second, "cancelled")
        assert paused.is_set()
        # never started, or started and stopped: not left running
        assert second not in o.executor.started or second in o.executor.cancelled


async def test_teams_take_turns_when_both_have_queues(data_dir: Path) -> None:
    team_a, team_b = uuid.uuid4(), uuid.uuid4()
    async with orchestrator(data_dir, max_concurrent_runs=1) as o:
        a_runs = [await o.queue(team_a) for _ in range(3)]
        b_runs = [await o.queue(team_b) for _ in range(3)]
        for n in range(1, 6):
            started = await o.started_count(n)
            o.executor.release(started[-1])
        order = await o.started_count(6)
    assert order == [a_runs[0], b_runs[0], a_runs[1], b_runs[1], a_runs[2], b_runs[2]]


async def test_a_competition_cap_holds_while_other_competitions_use_free_slots(data_dir: Path) -> None:
    capped, other = uuid.uuid4(), uuid.uuid4()
    async with orchestrator(data_dir, max_concurrent_runs=3) as o:
        first = await o.queue(uuid.uuid4(), competition=capped, cap=1)
        second = await o.queue(uuid.uuid4(), competition=capped, cap=1)
        elsewhere = await o.queue(uuid.uuid4(), competition=other)
        assert set(await o.started_count(2)) == {first, elsewhere}
        # scheduler passes of the test's own, with a slot free: the cap keeps the second
        # waiting (each pass would claim it were the cap not counted)
        for _ in range(3):
            assert await o.scheduler.start_due() == 0
        assert (await o.execution(second))["status"] == "queued"
        assert set(o.executor.started) == {first, elsewhere}
        o.executor.release(first)
        assert (await o.started_count(3))[2] == second


async def test_cancel_drops_a_queued_run_at_once_and_kills_a_running_one(data_dir: Path) -> None:
    team = uuid.uuid4()
    async with orchestrator(data_dir, max_concurrent_runs=1) as o:
        running = await o.queue(team)
        queued = await o.queue(team)
        await o.started_count(1)
        await o.bus.publish(SubmissionCancelled(submission_id=uuid.UUID(queued)))
        await o.status_is(queued, "cancelled")
        await o.bus.publish(SubmissionCancelled(submission_id=uuid.UUID(running)))
        await o.status_is(running, "cancelled")
        assert o.executor.cancelled == [running]
        assert o.executor.started == [running]  # the cancelled queued run never started
        assert o.finished(running) == [] and o.finished(queued) == []


async def test_a_run_past_its_time_limit_plus_grace_is_stopped_retried_once_then_failed(
    data_dir: Path,
) -> None:
    async with orchestrator(data_dir, run_grace_seconds=0.2) as o:
        sid = await o.queue(uuid.uuid4(), time_limit_s=0.1)
        view = await o.status_is(sid, "finished")
        assert o.executor.cancelled == [sid, sid]  # attempt 1, then attempt 2, both stopped
        assert view["attempt"] == 2
        assert view["failure_reason"] == FailureReason.INTERNAL_ERROR
        assert "did not end within its 0.1 s time limit plus 0.2 s" in view["detail"]
        assert "does not count against your quota" in view["detail"]
        [finished] = await poll(lambda: _value(o.finished(sid)))
        assert finished.failure_reason == FailureReason.INTERNAL_ERROR and finished.attempt == 2


async def test_resources_are_recorded_and_gpu_time_is_the_wall_time_of_a_gpu_run(data_dir: Path) -> None:
    async with orchestrator(data_dir) as o:
        sid = await o.queue(uuid.uuid4(), gpu=True)
        await o.started_count(1)
        o.executor.release(sid)
        view = await o.status_is(sid, "finished")
        [finished] = await poll(lambda: _value(o.finished(sid)))
    expected = {"wall_seconds": 1.5, "cpu_seconds": 1.25, "peak_memory_mb": 42.0, "gpu_seconds": 1.5}
    assert view["resources"] == expected
    assert finished.resources.model_dump() == expected


async def test_a_row_left_running_without_a_run_is_reconciled_and_retried(data_dir: Path) -> None:
    async with orchestrator(data_dir, max_concurrent_runs=1) as o:
        sid = await o.queue(uuid.uuid4())
        await o.started_count(1)
        # the run's task is gone but its row still says running (its end could not be written)
        task = o.scheduler._runs.pop(sid)
        task.cancel()
        assert (await o.execution(sid))["status"] == "running"
        assert await o.scheduler.reconcile() == 1
        o.scheduler.wake()
        await poll(lambda: _value(o.executor.started.count(sid) == 2))
        o.executor.release(sid)
        view = await o.status_is(sid, "finished")
    assert view["attempt"] == 2 and view["failure_reason"] is None


async def test_republish_replays_the_event_of_the_current_state(data_dir: Path) -> None:
    async with orchestrator(data_dir) as o:
        sid = await o.queue(uuid.uuid4())
        await o.started_count(1)
        r = await o.client.post(f"/internal/v1/executions/{sid}/republish")
        assert r.json() == {"submission_id": sid, "status": "running", "republished": "execution.started"}
        o.executor.release(sid)
        await o.status_is(sid, "finished")
        await poll(lambda: _value(o.finished(sid)))
        r = await o.client.post(f"/internal/v1/executions/{sid}/republish")
        assert r.json()["republished"] == "execution.finished"
        [first, again] = await poll(lambda: _value(len(o.finished(sid)) == 2 and o.finished(sid)))
        assert again.event_id != first.event_id
        assert again.model_dump(exclude={"event_id", "occurred_at"}) == first.model_dump(
            exclude={"event_id", "occurred_at"}
        )
        started = [e for e in o.events if isinstance(e, ExecutionStarted) and str(e.submission_id) == sid]
        assert len(started) == 2
        unknown = await o.client.post(f"/internal/v1/executions/{uuid.uuid4()}/republish")
        assert unknown.status_code == 404


async def test_the_stage_of_the_queued_submission_travels_into_execution_finished(data_dir: Path) -> None:
    stage = uuid.uuid4()
    async with orchestrator(data_dir) as o:
        sid = await o.queue(uuid.uuid4(), stage=stage)
        first_stage = await o.queue(uuid.uuid4())
        await o.started_count(2)
        o.executor.release(sid)
        o.executor.release(first_stage)
        [finished] = await poll(lambda: _value(o.finished(sid)))
        [finished_first] = await poll(lambda: _value(o.finished(first_stage)))
        r = await o.client.post(f"/internal/v1/executions/{sid}/republish")
        assert r.json()["republished"] == "execution.finished"
        [_, replayed] = await poll(lambda: _value(len(o.finished(sid)) == 2 and o.finished(sid)))
    assert finished.stage_id == stage and replayed.stage_id == stage
    # a submission queued before stages existed stays in the first stage (None)
    assert finished_first.stage_id is None


async def test_reproductions_start_only_when_no_competing_run_is_due_and_keep_their_purpose(
    data_dir: Path, database_url: str
) -> None:
    team_a, team_b = uuid.uuid4(), uuid.uuid4()
    async with orchestrator(data_dir, database_url, max_concurrent_runs=1) as o:
        first = await o.queue(team_a)
        await o.started_count(1)
        # queued before the competing runs, of the same team and of another team that
        # has never run anything: the reproductions still wait behind both
        reproductions = [await o.queue(team_b, purpose="reproduce") for _ in range(2)]
        own = await o.queue(team_b)
        later = await o.queue(team_a)
        for n in range(1, 5):
            started = await o.started_count(n)
            o.executor.release(started[-1])
        order = await o.started_count(5)
        [finished] = await poll(lambda: _value(o.finished(reproductions[0])))
        r = await o.client.post(f"/internal/v1/executions/{reproductions[0]}/republish")
        assert r.json()["republished"] == "execution.finished"
        [_, replayed] = await poll(
            lambda: _value(len(o.finished(reproductions[0])) == 2 and o.finished(reproductions[0]))
        )
    assert order == [first, own, later, *reproductions]
    assert finished.purpose == "reproduce" and replayed.purpose == "reproduce"
    assert o.finished(first)[0].purpose == "compete"


async def _value(value: Any) -> Any:
    return value
