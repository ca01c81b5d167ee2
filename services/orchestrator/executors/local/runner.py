"""One sandboxed run on this machine, whatever it is for: its folder, its code from
storage unpacked, its inputs staged, the sandbox, its log back to storage.

Both uses of the local sandbox go through ``LocalRunner.run``: a submission's run
(``executor.LocalSandboxExecutor``) and a host's scoring program (``scoring_runs``).
Each says what to unpack and how to fill ``data/`` (a ``Job``) and reads the outcome in
its own words; the isolation and the host-side file rules live here and in the
sandbox modules (``sandbox.py`` and what it puts together), once.

Run folder (the caller names it)::

    archive.zip    downloaded, deleted once unpacked
    src/           unpacked code, owned by root, mounted read-only
    data/          the inputs (``Job.stage_inputs``), mounted read-only
    model/         a platform-trained model (``Job.model_key``), mounted read-only
    submission/    owned by the sandbox user, the only writable mount (a training
                   run's ``/code_execution/model``)
    log.txt, output.copy   host-side copies (log, output file), read or uploaded by the caller
"""

from __future__ import annotations

import asyncio
import errno
import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import structlog

from services.orchestrator.executors import failures
from services.orchestrator.executors.local import cgroups, gpu, runtimes, scratch
from services.orchestrator.executors.local.sandbox import run_sandbox
from services.orchestrator.executors.local.spec import (
    MIB,
    OutputFile,
    SandboxLimits,
    SandboxResult,
    SandboxSpec,
)
from shared.archive import ArchiveError, safe_extract
from shared.retry import retrying
from shared.storage import Storage
from shared.storage.base import BlobNotFound, ContentMismatch, StorageError

log = structlog.get_logger(__name__)

T = TypeVar("T")

# the host's copy of the output file: a fixed name, whatever the run's file is called
OUTPUT_COPY = "output.copy"


class Refused(Exception):
    """The platform could not run the job (``what``, in a participant-safe phrase);
    ``retryable``: another attempt (on this or another machine) may not hit it."""

    def __init__(self, what: str, *, retryable: bool = True) -> None:
        super().__init__(what)
        self.what = what
        self.retryable = retryable


class StorageFailed(Refused):
    """A storage operation kept failing after its retries."""


@dataclass(frozen=True)
class Job:
    """What one sandboxed run needs; ``name`` also names its control groups."""

    name: str
    archive_container: str
    archive_key: str
    # the archive in failure details: "the submission archive", "the scoring program"
    archive_what: str
    # the names one of which must be at the archive's root (``shared.archive``)
    entrypoints: Sequence[str]
    runtime: str
    limits: SandboxLimits
    output: OutputFile
    # where the log goes in the ``outputs`` container
    log_key: str
    # fills the (empty) data folder; raises ``Refused`` for inputs it cannot fetch
    stage_inputs: Callable[[Path], Awaitable[None]]
    is_smoke: bool = False
    gpu: bool = False
    # a training run: its writable folder is ``/code_execution/model`` and its output that
    # folder, zipped (``limits.output_limit_bytes`` is then the model size limit)
    trains: bool = False
    # an inference run given a platform-trained model: its zip in the ``outputs`` container,
    # unpacked read-only at ``/code_execution/model``
    model_key: str | None = None


class LocalRunner:
    def __init__(
        self,
        storage: Storage,
        *,
        runs_dir: Path,
        cache_dir: Path,
        runtimes_dir: Path,
        requirements_dir: Path = runtimes.REPO_RUNTIMES_DIR,
        build_missing_runtimes: bool = True,
        sandbox_uid: int = 64000,
        sandbox_gid: int = 64000,
        tmp_bytes: int = 256 * MIB,
        storage_attempts: int = 3,
        storage_retry_seconds: float = 0.5,
    ) -> None:
        self.storage = storage
        self.runs_dir = Path(runs_dir)
        self.cache_dir = Path(cache_dir)
        self.runtimes_dir = Path(runtimes_dir)
        self.requirements_dir = Path(requirements_dir)
        self.build_missing_runtimes = build_missing_runtimes
        self.uid = sandbox_uid
        self.gid = sandbox_gid
        self.tmp_bytes = tmp_bytes
        self.storage_attempts = storage_attempts
        self.storage_retry_seconds = storage_retry_seconds
        for path in (self.runs_dir, self.cache_dir):
            path.mkdir(parents=True, exist_ok=True)
            path.chmod(0o755)  # bwrap opens mount sources as the sandbox user
        # the deployment's name for its runs' control groups (one runs folder, one deployment)
        self.cgroup_scope = cgroups.scope_for(self.runs_dir)

    @asynccontextmanager
    async def run(self, job: Job, run_dir: Path) -> AsyncIterator[SandboxResult]:
        """Run ``job`` in ``run_dir`` (created, and removed on exit with all it holds).

        Yields the sandbox's result once the log is in storage; the output file's copy
        (``result.output_path``) lives until the block ends. Raises
        ``shared.archive.ArchiveError`` when the archive breaks the rules (the code's
        fault) and ``Refused`` when the platform cannot run it.
        """
        try:
            if run_dir.exists():  # left behind by a crashed process
                await asyncio.to_thread(remove_run_dir, run_dir)
            yield await self._run(job, run_dir)
        finally:
            await asyncio.to_thread(remove_run_dir, run_dir)

    async def _run(self, job: Job, run_dir: Path) -> SandboxResult:
        src, data, submission = run_dir / "src", run_dir / "data", run_dir / "submission"
        for path in (run_dir.parent, run_dir, src, data, submission):
            path.mkdir(mode=0o755, parents=True, exist_ok=True)
            path.chmod(0o755)  # bwrap opens mount sources as the sandbox user
        if os.geteuid() == 0:
            os.chown(submission, self.uid, self.gid)

        passthrough: gpu.GpuPassthrough | None = None
        if job.gpu:
            try:
                passthrough = gpu.discover()
            except gpu.NoGpu as exc:
                # never run a GPU job on the CPU; another machine may have one
                log.error("executor.no_gpu", run=job.name)
                raise Refused(exc.detail, retryable=False) from None
        runtime_dir = await self.runtime(job.runtime)
        if runtime_dir is None:
            raise Refused(f"the runtime {job.runtime!r} is not installed", retryable=False)
        for path in (run_dir, runtime_dir, self.cache_dir):
            if (blocked := unreachable_parent(path)) is not None:
                log.error("executor.mount_source_unreachable", path=str(path), blocked_by=str(blocked))
                raise Refused("the sandbox user cannot reach its directories", retryable=False)

        archive = run_dir / "archive.zip"
        try:
            await self.storage_call(
                f"download {job.archive_what}",
                self.storage.download_to,
                job.archive_container,
                job.archive_key,
                archive,
            )
        except BlobNotFound:
            raise Refused(failures.missing_from_storage(job.archive_what), retryable=False) from None
        try:
            summary = await asyncio.to_thread(safe_extract, archive, src, entrypoints=job.entrypoints)
        finally:
            archive.unlink(missing_ok=True)

        await job.stage_inputs(data)
        model = await self._stage_model(job.model_key, run_dir) if job.model_key else None

        result = await run_sandbox(
            SandboxSpec(
                runtime_dir=runtime_dir,
                src_dir=src,
                data_dir=data,
                submission_dir=submission,
                entrypoint=summary.entrypoint,
                is_smoke=job.is_smoke,
                uid=self.uid,
                gid=self.gid,
                gpu=passthrough,
                trains=job.trains,
                model_dir=model,
            ),
            job.limits,
            log_path=run_dir / "log.txt",
            output=job.output,
            output_copy=run_dir / OUTPUT_COPY,
            run_name=job.name,
            cgroup_scope=self.cgroup_scope,
        )
        await self.storage_call(
            "upload the log", self.storage.put_file, "outputs", job.log_key, result.log_path
        )
        return result

    async def _stage_model(self, key: str, run_dir: Path) -> Path:
        """Unpack the trained model ``key`` (``outputs`` container) into ``run_dir/model``."""
        archive, model = run_dir / "model.zip", run_dir / "model"
        model.mkdir(mode=0o755)
        try:
            await self.storage_call(
                "download the trained model", self.storage.download_to, "outputs", key, archive
            )
        except BlobNotFound:
            raise Refused(failures.missing_from_storage("the trained model"), retryable=False) from None
        try:
            # the platform zipped it from a capped folder: still, the same unpacking rules
            await asyncio.to_thread(safe_extract, archive, model, entrypoints=())
        except ArchiveError as exc:
            raise Refused(f"the trained model could not be unpacked ({exc})", retryable=False) from None
        finally:
            archive.unlink(missing_ok=True)
        return model

    async def runtime(self, name: str) -> Path | None:
        """The runtime's folder, built first if it is missing and that is allowed."""
        try:
            path = runtimes.runtime_path(name, self.runtimes_dir)
        except ValueError:
            return None
        if runtimes.is_built(name, self.runtimes_dir, self.requirements_dir):
            return path
        if path.is_dir() and (path / runtimes.STAMP).exists():
            # built from other requirements (an older checkout): still a working runtime
            return path
        if not self.build_missing_runtimes:
            return None
        if not runtimes.declared_file(name, self.requirements_dir).is_file():
            return None
        try:
            return await asyncio.to_thread(
                runtimes.build_runtime,
                name,
                self.runtimes_dir,
                self.requirements_dir,
                check_uid=self.uid,
                check_gid=self.gid,
            )
        except runtimes.RuntimeBuildError as exc:
            log.error("executor.runtime_build_failed", runtime=name, error=str(exc))
            return None

    async def storage_call(self, what: str, op: Callable[..., Awaitable[T]], *args: object) -> T:
        """Call a storage operation, retrying transient failures with the one retry policy
        (``shared.retry``; the first pause is ``storage_retry_seconds``); BlobNotFound and a
        full disk are final; ``StorageFailed`` once the attempts are spent."""
        try:
            async for attempt in retrying(
                _StorageHiccup,
                attempts=self.storage_attempts,
                timeout_s=None,
                wait_initial_s=self.storage_retry_seconds,
            ):
                with attempt:
                    try:
                        return await op(*args)
                    except (BlobNotFound, ContentMismatch):
                        raise  # the same answer would come again
                    except (StorageError, OSError) as exc:
                        if is_out_of_space(exc):
                            raise  # trying again at once would fail the same way
                        if attempt.num < self.storage_attempts:
                            log.warning(
                                "executor.storage_retry", what=what, attempt=attempt.num, error=repr(exc)
                            )
                        raise _StorageHiccup(what) from exc
        except _StorageHiccup as spent:
            raise StorageFailed(f"could not {what}") from spent.__cause__
        raise AssertionError("retrying() re-raises its last error")  # pragma: no cover


class _StorageHiccup(Exception):
    """A storage failure another attempt may not hit (its ``__cause__`` is the storage's
    error); only ``storage_call`` retries on it, so nothing else is retried by accident."""


def is_out_of_space(exc: BaseException) -> bool:
    """True if ``exc`` (or what caused it) is a full disk or quota (``ENOSPC``, ``EDQUOT``)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        current = current.__cause__ or current.__context__
    return False


def remove_run_dir(path: Path) -> None:
    # a process killed mid-run leaves its capped tmpfs mounts behind
    if os.geteuid() == 0 and path.exists():
        scratch.unmount_under(path)
    shutil.rmtree(path, ignore_errors=True)


def unreachable_parent(path: Path) -> Path | None:
    """The first directory on the way to ``path`` that other users cannot traverse.

    bwrap opens its mount sources as the sandbox user, so a 0700 parent (a home
    directory, pytest's tmp_path) would fail every run with a confusing bwrap error.
    """
    if os.geteuid() != 0:
        return None  # the sandbox runs as the current user, who can reach them
    for directory in [*reversed(path.resolve().parents), path.resolve()]:
        try:
            if not directory.stat().st_mode & 0o001:
                return directory
        except OSError:
            return directory
    return None
