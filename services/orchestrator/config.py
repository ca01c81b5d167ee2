"""Orchestrator settings (``HOLDOUT_*`` environment variables)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import model_validator

from services.orchestrator.runtimes import REPO_RUNTIMES_DIR
from shared.settings import CommonSettings


class OrchestratorSettings(CommonSettings):
    orchestrator_database_url: str | None = None
    # "local": bubblewrap sandboxes on this machine; "kubernetes": a pod per run
    # (HOLDOUT_KUBERNETES_* settings, services/orchestrator/kubernetes/config.py)
    executor: Literal["local", "kubernetes"] = "local"
    max_concurrent_runs: int = max(1, os.cpu_count() or 1)
    # the unprivileged user the sandbox runs as (shared by every run; cgroups keep runs apart)
    sandbox_uid: int = 64000
    sandbox_gid: int = 64000
    sandbox_tmp_mb: int = 256
    # None: under data_dir ("runtimes", "runs", "cache")
    runtimes_dir: Path | None = None
    runs_dir: Path | None = None
    cache_dir: Path | None = None
    runtimes_requirements_dir: Path = REPO_RUNTIMES_DIR
    # build a missing runtime on first use (about half a minute) instead of failing the run
    build_missing_runtimes: bool = True
    scheduler_poll_seconds: float = 2.0
    # how often a run interrupted by a platform fault is started again before it fails
    max_attempts: int = 2
    # a run still going this long after its time limit (setup, upload, a stuck executor)
    # is stopped and ends as a retryable platform fault
    run_grace_seconds: float = 300.0
    # how often rows left running without a run in this process are looked for
    reconcile_seconds: float = 30.0
    # a run stopped by a full disk waits, then tries again: the first wait, doubling up
    # to the longest, at most this many times (about 3 hours in all by default)
    wait_retry_seconds: float = 30.0
    wait_retry_max_seconds: float = 600.0
    wait_retries: int = 20

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
