"""An orchestrator restart while a Kubernetes run is going: the service wiring (scheduler
and executor seam) leaves the pod running on shutdown and, on the next start, runs the
SAME attempt again so the executor adopts or collects the pod; a local run is instead
retried as its next attempt. The executor here stands in for the pod side (the
Kubernetes executor's own adopt/collect is tested in test_executor.py)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Collection
from datetime import UTC, datetime
from pathlib import Path

from services.orchestrator.app import create_app
from services.orchestrator.config import OrchestratorSettings
from services.orchestrator.executors.base import Executor, RunOutcome, RunRequest
from shared.bus.base import Subscription
from shared.bus.memory import InProcessBus
from shared.events import Event, ExecutionFinished, ExecutionSpec, ScoringSpec, SubmissionQueued
from shared.storage import LocalStorage
from tests.orchestrator.kubernetes.conftest import until


class PodSide(Executor):
    """Runs never end by themselves in the first process; ``resumes`` says whether runs
    survive the process (pods) or not (the local sandbox)."""

    def __init__(self, *, resumes: bool, finish: bool) -> None:
        self.resumes = resumes
        self.finish = finish
        self.requests: list[RunRequest] = []
        self.resumed: list[tuple[str, int]] = []
        self.detached = False
        self.cancelled = 0

    async def run(self, request: RunRequest) -> RunOutcome:
        self.requests.append(request)
        if self.finish:
            return RunOutcome(None, predictions_key="p", log_key="l")
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        raise AssertionError("unreachable")

    async def resume(self, runs: Collection[tuple[str, int]]) -> bool:
        self.resumed = [(str(s), a) for s, a in runs]
        return self.resumes

    def detach(self) -> None:
        self.detached = True


def queued() -> SubmissionQueued:
    cid = uuid.uuid4()
    return SubmissionQueued(
        submission_id=uuid.uuid4(),
        competition_id=cid,
        team_id=uuid.uuid4(),
        team_name="t",
        submitted_at=datetime.now(UTC),
        archive_key=f"{cid}/s.zip",
        execution=ExecutionSpec(
            time_limit_s=10, memory_mb=256, cpus=1, data_prefix=f"{cid}/1/", data_files=[]
        ),
        scoring=ScoringSpec(metric="rmse", id_column="id", target_columns=["y"], labels_key="l.csv"),
    )


async def restart(tmp_path: Path, *, resumes: bool) -> tuple[PodSide, PodSide, list[ExecutionFinished]]:
    settings = OrchestratorSettings(data_dir=tmp_path, scheduler_poll_seconds=0.05)
    bus = InProcessBus(hold_until_released=False)
    storage = LocalStorage(tmp_path / "storage")
    finished: list[ExecutionFinished] = []

    async def collect(event: Event) -> None:
        if isinstance(event, ExecutionFinished):
            finished.append(event)

    await bus.subscribe(Subscription(queue="test", routing_keys=["execution.finished"], handler=collect))
    event = queued()
    before, after = PodSide(resumes=resumes, finish=False), PodSide(resumes=resumes, finish=True)
    app = create_app(settings, bus=bus, storage=storage, executor=before)
    async with app.router.lifespan_context(app):
        await bus.publish(event)
        await until(lambda: before.requests)
    app = create_app(settings, bus=bus, storage=storage, executor=after)
    async with app.router.lifespan_context(app):
        await until(lambda: finished)
    await bus.close()
    assert before.detached and before.cancelled == 1  # shut down: the run task was cancelled
    return before, after, finished


async def test_a_pod_run_is_resumed_as_the_same_attempt_after_a_restart(tmp_path: Path) -> None:
    before, after, finished = await restart(tmp_path, resumes=True)
    sid = str(before.requests[0].submission_id)
    assert after.resumed == [(sid, 1)]
    assert [r.attempt for r in after.requests] == [1]  # the same attempt: adopt or collect the pod
    assert [(str(e.submission_id), e.attempt, e.failure_reason) for e in finished] == [(sid, 1, None)]


async def test_a_local_run_is_retried_as_the_next_attempt_after_a_restart(tmp_path: Path) -> None:
    _, after, finished = await restart(tmp_path, resumes=False)
    assert [r.attempt for r in after.requests] == [2]
    assert finished[0].attempt == 2 and finished[0].failure_reason is None
