"""The orchestrator as the rest of the platform sees it: events in, runs in the real
sandbox, events and the internal HTTP API out."""

from __future__ import annotations

import io
import socket
import textwrap
import uuid
import zipfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from services.orchestrator.app import MIGRATIONS_DIR, create_app
from services.orchestrator.config import OrchestratorSettings
from services.orchestrator.executors.local.runtimes import runtime_digest
from services.orchestrator.models import executions
from services.orchestrator.scheduler import INTERRUPTED_TWICE
from shared.bus.base import Subscription
from shared.bus.memory import InProcessBus
from shared.db import make_engine
from shared.events import (
    Event,
    ExecutionFinished,
    ExecutionSpec,
    ExecutionStarted,
    FailureReason,
    ScoringSpec,
    SubmissionCancelled,
    SubmissionQueued,
)
from shared.migrations import upgrade
from shared.runtime import ServiceRuntime
from shared.storage import LocalStorage
from tests.conftest import INTERNAL_HEADERS, INTERNAL_TOKEN
from tests.orchestrator.conftest import needs_sandbox
from tests.support import patient

pytestmark = needs_sandbox

COMPETITION = uuid.uuid4()
DATA_PREFIX = f"{COMPETITION}/v1/"

PREDICT = """
    import pandas as pd
    df = pd.read_csv("/code_execution/data/features.csv")
    df.assign(y=df.x * 2)[["id", "y"]].to_csv("/code_execution/submission/submission.csv", index=False)
    print("predicted", len(df), "rows")
"""


def make_zip(main_py: str, name: str = "main.py") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(name, textwrap.dedent(main_py))
    return buf.getvalue()


@dataclass
class Platform:
    bus: InProcessBus
    storage: LocalStorage
    client: httpx.AsyncClient
    app: Any
    events: list[Event] = field(default_factory=list)

    async def submit(
        self, main_py: str = PREDICT, *, time_limit_s: float = 30, zip_name: str = "main.py"
    ) -> SubmissionQueued:
        sid = uuid.uuid4()
        key = f"{COMPETITION}/{sid}.zip"
        await self.storage.put_bytes("submissions", key, make_zip(main_py, zip_name))
        event = SubmissionQueued(
            submission_id=sid,
            competition_id=COMPETITION,
            team_id=uuid.uuid4(),
            team_name="the testers",
            submitted_at=datetime.now(UTC),
            archive_key=key,
            execution=ExecutionSpec(
                time_limit_s=time_limit_s,
                memory_mb=512,
                cpus=1,
                data_prefix=DATA_PREFIX,
                data_files=["features.csv"],
            ),
            scoring=ScoringSpec(
                metric="rmse", id_column="id", target_columns=["y"], labels_key=f"{COMPETITION}/l.csv"
            ),
        )
        return event

    def of(self, kind: type, sid: uuid.UUID) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind) and e.submission_id == sid]

    async def finished(self, sid: uuid.UUID, timeout: float = 60) -> ExecutionFinished:
        found: list[ExecutionFinished] = await poll(lambda: _async(self.of(ExecutionFinished, sid)), timeout)
        return found[0]

    async def execution(self, sid: uuid.UUID) -> dict[str, Any]:
        r = await self.client.get(f"/internal/v1/executions/{sid}")
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]


async def _async(value: Any) -> Any:
    return value


# the suite's one polling helper (tests/support.py), with this file's patience
poll = patient(60.0)


@asynccontextmanager
async def platform(settings: OrchestratorSettings) -> AsyncIterator[Platform]:
    bus = InProcessBus(hold_until_released=False)
    storage = LocalStorage(settings.data_dir / "storage")
    await storage.put_bytes("data", f"{DATA_PREFIX}features.csv", b"id,x\n1,0.5\n2,0.7\n")
    app = create_app(settings, bus=bus, storage=storage)
    p = Platform(
        bus,
        storage,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://orch", headers=INTERNAL_HEADERS
        ),
        app,
    )

    async def collect(event: Event) -> None:
        p.events.append(event)

    await bus.subscribe(Subscription(queue="test", routing_keys=["execution.*"], handler=collect))
    try:
        async with app.router.lifespan_context(app), p.client:
            yield p
    finally:
        await bus.close()


def settings_for(data_dir: Path, runtimes_dir: Path, database_url: str | None = None) -> OrchestratorSettings:
    return OrchestratorSettings(
        data_dir=data_dir,
        runtimes_dir=runtimes_dir,
        orchestrator_database_url=database_url,
        max_concurrent_runs=2,
        scheduler_poll_seconds=0.2,
        build_missing_runtimes=False,
        internal_token=INTERNAL_TOKEN,
    )


async def test_queued_submission_runs_and_finishes(
    database_url: str, data_dir: Path, runtimes_dir: Path
) -> None:
    async with platform(settings_for(data_dir, runtimes_dir, database_url)) as p:
        queued = await p.submit()
        await p.bus.publish(queued)
        finished = await p.finished(queued.submission_id)

        assert finished.failure_reason is None, finished.detail
        assert finished.attempt == 1 and finished.exit_code == 0
        assert finished.team_name == "the testers" and finished.scoring == queued.scoring
        assert finished.submitted_at == queued.submitted_at
        assert finished.predictions_key == f"{queued.submission_id}/1/predictions.csv"
        assert finished.log_key == f"{queued.submission_id}/1/log.txt"
        assert finished.resources.wall_seconds > 0 and finished.resources.cpu_seconds > 0
        predictions = await p.storage.get_bytes("outputs", finished.predictions_key)
        assert predictions.decode().splitlines() == ["id,y", "1,1.0", "2,1.4"]
        assert len(p.of(ExecutionStarted, queued.submission_id)) == 1

        # the execution record: what it ran on, in the event and in the internal view
        assert finished.runtime == "default" and finished.gpu_used is False
        assert finished.runtime_digest == runtime_digest(runtimes_dir / "default")
        assert finished.machine == socket.gethostname()

        view = await p.execution(queued.submission_id)
        assert view["status"] == "finished" and view["failure_reason"] is None and view["attempt"] == 1
        assert (view["runtime"], view["runtime_digest"], view["machine"], view["gpu_used"]) == (
            "default",
            finished.runtime_digest,
            finished.machine,
            False,
        )
        assert view["started_at"] and view["finished_at"]
        assert view["resources"]["peak_memory_mb"] > 0
        log = await p.client.get(f"/internal/v1/executions/{queued.submission_id}/log")
        assert log.status_code == 200 and log.headers["content-type"].startswith("text/plain")
        assert "predicted 2 rows" in log.text
        # the run directory is gone; the data stays cached for the next run
        assert not any((data_dir / "runs").iterdir())
        assert (data_dir / "cache" / "data" / DATA_PREFIX / "features.csv").is_file()


async def test_duplicate_delivery_runs_once(data_dir: Path, runtimes_dir: Path) -> None:
    async with platform(settings_for(data_dir, runtimes_dir)) as p:
        queued = await p.submit()
        await p.bus.publish(queued)
        await p.bus.publish(queued)
        await p.finished(queued.submission_id)
        await p.bus.publish(queued)
        # a later event on the same queue has been handled: so have the duplicates before it
        barrier = SubmissionCancelled(submission_id=uuid.uuid4())
        await p.bus.publish(barrier)
        await poll(lambda: _status(p, barrier.submission_id))
        assert len(p.of(ExecutionStarted, queued.submission_id)) == 1
        assert len(p.of(ExecutionFinished, queued.submission_id)) == 1
        assert (await p.execution(queued.submission_id))["attempt"] == 1
        assert not p.app.state.scheduler.running


async def _status(p: Platform, sid: uuid.UUID) -> str | None:
    r = await p.client.get(f"/internal/v1/executions/{sid}")
    return r.json()["status"] if r.status_code == 200 else None


async def test_failures_are_classified_for_the_participant(data_dir: Path, runtimes_dir: Path) -> None:
    async with platform(settings_for(data_dir, runtimes_dir)) as p:
        crash = await p.submit("import sys\nprint('boom', file=sys.stderr)\nsys.exit(3)\n")
        slow = await p.submit("import time\ntime.sleep(600)\n", time_limit_s=1)
        bad_zip = await p.submit(PREDICT, zip_name="src/main.py")
        for e in (crash, slow, bad_zip):
            await p.bus.publish(e)
        got = {e.submission_id: await p.finished(e.submission_id) for e in (crash, slow, bad_zip)}

        assert got[crash.submission_id].failure_reason == FailureReason.RUNTIME_ERROR
        assert got[crash.submission_id].exit_code == 3 and "boom" in got[crash.submission_id].detail
        assert got[slow.submission_id].failure_reason == FailureReason.TIME_LIMIT_EXCEEDED
        assert got[slow.submission_id].detail.startswith("ran longer than the 1 s time limit")
        assert got[bad_zip.submission_id].failure_reason == FailureReason.INVALID_SUBMISSION
        assert "main.py must be at the root" in got[bad_zip.submission_id].detail
        assert got[bad_zip.submission_id].log_key is None
        r = await p.client.get(f"/internal/v1/executions/{bad_zip.submission_id}/log")
        assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"


async def test_cancel_queued_and_running(data_dir: Path, runtimes_dir: Path) -> None:
    settings = settings_for(data_dir, runtimes_dir)
    settings.max_concurrent_runs = 1
    async with platform(settings) as p:
        running = await p.submit("import time\ntime.sleep(600)\n", time_limit_s=300)
        waiting = await p.submit()
        await p.bus.publish(running)
        await poll(lambda: _async(p.of(ExecutionStarted, running.submission_id)))
        await p.bus.publish(waiting)
        await poll(lambda: _status(p, waiting.submission_id))
        await p.bus.publish(SubmissionCancelled(submission_id=waiting.submission_id))
        await p.bus.publish(SubmissionCancelled(submission_id=running.submission_id))

        await poll(lambda: _is(p, running.submission_id, "cancelled"), timeout=20)
        await poll(lambda: _is(p, waiting.submission_id, "cancelled"), timeout=20)
        assert not p.of(ExecutionFinished, running.submission_id)
        assert not p.of(ExecutionStarted, waiting.submission_id)
        # a cancelled submission queued again (a redelivery) stays cancelled
        await p.bus.publish(waiting.model_copy(update={"event_id": uuid.uuid4()}))
        assert (await p.execution(waiting.submission_id))["status"] == "cancelled"


async def _is(p: Platform, sid: uuid.UUID, status: str) -> bool:
    return await _status(p, sid) == status


async def test_unknown_execution_is_a_404_problem(data_dir: Path, runtimes_dir: Path) -> None:
    async with platform(settings_for(data_dir, runtimes_dir)) as p:
        r = await p.client.get(f"/internal/v1/executions/{uuid.uuid4()}")
        assert r.status_code == 404 and r.json()["detail"].startswith("no execution for submission")


async def test_restart_requeues_interrupted_runs_once(data_dir: Path, runtimes_dir: Path) -> None:
    settings = settings_for(data_dir, runtimes_dir)
    storage = LocalStorage(data_dir / "storage")
    await storage.put_bytes("data", f"{DATA_PREFIX}features.csv", b"id,x\n1,0.5\n2,0.7\n")
    helper = Platform(InProcessBus(), storage, None, None)  # type: ignore[arg-type]
    first = await helper.submit()  # interrupted once: runs again as attempt 2
    second = await helper.submit()  # interrupted on attempt 2: fails
    await upgrade(MIGRATIONS_DIR, settings.database_url)
    engine = make_engine(settings.database_url)
    async with engine.begin() as conn:
        for event, attempt in ((first, 1), (second, 2)):
            await conn.execute(
                executions.insert().values(
                    submission_id=str(event.submission_id),
                    competition_id=str(COMPETITION),
                    team_id=str(event.team_id),
                    attempt=attempt,
                    status="running",
                    snapshot=event.model_dump_json(),
                    cancel_requested=False,
                    detail="",
                    queued_at=datetime.now(UTC),
                    started_at=datetime.now(UTC),
                )
            )
    await engine.dispose()

    async with platform(settings) as p:
        again = await p.finished(first.submission_id)
        assert again.attempt == 2 and again.failure_reason is None
        assert again.predictions_key == f"{first.submission_id}/2/predictions.csv"
        failed = await p.finished(second.submission_id)
        assert failed.failure_reason == FailureReason.INTERNAL_ERROR
        assert failed.detail == INTERRUPTED_TWICE
        assert not p.of(ExecutionStarted, second.submission_id)


async def test_the_orchestrator_commits_at_normal_and_the_others_stay_at_full(
    data_dir: Path, runtimes_dir: Path
) -> None:
    # the orchestrator's losses at a power cut are re-derived (``app.py``); the default
    # every other service keeps is FULL
    settings = settings_for(data_dir, runtimes_dir)
    async with platform(settings) as p, p.app.state.runtime.engine.connect() as conn:
        assert (await conn.execute(text("PRAGMA synchronous"))).scalar() == 1
    assert ServiceRuntime.__dataclass_fields__["sqlite_synchronous"].default == "FULL"
