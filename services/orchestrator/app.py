"""The orchestrator's ASGI app: lifespan wiring (database, bus, storage, executor,
scheduler, scoring runs, consumer, relay)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from services.orchestrator.api import router
from services.orchestrator.config import OrchestratorSettings
from services.orchestrator.consumers import SubmissionConsumer
from services.orchestrator.executors.base import Executor
from services.orchestrator.executors.local.executor import LocalSandboxExecutor
from services.orchestrator.executors.local.runner import LocalRunner
from services.orchestrator.executors.local.spec import MIB
from services.orchestrator.models import outbox
from services.orchestrator.queue import Snapshots
from services.orchestrator.scheduler import Scheduler
from services.orchestrator.scoring_runs import ScoringRuns
from shared.bus.base import Bus
from shared.runtime import ServiceRuntime, install_service_plumbing
from shared.storage import Storage

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


async def build_executor(settings: OrchestratorSettings, storage: Storage) -> Executor:
    """The executor ``HOLDOUT_EXECUTOR`` names: the one place the choice is made."""
    if settings.executor == "kubernetes":
        # imported here: the embedded default never loads the Kubernetes client
        from services.orchestrator.executors.kubernetes.config import KubernetesSettings
        from services.orchestrator.executors.kubernetes.executor import KubernetesExecutor, make_api_client
        from services.orchestrator.executors.kubernetes.urls import AzureSasUrls

        assert settings.azure_storage_connection_string is not None  # the settings validate it
        kube = KubernetesSettings()
        urls = AzureSasUrls(
            settings.azure_storage_connection_string.get_secret_value(),
            container_prefix=settings.azure_container_prefix,
        )
        return KubernetesExecutor(
            storage, urls, kube, await make_api_client(kube), machine=settings.machine_kind
        )
    runner = LocalRunner(
        storage,
        runs_dir=settings.runs_path,
        cache_dir=settings.cache_path,
        runtimes_dir=settings.runtimes_path,
        requirements_dir=settings.runtimes_requirements_dir,
        build_missing_runtimes=settings.build_missing_runtimes,
        sandbox_uid=settings.sandbox_uid,
        sandbox_gid=settings.sandbox_gid,
        tmp_bytes=settings.sandbox_tmp_mb * MIB,
    )
    return LocalSandboxExecutor(runner, machine=settings.machine_kind)


# the one replica of an orchestrator on SQLite (the embedded ``holdout up``): a stable
# name, so a restart after a crash takes its runs over at once, not after their leases
EMBEDDED_REPLICA = "embedded"


def replica_id(settings: OrchestratorSettings) -> str | None:
    """This replica's name on the runs it holds (None: a new one for this process)."""
    if settings.replica_id is None and settings.database_url.startswith("sqlite"):
        return EMBEDDED_REPLICA
    return settings.replica_id


def create_app(
    settings: OrchestratorSettings | None = None,
    *,
    bus: Bus | None = None,
    storage: Storage | None = None,
    executor: Executor | None = None,
) -> FastAPI:
    settings = settings or OrchestratorSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # SQLite (``holdout up``): commits survive a crash of the process, not a power
        # loss (``make_engine``), which saves an fsync on each of the 5 commits a run
        # makes. What a power loss can roll back here is re-derived from what the gateway
        # holds durably: a queued row lost is queued again by the gateway's reconciler
        # (it republishes ``submission.queued`` past the queued deadline); a start lost
        # leaves the row queued, to start again; an end lost leaves it running under a
        # lease that has run out, which the reconcile takes over as an interrupted attempt
        # (the run is done again: the machine went down under it); consumers downstream
        # are idempotent on the state machine. The gateway, the
        # scorer and the leaderboard keep FULL: their rows are records nobody re-derives
        # (an accepted upload, a score, a board entry).
        rt = ServiceRuntime.create(
            "orchestrator",
            settings,
            settings.database_url,
            MIGRATIONS_DIR,
            outbox,
            bus=bus,
            storage=storage,
            sqlite_synchronous="NORMAL",
        )
        await rt.start()
        app.state.runtime = rt
        run_executor = executor or await build_executor(settings, rt.storage)
        scheduler = Scheduler(
            rt,
            run_executor,
            max_concurrent=settings.max_concurrent_runs,
            capacity=settings.replica_max_runs,
            replica_id=replica_id(settings),
            lease_seconds=settings.lease_seconds,
            poll_seconds=settings.scheduler_poll_seconds,
            max_attempts=settings.max_attempts,
            grace_seconds=settings.run_grace_seconds,
            reconcile_seconds=settings.reconcile_seconds,
            wait_retry_seconds=settings.wait_retry_seconds,
            wait_retry_max_seconds=settings.wait_retry_max_seconds,
            wait_retries=settings.wait_retries,
        )
        app.state.scheduler = scheduler
        app.state.queue = Snapshots(
            rt.sessionmaker,
            slots=settings.queue_slots or settings.max_concurrent_runs,
            ttl_s=settings.queue_snapshot_seconds,
        )
        # scoring programs share the local sandbox's runner (folders, runtimes, cgroups);
        # a Kubernetes orchestrator has none and answers 503 (``api.py``)
        scoring_runs: ScoringRuns | None = None
        if isinstance(run_executor, LocalSandboxExecutor):
            scoring_runs = ScoringRuns(run_executor.runner, concurrency=settings.scoring_run_concurrency)
            await scoring_runs.remove_stale()
        app.state.scoring_runs = scoring_runs
        try:
            await rt.bus.subscribe(SubmissionConsumer(rt, scheduler).subscription())
            await rt.start_relay()
            await scheduler.start()
            yield
        finally:
            # runs outside this process (pods) keep going; the next start resumes them
            run_executor.detach()
            await scheduler.stop()
            await run_executor.close()
            await rt.stop()

    app = FastAPI(title="Holdout orchestrator", version="1", lifespan=lifespan)
    app.state.settings = settings
    install_service_plumbing(app, "orchestrator", internal_token=settings.internal_token)
    app.include_router(router)
    return app
