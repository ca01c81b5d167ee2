"""Two orchestrator replicas on one PostgreSQL database (the service wiring: app,
consumers, scheduler, leases), each with its own bus and an executor the test controls
that records every run across both: the global limit holds for both together, each
run is run by one replica, a dead replica's runs are taken over once its lease runs out
(attempt 2 for the local sandbox, the same attempt adopted for pods), a replica that
lost a run records nothing and stops it, a cancel received by either replica stops the
run where it is, a stale attempt's end leaves the live attempt's folder alone, and
leases are the database's clock: a replica whose clock is off by an hour neither takes
a live run over nor keeps a dead replica's run from being taken over."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator, Collection
from contextlib import AsyncExitStack
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from services.orchestrator import leases, repository
from services.orchestrator import scheduler as scheduler_module
from services.orchestrator.app import create_app
from services.orchestrator.config import OrchestratorSettings
from services.orchestrator.executors.base import Executor, RunOutcome, RunRequest
from services.orchestrator.executors.local.executor import LocalSandboxExecutor
from services.orchestrator.executors.local.runner import LocalRunner
from services.orchestrator.models import executions
from services.orchestrator.scheduler import Scheduler
from shared import events
from shared.bus.base import Subscription
from shared.bus.memory import InProcessBus
from shared.db import as_aware
from shared.events import (
    Event,
    ExecutionFinished,
    ExecutionSpec,
    FailureReason,
    ScoringSpec,
    SubmissionCancelled,
    SubmissionQueued,
)
from shared.storage import LocalStorage
from tests.support import eventually

pytestmark = pytest.mark.timeout(90)

# short, for quick takeovers, but not so short that a busy test machine (a renewal
# slower than half a lease) fences its own runs
LEASE_S = 4.0
# how long a test waits for something that takes a lease or so
WAIT_S = 30.0


@dataclass
class Tracker:
    """Every run of both replicas: how many were live at once, and whether an attempt
    of one submission was ever live twice."""

    live: dict[str, str] = field(default_factory=dict)  # submission -> replica
    peak: int = 0
    runs: list[tuple[str, str, int]] = field(default_factory=list)  # (replica, submission, attempt)
    overlaps: list[str] = field(default_factory=list)

    def enter(self, replica: str, sid: str, attempt: int) -> None:
        if sid in self.live:
            self.overlaps.append(f"{sid} on {self.live[sid]} and {replica}")
        self.live[sid] = replica
        self.runs.append((replica, sid, attempt))
        self.peak = max(self.peak, len(self.live))

    def leave(self, replica: str, sid: str) -> None:
        if self.live.get(sid) == replica:
            del self.live[sid]


class RecordingExecutor(Executor):
    """Runs for ``duration_s`` (or until ``end``, when None); ``resumes``: its runs
    outlive the process, like pods."""

    def __init__(self, name: str, tracker: Tracker, *, duration_s: float | None, resumes: bool) -> None:
        self.name = name
        self.tracker = tracker
        self.duration_s = duration_s
        self.resumes = resumes
        self.gates: dict[str, asyncio.Event] = {}
        self.outcomes: dict[str, RunOutcome] = {}
        self.started: dict[str, tuple[int, datetime]] = {}
        self.cancelled: dict[str, datetime] = {}
        self.abandoned: list[tuple[str, int]] = []
        self.released: list[tuple[str, int]] = []

    async def resume(self, runs: Collection[tuple[str, int]]) -> bool:
        return self.resumes

    def abandon(self, submission_id: str, attempt: int) -> None:
        self.abandoned.append((submission_id, attempt))

    async def release(self, request: RunRequest) -> None:
        self.released.append((str(request.submission_id), request.attempt))

    async def run(self, request: RunRequest) -> RunOutcome:
        sid = str(request.submission_id)
        self.started[sid] = (request.attempt, datetime.now(UTC))
        self.tracker.enter(self.name, sid, request.attempt)
        try:
            if self.duration_s is None:
                await self.gates.setdefault(sid, asyncio.Event()).wait()
            else:
                await asyncio.sleep(self.duration_s * random.uniform(0.5, 1.5))
        except asyncio.CancelledError:
            self.cancelled[sid] = datetime.now(UTC)
            raise
        finally:
            self.tracker.leave(self.name, sid)
        return self.outcomes.get(sid, RunOutcome(None, predictions_key=f"{sid}/{request.attempt}/p.csv"))

    def end(self, sid: str, outcome: RunOutcome | None = None) -> None:
        if outcome is not None:
            self.outcomes[sid] = outcome
        self.gates.setdefault(sid, asyncio.Event()).set()


@dataclass
class Replica:
    name: str
    bus: InProcessBus
    executor: RecordingExecutor
    scheduler: Scheduler
    events: list[Event]

    async def queue(self) -> str:
        sid, comp = uuid.uuid4(), uuid.uuid4()
        await self.bus.publish(
            SubmissionQueued(
                submission_id=sid,
                competition_id=comp,
                team_id=uuid.uuid4(),
                team_name="t",
                submitted_at=datetime.now(UTC),
                archive_key=f"{comp}/{sid}.zip",
                execution=ExecutionSpec(
                    time_limit_s=60, memory_mb=256, cpus=1, data_prefix=f"{comp}/1/", data_files=["x.csv"]
                ),
                scoring=ScoringSpec(metric="rmse", id_column="id", target_columns=["y"], labels_key="l.csv"),
            )
        )
        return str(sid)

    def finished(self) -> list[ExecutionFinished]:
        return [e for e in self.events if isinstance(e, ExecutionFinished)]

    async def crash(self) -> None:
        """Die without a word: no more rounds, no heartbeat, the runs gone, nothing recorded."""
        await self.pause()
        tasks = list(self.scheduler._runs.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def pause(self) -> None:
        """Stop going round and renewing, runs left as they are (a process stopped, a partition)."""
        await self.scheduler._loop.stop()
        await self.scheduler.leases.stop()


@dataclass
class Cluster:
    """Replicas of one orchestrator on one PostgreSQL database, started on demand."""

    url: str | None  # None: SQLite, one file per replica's data directory
    data_dir: Path
    stack: AsyncExitStack
    tracker: Tracker = field(default_factory=Tracker)
    replicas: list[Replica] = field(default_factory=list)

    def finished(self) -> list[ExecutionFinished]:
        """Every ``execution.finished`` published, whichever replica's bus it went out on,
        once per event id: the replicas share one outbox, and each has an in-process bus
        of its own (here only: in production they share RabbitMQ), whose relay hands over
        every pending row without a claim, so a row may go out on both buses, as one
        event id that an inbox takes once. A paused or crashed replica's relay runs on
        (only its scheduler stopped)."""
        unique: dict[uuid.UUID, ExecutionFinished] = {}
        for replica in self.replicas:
            for event in replica.finished():
                unique.setdefault(event.event_id, event)
        return list(unique.values())

    async def start(
        self, name: str, *, duration_s: float | None = None, resumes: bool = False, **settings: Any
    ) -> Replica:
        config = OrchestratorSettings(
            data_dir=self.data_dir / name,
            orchestrator_database_url=self.url,
            scheduler_poll_seconds=0.05,
            reconcile_seconds=0.2,
            **{"max_concurrent_runs": 3, "replica_id": name, "lease_seconds": LEASE_S, **settings},
        )
        bus = InProcessBus()
        executor = RecordingExecutor(name, self.tracker, duration_s=duration_s, resumes=resumes)
        storage = LocalStorage(self.data_dir / "storage")
        app = create_app(config, bus=bus, storage=storage, executor=executor)
        events: list[Event] = []

        async def collect(event: Event) -> None:
            events.append(event)

        await bus.subscribe(Subscription(queue="test", routing_keys=["execution.*"], handler=collect))
        self.stack.push_async_callback(bus.close)
        await self.stack.enter_async_context(app.router.lifespan_context(app))
        replica = Replica(name, bus, executor, app.state.scheduler, events)
        self.replicas.append(replica)
        return replica


@pytest.fixture
async def cluster(pg_database: Any, data_dir: Path) -> AsyncIterator[Cluster]:
    url = await pg_database("replicas")
    async with AsyncExitStack() as stack:
        found = Cluster(url, data_dir, stack)
        yield found
    assert found.tracker.overlaps == [], "an attempt ran in two places at once"


async def rows(replica: Replica) -> dict[str, Any]:
    async with replica.scheduler.rt.sessionmaker() as session:
        found = (await session.execute(select(executions))).all()
    return {r.submission_id: r for r in found}


@pytest.mark.parametrize("capacity", [None, 1])
async def test_the_global_limit_holds_across_replicas_and_each_run_is_run_once(
    cluster: Cluster, capacity: int | None
) -> None:
    a = await cluster.start("a", duration_s=0.08, replica_max_runs=capacity)
    b = await cluster.start("b", duration_s=0.08, replica_max_runs=capacity)
    sids = [await (a if i % 2 else b).queue() for i in range(24)]

    async def all_finished() -> bool:
        found = await rows(a)
        return len(found) == len(sids) and all(r.status == "finished" for r in found.values())

    await eventually(all_finished, 60)
    tracker = cluster.tracker
    limit = 3 if capacity is None else 2  # two replicas of capacity 1 under a global 3
    assert tracker.peak == limit, f"peak {tracker.peak}, limit {limit}"
    ran = [sid for _, sid, _ in tracker.runs]
    assert sorted(ran) == sorted(sids), "every submission ran exactly once"
    by_replica = {name for name, _, _ in tracker.runs}
    assert by_replica == {"a", "b"}, "both replicas took runs"
    found = await rows(a)
    for replica, sid, attempt in tracker.runs:
        assert (found[sid].attempt, found[sid].owner) == (attempt, replica) == (1, replica)


@pytest.mark.parametrize("resumes", [False, True], ids=["local", "pods"])
async def test_a_dead_replicas_runs_are_taken_over_after_its_lease(cluster: Cluster, resumes: bool) -> None:
    a = await cluster.start("a", resumes=resumes)
    sids = [await a.queue(), await a.queue()]
    await eventually(lambda: len(a.executor.started) == 2, WAIT_S)
    b = await cluster.start("b", resumes=resumes)
    await asyncio.sleep(LEASE_S * 1.5)  # time is the point: b leaves a's live runs alone past a lease
    assert b.executor.started == {}

    await a.crash()
    expiry = max(as_aware(r.lease_expires_at) for r in (await rows(a)).values())
    await eventually(lambda: len(b.executor.started) == 2, WAIT_S)
    attempt = 1 if resumes else 2  # pods: the same attempt, adopted; local: the next one
    for sid in sids:
        again, at = b.executor.started[sid]
        assert again == attempt and at >= expiry, "taken over only once the lease ran out"
        b.executor.end(sid)
    found = await eventually(lambda: _all_status(b, sids, "finished"), WAIT_S)
    assert {(r.attempt, r.owner, r.failure_reason) for r in found} == {(attempt, "b", None)}
    finished = await eventually(lambda: len(cluster.finished()) == 2 and cluster.finished(), WAIT_S)
    assert sorted(str(e.submission_id) for e in finished) == sorted(sids)


async def _all_status(replica: Replica, sids: list[str], status: str) -> list[Any] | None:
    found = await rows(replica)
    chosen = [found[s] for s in sids if s in found]
    return chosen if len(chosen) == len(sids) and all(r.status == status for r in chosen) else None


@pytest.mark.parametrize("resumes", [False, True], ids=["local", "pods"])
async def test_a_stale_replica_records_nothing_after_its_run_was_taken_over(
    cluster: Cluster, resumes: bool
) -> None:
    a = await cluster.start("a", resumes=resumes)
    sid = await a.queue()
    await eventually(lambda: sid in a.executor.started, WAIT_S)
    b = await cluster.start("b", resumes=resumes)
    await a.pause()  # its run goes on, its lease is no longer renewed
    await eventually(lambda: sid in b.executor.started, WAIT_S)

    # the stale run ends with an outcome of its own: none of it reaches the row
    a.executor.end(sid, RunOutcome(FailureReason.RUNTIME_ERROR, "stale", exit_code=7))
    await eventually(lambda: sid not in a.scheduler.running, WAIT_S)
    row = (await rows(a))[sid]
    assert (row.status, row.owner, row.attempt) == ("running", "b", 1 if resumes else 2)
    b.executor.end(sid)
    [row] = await eventually(lambda: _all_status(b, [sid], "finished"), WAIT_S)
    assert (row.owner, row.failure_reason, row.exit_code) == ("b", None, None)
    assert [e.exit_code for e in await eventually(cluster.finished, WAIT_S)] == [None]
    # only the holder, once it recorded the end, lets go of what kept the run recoverable
    await eventually(lambda: b.executor.released == [(sid, row.attempt)], WAIT_S)  # after its commit
    assert a.executor.released == []
    # a frozen replica cannot stop its own run (a stopped process fences nothing), so
    # here the two attempts did overlap (pods: both followed the one pod): what the
    # lease guarantees is the record
    assert cluster.tracker.overlaps == [f"{sid} on a and b"]
    cluster.tracker.overlaps.clear()


@pytest.mark.parametrize("resumes", [False, True], ids=["local", "pods"])
async def test_a_replica_whose_run_was_taken_over_stops_it_when_its_heartbeat_returns(
    cluster: Cluster, resumes: bool
) -> None:
    a = await cluster.start("a", resumes=resumes)
    sid = await a.queue()
    await eventually(lambda: sid in a.executor.started, WAIT_S)
    b = await cluster.start("b", resumes=resumes)
    await a.pause()
    await eventually(lambda: sid in b.executor.started, WAIT_S)  # local: attempt 2; pods: attempt 1, adopted
    a.scheduler.leases.start()  # a comes back: its renewal finds the row held by b
    await eventually(lambda: sid in a.executor.cancelled, WAIT_S)
    await eventually(lambda: sid not in a.scheduler.running, WAIT_S)
    # told first that the run is someone else's: a pod is left for b, not deleted
    assert a.executor.abandoned == [(sid, 1)]
    b.executor.end(sid)
    [row] = await eventually(lambda: _all_status(b, [sid], "finished"), WAIT_S)
    assert (row.owner, row.attempt) == ("b", 1 if resumes else 2)
    ended = await eventually(cluster.finished, WAIT_S)
    assert [e.attempt for e in ended] == [row.attempt], "b's end only, nothing of a's"
    # while a was frozen (see above); pods: one pod that both followed
    assert cluster.tracker.overlaps == [f"{sid} on a and b"]
    cluster.tracker.overlaps.clear()


async def test_an_embedded_orchestrator_restarted_after_a_crash_takes_its_runs_over_at_once(
    cluster: Cluster,
) -> None:
    """SQLite has one replica, with a stable name: its restart need not wait for the
    leases of the process that died."""
    cluster.url = None
    a = await cluster.start("a", replica_id=None, lease_seconds=60)
    assert a.scheduler.replica_id == "embedded"
    sid = await a.queue()
    await eventually(lambda: sid in a.executor.started, WAIT_S)
    await a.crash()
    crashed = asyncio.get_running_loop().time()
    again = await cluster.start("a", replica_id=None, lease_seconds=60)  # the same database file
    await eventually(lambda: sid in again.executor.started, WAIT_S)
    assert again.executor.started[sid][0] == 2
    assert asyncio.get_running_loop().time() - crashed < 10, "taken over at once, not after 60 s"
    again.executor.end(sid)
    [row] = await eventually(lambda: _all_status(again, [sid], "finished"), WAIT_S)
    assert (row.attempt, row.owner) == (2, "embedded")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_one_replica_renews_its_leases_and_keeps_a_run_longer_than_two(
    cluster: Cluster, backend: str
) -> None:
    """The embedded wiring (SQLite, one replica) too: a run of two leases is never
    taken for an orphan, by its own replica or another."""
    if backend == "sqlite":
        cluster.url = None
    a = await cluster.start("a")
    sid = await a.queue()
    await eventually(lambda: sid in a.executor.started, WAIT_S)
    first = as_aware((await rows(a))[sid].lease_expires_at)
    await asyncio.sleep(LEASE_S * 2)  # time itself is the point: it outlives two leases
    row = (await rows(a))[sid]
    assert (row.status, row.attempt, row.owner) == ("running", 1, "a")
    assert as_aware(row.lease_expires_at) > first + timedelta(seconds=LEASE_S), "renewed"
    a.executor.end(sid)
    [row] = await eventually(lambda: _all_status(a, [sid], "finished"), WAIT_S)
    assert row.attempt == 1 and row.lease_expires_at is None
    assert a.executor.cancelled == {} and a.scheduler.leases.fenced == 0


async def test_a_replica_that_cannot_renew_stops_its_runs_before_its_lease_runs_out(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = await cluster.start("a")
    sid = await a.queue()
    await eventually(lambda: sid in a.executor.started, WAIT_S)

    async def unreachable(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("the database is out of reach")

    # the database is out of reach: no rounds (they would fail too), no renewals
    await a.scheduler._loop.stop()
    monkeypatch.setattr(leases, "renew_held", unreachable)
    await eventually(lambda: sid in a.executor.cancelled, timeout=WAIT_S)
    row = (await rows(a))[sid]
    assert a.scheduler.leases.fenced >= 1 and (row.status, row.owner, row.attempt) == ("running", "a", 1)
    assert a.executor.cancelled[sid] < as_aware(row.lease_expires_at), "stopped before the lease ran out"
    assert a.finished() == []
    # back: the row, held by no live run, is taken over (here by a itself) and runs again
    monkeypatch.undo()
    a.scheduler._loop.start()
    await eventually(lambda: a.executor.started[sid][0] == 2, WAIT_S)
    a.executor.end(sid)
    [row] = await eventually(lambda: _all_status(a, [sid], "finished"), WAIT_S)
    assert row.attempt == 2 and row.failure_reason is None


async def test_a_cancel_received_by_one_replica_stops_the_run_on_the_other(cluster: Cluster) -> None:
    b = await cluster.start("b")
    sid = await b.queue()
    await eventually(lambda: sid in b.executor.started, WAIT_S)
    a = await cluster.start("a")
    sent = asyncio.get_running_loop().time()
    await a.bus.publish(SubmissionCancelled(submission_id=uuid.UUID(sid)))
    [row] = await eventually(lambda: _all_status(b, [sid], "cancelled"), WAIT_S)
    latency = asyncio.get_running_loop().time() - sent
    assert sid in b.executor.cancelled and sid not in a.executor.started
    assert latency < 2.0, f"the cancel took {latency:.2f} s to reach the replica holding the run"
    assert row.owner == "b" and cluster.finished() == []


async def test_a_stale_attempt_ending_leaves_the_live_attempts_folder(data_dir: Path) -> None:
    """Attempt 1's end (a stale replica) removes its own folder only; the last attempt's
    end removes the submission's folder too."""
    runs_dir = data_dir / "runs"
    executor = LocalSandboxExecutor(
        LocalRunner(
            LocalStorage(data_dir / "storage"),
            runs_dir=runs_dir,
            cache_dir=data_dir / "cache",
            runtimes_dir=data_dir / "runtimes",  # no runtime there: each run is refused, fast
            build_missing_runtimes=False,
        )
    )
    sid = uuid.uuid4()
    live = runs_dir / str(sid) / "2" / "submission"
    live.mkdir(parents=True)
    (live / "predictions.csv").write_text("id,y\n")

    def request(attempt: int) -> RunRequest:
        spec = ExecutionSpec(time_limit_s=5, memory_mb=64, cpus=1, data_prefix="d/1/", data_files=[])
        return RunRequest(sid, uuid.uuid4(), attempt, "a.zip", spec)

    stale = await executor.run(request(1))
    assert stale.failure_reason == FailureReason.INTERNAL_ERROR and "runtime" in stale.detail
    assert not (runs_dir / str(sid) / "1").exists()
    assert (live / "predictions.csv").read_text() == "id,y\n", "the live attempt's folder is intact"
    await executor.run(request(2))
    assert not (runs_dir / str(sid)).exists()


# -- clocks: leases are the database's clock on PostgreSQL, not a replica's --

# the skew of the replica whose tasks read it: a replica's tasks are created while it
# starts, and copy the context then, so one replica's clock is off and the other's not
_skew: ContextVar[timedelta] = ContextVar("clock_skew", default=timedelta(0))
HOUR = timedelta(hours=1)


@pytest.fixture
def skewable(monkeypatch: pytest.MonkeyPatch) -> None:
    """The orchestrator's modules read a clock that is off by ``_skew`` (per replica)."""
    true = events.utcnow

    def skewed() -> datetime:
        return true() + _skew.get()

    for module in (scheduler_module, leases, repository):
        monkeypatch.setattr(module, "utcnow", skewed)


async def _start_skewed(cluster: Cluster, name: str, skew: timedelta, **settings: Any) -> Replica:
    token = _skew.set(skew)
    try:
        return await cluster.start(name, **settings)
    finally:
        _skew.reset(token)


@pytest.mark.usefixtures("skewable")
@pytest.mark.parametrize(
    ("holder_skew", "other_skew"),
    [(timedelta(0), HOUR), (-HOUR, timedelta(0))],
    ids=["other-ahead", "holder-behind"],
)
@pytest.mark.parametrize("resumes", [False, True], ids=["local", "pods"])
async def test_a_replica_whose_clock_is_off_by_an_hour_takes_no_live_run_over(
    cluster: Cluster, holder_skew: timedelta, other_skew: timedelta, resumes: bool
) -> None:
    """Its own clock would call the live lease an hour old (the other replica's clock
    ahead, or the holder's lease written an hour early by a clock behind)."""
    a = await _start_skewed(cluster, "a", holder_skew, resumes=resumes)
    sid = await a.queue()
    await eventually(lambda: sid in a.executor.started, WAIT_S)
    b = await _start_skewed(cluster, "b", other_skew, resumes=resumes)
    await asyncio.sleep(LEASE_S * 1.5)  # time is the point: b reconciles every 0.2 s meanwhile
    assert b.executor.started == {} and a.executor.cancelled == {}
    row = (await rows(a))[sid]
    assert (row.status, row.owner, row.attempt) == ("running", "a", 1)
    lease_left = (as_aware(row.lease_expires_at) - datetime.now(UTC)).total_seconds()
    assert 0 < lease_left <= LEASE_S + 1, f"the lease ends in {lease_left:.0f} s by the database's clock"
    a.executor.end(sid)
    [row] = await eventually(lambda: _all_status(a, [sid], "finished"), WAIT_S)
    assert (row.owner, row.attempt, row.failure_reason) == ("a", 1, None)


@pytest.mark.usefixtures("skewable")
@pytest.mark.parametrize(
    ("dead_skew", "other_skew"),
    [(HOUR, timedelta(0)), (timedelta(0), -HOUR)],
    ids=["dead-ahead", "other-behind"],
)
async def test_a_dead_replicas_run_is_taken_over_after_its_lease_whatever_the_clocks(
    cluster: Cluster, dead_skew: timedelta, other_skew: timedelta
) -> None:
    """Its own clock would keep the dead replica's lease for an hour (the dead replica's
    clock ahead wrote it an hour late, or the other's clock behind reads it so)."""
    a = await _start_skewed(cluster, "a", dead_skew, resumes=True)
    sid = await a.queue()
    await eventually(lambda: sid in a.executor.started, WAIT_S)
    b = await _start_skewed(cluster, "b", other_skew, resumes=True)
    await a.crash()
    expiry = as_aware((await rows(a))[sid].lease_expires_at)
    assert expiry <= datetime.now(UTC) + timedelta(seconds=LEASE_S + 1), "a lease of the database's clock"
    await eventually(lambda: sid in b.executor.started, WAIT_S)  # WAIT_S: well within the hour
    attempt, at = b.executor.started[sid]
    assert attempt == 1 and at >= expiry, "the same attempt, adopted once the lease ran out"
    b.executor.end(sid)
    [row] = await eventually(lambda: _all_status(b, [sid], "finished"), WAIT_S)
    assert (row.owner, row.attempt, row.failure_reason) == ("b", 1, None)
