"""Orchestrator settings (``HOLDOUT_*`` environment variables)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from services.orchestrator.executors.local.runtimes import REPO_RUNTIMES_DIR
from shared.runs import RUN_ATTEMPTS
from shared.settings import CommonSettings


class OrchestratorSettings(CommonSettings):
    orchestrator_database_url: str | None = None
    """The orchestrator's PostgreSQL URL (unset: SQLite `<data_dir>/orchestrator.db`)."""
    executor: Literal["local", "kubernetes"] = "local"
    """`local` (bubblewrap sandboxes on this machine) or `kubernetes` (a pod per run; see the
    `HOLDOUT_KUBERNETES_*` settings)."""
    max_concurrent_runs: int = max(1, os.cpu_count() or 1)
    """Runs executed at once by all orchestrator replicas together (the global limit; each replica also
    runs at most `HOLDOUT_REPLICA_MAX_RUNS`)."""
    replica_max_runs: int | None = Field(default=None, ge=1)
    """Runs executed at once by one orchestrator replica (unset: `HOLDOUT_MAX_CONCURRENT_RUNS`); for local
    sandboxes on several machines, what one machine can take."""
    replica_id: str | None = Field(default=None, min_length=1, max_length=64)
    """This replica's name on the runs it holds (unset: a new random one per process; on SQLite, whose one
    process is the only replica, `embedded`). Every replica needs its own; a stable one (a StatefulSet
    pod's name) lets a restarted replica take its own runs over at once instead of after their leases run
    out."""
    lease_seconds: float = Field(default=15.0, gt=0)
    """How long a replica's hold on a run lasts unless renewed (every third of it), in seconds: a replica
    that dies leaves its runs to the others this long; one that cannot renew stops its runs after 80% of
    it."""
    queue_slots: int | None = Field(default=None, ge=1)
    """Runs executed at once, for queue positions' start estimates (unset: `HOLDOUT_MAX_CONCURRENT_RUNS`)."""
    queue_snapshot_seconds: float = Field(default=1.0, ge=0)
    """How long a computed queue (positions and start estimates) is served before it is computed again, in
    seconds."""
    scoring_run_concurrency: int = Field(default=2, ge=1)
    """Scoring programs (`POST /internal/v1/scoring-runs`) run at once by one orchestrator process, apart
    from (and on top of) `HOLDOUT_MAX_CONCURRENT_RUNS`; more requests wait for a free one. Needs
    `HOLDOUT_EXECUTOR=local`."""
    sandbox_uid: int = 64000
    """The unprivileged uid the sandbox runs as (shared by every run; cgroups keep runs apart)."""
    sandbox_gid: int = 64000
    """The gid the sandbox runs as."""
    sandbox_tmp_mb: int = 256
    """Size of each run's private `/tmp`, in MiB."""
    runtimes_dir: Path | None = None
    """Where local runtimes (Python environments) are built (unset: `<data_dir>/runtimes`)."""
    runs_dir: Path | None = None
    """Where each run's working folders live while it runs (unset: `<data_dir>/runs`)."""
    cache_dir: Path | None = None
    """Where unpacked test data is cached between runs (unset: `<data_dir>/cache`)."""
    runtimes_requirements_dir: Path = REPO_RUNTIMES_DIR
    """The folder of runtime folders (`NAME/requirements.in`, its `requirements.lock` and README)."""
    build_missing_runtimes: bool = True
    """Build a missing runtime on first use (about half a minute) instead of failing the run."""
    machine_kind: str = ""
    """The machine every execution record names (e.g. `Standard_NC4as_T4_v3`, `gpu-a100`; unset: the
    host name of the orchestrator running the local sandbox, or the Kubernetes node a pod ran on)."""
    scheduler_poll_seconds: float = 2.0
    """How often the scheduler looks for queued runs, in seconds."""
    max_attempts: int = RUN_ATTEMPTS
    """How often a run interrupted by a platform fault is started before it fails."""
    run_grace_seconds: float = 300.0
    """How long past its time limit a run may go (setup, upload, a stuck executor) before it is stopped as
    a retryable platform fault, in seconds."""
    reconcile_seconds: float = 5.0
    """How often running rows that no live replica holds (their replica died and the lease ran out, or
    their end could not be written) are looked for and taken over, in seconds."""
    # a run stopped by a full disk waits, then tries again: the first wait, doubling up
    # to the longest, at most this many times (about 3 hours in all by default)
    wait_retry_seconds: float = 30.0
    """First wait before a run stopped by a full disk tries again, in seconds (it doubles each time)."""
    wait_retry_max_seconds: float = 600.0
    """Longest wait between tries of a run stopped by a full disk, in seconds."""
    wait_retries: int = 20
    """How many times a run stopped by a full disk tries again before it fails."""

    @model_validator(mode="after")
    def _kubernetes_needs_azure(self) -> OrchestratorSettings:
        if self.executor == "kubernetes" and self.storage_backend != "azure":
            raise ValueError(
                "HOLDOUT_EXECUTOR=kubernetes needs HOLDOUT_STORAGE_BACKEND=azure: run pods fetch "
                "the submission and upload the predictions with SAS URLs of the storage account"
            )
        return self

    @property
    def database_url(self) -> str:
        return self.orchestrator_database_url or self.sqlite_url("orchestrator")

    @property
    def runtimes_path(self) -> Path:
        return self.runtimes_dir or self.data_dir / "runtimes"

    @property
    def runs_path(self) -> Path:
        return self.runs_dir or self.data_dir / "runs"

    @property
    def cache_path(self) -> Path:
        return self.cache_dir or self.data_dir / "cache"
