"""The local executor (``Executor`` of ``executors/base.py``): one run in the bubblewrap
sandbox of this machine, its test data (a training run's: its training data) linked from
this machine's cache; a training run's model goes to ``outputs`` as a zip, and an
inference run given one reads it unpacked at ``/code_execution/model``.

Its run folder is ``<runs_dir>/<submission_id>/<attempt>/`` (its layout: ``runner``);
``data/`` holds hard links to the cached test features.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import socket
import uuid
from collections.abc import Collection
from functools import partial
from pathlib import Path, PurePosixPath

import structlog
from prometheus_client import Counter

from services.orchestrator.executors.base import Executor, RunOutcome, RunRequest, output_keys
from services.orchestrator.executors.local import cgroups, runtimes
from services.orchestrator.executors.local.runner import (
    Job,
    LocalRunner,
    Refused,
    StorageFailed,
    is_out_of_space,
    remove_run_dir,
)
from services.orchestrator.executors.local.spec import MIB, OutputFile, SandboxLimits
from shared.archive import ENTRYPOINTS, ArchiveError
from shared.events import ExecutionSpec, FailureReason
from shared.storage.base import BlobNotFound, ContentMismatch, StoredObject

log = structlog.get_logger(__name__)

_SHA256 = re.compile(r"[0-9a-f]{64}")
DATA_CACHE = Counter(
    "holdout_executor_data_cache_total",
    "Test data files a run needed, by whether this machine's cache had them (miss: downloaded)",
    ["result"],
)


class LocalSandboxExecutor(Executor):
    """Runs each submission in the local sandbox through ``runner`` (a ``LocalRunner``),
    its test data linked from this machine's cache."""

    def __init__(self, runner: LocalRunner, *, machine: str = "") -> None:
        # ``runner`` is shared with the scoring runs of this process (``scoring_runs``):
        # its folders, runtimes, sandbox user and storage are the executor's too
        self.runner = runner
        self.storage = runner.storage
        self.cache_dir = runner.cache_dir
        # the execution record's machine (HOLDOUT_MACHINE_KIND, else the host name)
        self.machine = machine or socket.gethostname()

    async def resume(self, runs: Collection[tuple[str, int]]) -> bool:
        """The runs died with the previous process; remove the control groups it left."""
        removed = await asyncio.to_thread(cgroups.remove_stale, self.runner.cgroup_scope)
        if removed:
            log.warning("executor.stale_cgroups_removed", groups=len(removed))
        return False

    async def run(self, request: RunRequest) -> RunOutcome:
        run_dir = self.runner.runs_dir / str(request.submission_id) / str(request.attempt)
        try:
            return await self._run(request, run_dir)
        except Exception as exc:
            if is_out_of_space(exc):
                log.error("executor.out_of_space", submission_id=str(request.submission_id), error=repr(exc))
                return RunOutcome.out_of_space()
            if isinstance(exc, Refused):
                log.error("executor.refused", submission_id=str(request.submission_id), what=exc.what)
                return RunOutcome.internal(exc.what, retryable=exc.retryable)
            log.exception("executor.failed", submission_id=str(request.submission_id), error=repr(exc))
            return RunOutcome.internal("the executor failed")
        finally:
            # this attempt's folder only: another attempt of the submission (on another
            # replica, after a takeover) may be running in its own next to it
            await asyncio.to_thread(remove_attempt_dir, run_dir)

    async def _run(self, request: RunRequest, run_dir: Path) -> RunOutcome:
        spec = request.execution
        predictions_key, log_key, model_key = output_keys(request.submission_id, request.attempt)
        trains = spec.kind == "training"
        # a training run's writable folder is its model folder, capped at the model limit
        output_limit_mb = spec.model_limit_mb if trains else spec.output_limit_mb
        output_key = model_key if trains else predictions_key
        job = Job(
            name=f"{request.submission_id}-{request.attempt}",
            archive_container="submissions",
            archive_key=request.archive_key,
            archive_what="the submission archive",
            entrypoints=ENTRYPOINTS,
            runtime=spec.runtime,
            limits=SandboxLimits(
                time_limit_s=spec.time_limit_s,
                memory_bytes=spec.memory_mb * MIB,
                cpus=spec.cpus,
                max_processes=spec.max_processes,
                output_limit_bytes=output_limit_mb * MIB,
                log_limit_bytes=spec.log_limit_kb * 1024,
                tmp_bytes=self.runner.tmp_bytes,
            ),
            output=OutputFile(name=spec.predictions_filename),
            log_key=log_key,
            stage_inputs=partial(self._stage_data, spec),
            is_smoke=request.is_smoke,
            gpu=spec.gpu,
            trains=trains,
            model_key=None if trains else spec.model_key,
        )
        stored: StoredObject | None = None
        try:
            async with self.runner.run(job, run_dir) as result:
                if result.output_path is not None:
                    stored = await self.runner.storage_call(
                        "upload the model" if trains else "upload the predictions",
                        self.storage.put_file,
                        "outputs",
                        output_key,
                        result.output_path,
                    )
        except ArchiveError as exc:
            # the runtime it was to run in is part of the record even when the zip never ran
            return RunOutcome(
                FailureReason.INVALID_SUBMISSION,
                "; ".join(exc.problems),
                runtime=spec.runtime,
                runtime_digest=await self._runtime_digest(spec.runtime),
                machine=self.machine,
            )
        return RunOutcome(
            failure_reason=result.failure_reason,
            detail=result.detail,
            exit_code=result.exit_code,
            resources=result.resources,
            predictions_key=predictions_key if result.output_path is not None and not trains else None,
            model_key=model_key if result.output_path is not None and trains else None,
            model_sha256=stored.sha256 if stored is not None and trains else "",
            model_size_bytes=stored.size if stored is not None and trains else None,
            log_key=log_key,
            runtime=spec.runtime,
            runtime_digest=await self._runtime_digest(spec.runtime),
            machine=self.machine,
            # a GPU run never falls back to the CPU (the runner refuses it instead)
            gpu_used=spec.gpu,
        )

    async def _runtime_digest(self, name: str) -> str:
        path = runtimes.runtime_path(name, self.runner.runtimes_dir)
        try:
            return await asyncio.to_thread(runtimes.runtime_digest, path)
        except (runtimes.RuntimeBuildError, OSError) as exc:  # it ran, so this is the record's fault
            log.warning("executor.runtime_digest_unknown", runtime=name, error=repr(exc))
            return ""

    async def _stage_data(self, spec: ExecutionSpec, dest: Path) -> None:
        """Link the run's data files from this machine's cache, fetching each once.

        Cached by content (the sha256 the gateway recorded at upload) when it is known, so
        a new data version or another competition with the same bytes costs no download;
        by data version and name otherwise. The files are mounted read-only.
        """
        prefix = _safe_relative(spec.data_prefix.rstrip("/"), "data prefix")
        for filename in spec.data_files:
            rel = _safe_relative(filename, "data file")
            digest = spec.data_sha256.get(filename)
            if digest is not None and not _SHA256.fullmatch(digest):
                raise ValueError(f"invalid sha256 {digest!r} for data file {filename!r}")
            if digest is not None:
                cached = self.cache_dir / "sha256" / digest[:2] / digest
            else:
                cached = self.cache_dir / "data" / prefix / rel
            if cached.is_file():
                DATA_CACHE.labels(result="hit").inc()
            else:
                key = f"{prefix.as_posix()}/{rel.as_posix()}"
                try:
                    await self._fetch_data(spec.data_container, key, cached, digest)
                except BlobNotFound as exc:
                    raise Refused(f"the test data file {exc.key!r} is missing", retryable=False) from None
                DATA_CACHE.labels(result="miss").inc()
            target = dest / rel
            target.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
            try:
                os.link(cached, target)
            except OSError:  # another file system: copy instead
                await asyncio.to_thread(shutil.copyfile, cached, target)
                target.chmod(0o644)

    async def _fetch_data(self, container: str, key: str, cached: Path, digest: str | None) -> None:
        partials = self.cache_dir / ".partial"
        partials.mkdir(parents=True, exist_ok=True)
        tmp = partials / uuid.uuid4().hex
        try:
            try:
                # hashed on the way (never cache bytes under a hash they do not have)
                download = partial(self.storage.download_to, sha256=digest)
                await self.runner.storage_call("download the test data", download, container, key, tmp)
            except ContentMismatch:
                raise StorageFailed(
                    f"the test data file {key!r} does not match its recorded sha256"
                ) from None
            tmp.chmod(0o644)
            for parent in reversed(cached.relative_to(self.cache_dir).parents):
                (self.cache_dir / parent).mkdir(mode=0o755, exist_ok=True)
            os.replace(tmp, cached)
            log.info("executor.data_cached", key=key, sha256=digest)
        finally:
            tmp.unlink(missing_ok=True)


def remove_attempt_dir(run_dir: Path) -> None:
    """Remove one attempt's folder, then the submission's folder if no other attempt has one."""
    remove_run_dir(run_dir)
    with contextlib.suppress(OSError):  # not empty: another attempt is live
        run_dir.parent.rmdir()


def _safe_relative(value: str, what: str) -> Path:
    pure = PurePosixPath(value)
    if not value or pure.is_absolute() or any(p in ("..", ".", "") for p in value.split("/")):
        raise ValueError(f"invalid {what} {value!r}")
    return Path(*pure.parts)
