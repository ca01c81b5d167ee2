"""Executors: how one run of a submission happens, from the archive in storage to the
predictions and log back in storage.

The scheduler (``scheduler.py``) only knows the ``Executor`` interface; the local
bubblewrap sandbox is ``LocalSandboxExecutor``, a Kubernetes executor plugs in at the
same seam. ``run`` always returns a ``RunOutcome`` (platform faults included, as
``internal_error``); cancelling the calling task stops the run and cleans up.

Run directory (``<runs_dir>/<submission_id>/<attempt>/``)::

    archive.zip    downloaded, deleted once unpacked
    src/           unpacked code, owned by root, mounted read-only
    data/          hard links to the cached test features, mounted read-only
    submission/    owned by the sandbox user, the only writable mount
    log.txt, predictions.csv   host-side copies, uploaded then deleted
"""

from __future__ import annotations

import abc
import asyncio
import errno
import hashlib
import os
import re
import shutil
import uuid
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TypeVar

import structlog
from prometheus_client import Counter

from services.orchestrator import cgroups, gpu, runtimes, scratch
from services.orchestrator.sandbox import MIB, SandboxLimits, SandboxSpec, run_sandbox
from shared.archive import ArchiveError, safe_extract
from shared.events import ExecutionSpec, FailureReason, Resources
from shared.storage import Storage
from shared.storage.base import BlobNotFound, StorageError

log = structlog.get_logger(__name__)

T = TypeVar("T")

_SHA256 = re.compile(r"[0-9a-f]{64}")
DATA_CACHE = Counter(
    "holdout_executor_data_cache_total",
    "Test data files a run needed, by whether this machine's cache had them (miss: downloaded)",
    ["result"],
)

PLATFORM_FAULT = (
    "Holdout could not run the submission because of a platform fault ({what}); "
    "it does not count against your quota"
)


@dataclass(frozen=True)
class RunRequest:
    submission_id: uuid.UUID
    competition_id: uuid.UUID
    attempt: int
    archive_key: str
    execution: ExecutionSpec
    is_smoke: bool = False


@dataclass(frozen=True)
class RunOutcome:
    failure_reason: FailureReason | None
    detail: str = ""
    exit_code: int | None = None
    resources: Resources = field(default_factory=Resources)
    predictions_key: str | None = None
    log_key: str | None = None
    # a platform fault that another attempt may not hit
    retryable: bool = False
    # a platform fault that clears with time, not at once (a full disk): the scheduler
    # tries the same attempt again later, with backoff
    wait_and_retry: bool = False

    @classmethod
    def internal(cls, what: str, *, retryable: bool = True, log_key: str | None = None) -> RunOutcome:
        return cls(
            FailureReason.INTERNAL_ERROR,
            PLATFORM_FAULT.format(what=what),
            retryable=retryable,
            log_key=log_key,
        )

    @classmethod
    def out_of_space(cls) -> RunOutcome:
        return cls(
            FailureReason.INTERNAL_ERROR,
            PLATFORM_FAULT.format(what="the machine running it is out of disk space"),
            retryable=True,
            wait_and_retry=True,
        )


class Executor(abc.ABC):
    @abc.abstractmethod
    async def run(self, request: RunRequest) -> RunOutcome:
        """Run one attempt to its end. Cancelling the caller stops it."""

    async def resume(self, runs: Collection[tuple[str, int]]) -> bool:
        """At start-up, with the (submission id, attempt) runs a previous process left
        running. True: they may still be going outside this process (a pod), and ``run``
        of the same attempt carries each on; False (the default): they died with it."""
        return False

    def detach(self) -> None:
        """Shutting down: from now on, cancelling a run leaves whatever runs outside this
        process running (``resume`` picks it up after the restart)."""
        return None

    async def close(self) -> None:
        return None


def output_keys(submission_id: uuid.UUID, attempt: int) -> tuple[str, str]:
    base = f"{submission_id}/{attempt}"
    return f"{base}/predictions.csv", f"{base}/log.txt"


class _StorageFailed(Exception):
    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


class LocalSandboxExecutor(Executor):
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

    async def resume(self, runs: Collection[tuple[str, int]]) -> bool:
        """The runs died with the previous process; remove the control groups it left."""
        removed = await asyncio.to_thread(cgroups.remove_stale, self.cgroup_scope)
        if removed:
            log.warning("executor.stale_cgroups_removed", groups=len(removed))
        return False

    async def run(self, request: RunRequest) -> RunOutcome:
        run_dir = self.runs_dir / str(request.submission_id) / str(request.attempt)
        try:
            return await self._run(request, run_dir)
        except Exception as exc:
            if is_out_of_space(exc):
                log.error("executor.out_of_space", submission_id=str(request.submission_id), error=repr(exc))
                return RunOutcome.out_of_space()
            if isinstance(exc, _StorageFailed):
                log.error("executor.storage_failed", submission_id=str(request.submission_id), what=exc.what)
                return RunOutcome.internal(exc.what)
            log.exception("executor.failed", submission_id=str(request.submission_id), error=repr(exc))
            return RunOutcome.internal("the executor failed")
        finally:
            await asyncio.to_thread(_remove_run_dir, run_dir.parent)

    async def _run(self, request: RunRequest, run_dir: Path) -> RunOutcome:
        spec = request.execution
        if run_dir.exists():  # left behind by a crashed process
            await asyncio.to_thread(_remove_run_dir, run_dir)
        src, data, submission = run_dir / "src", run_dir / "data", run_dir / "submission"
        for path in (run_dir.parent, run_dir, src, data, submission):
            path.mkdir(mode=0o755, parents=True, exist_ok=True)
            path.chmod(0o755)  # bwrap opens mount sources as the sandbox user
        if os.geteuid() == 0:
            os.chown(submission, self.uid, self.gid)

        passthrough: gpu.GpuPassthrough | None = None
        if spec.gpu:
            try:
                passthrough = gpu.discover()
            except gpu.NoGpu as exc:
                # never run a GPU competition on the CPU; another machine may have one
                log.error("executor.no_gpu", submission_id=str(request.submission_id))
                return RunOutcome.internal(exc.detail, retryable=False)
        runtime_dir = await self._runtime(spec.runtime)
        if runtime_dir is None:
            return RunOutcome.internal(f"the runtime {spec.runtime!r} is not installed", retryable=False)
        for path in (run_dir, runtime_dir, self.cache_dir):
            if (blocked := unreachable_parent(path)) is not None:
                log.error("executor.mount_source_unreachable", path=str(path), blocked_by=str(blocked))
                return RunOutcome.internal("the sandbox user cannot reach its directories", retryable=False)

        archive = run_dir / "archive.zip"
        try:
            await self._storage(
                "download the submission",
                self.storage.download_to,
                "submissions",
                request.archive_key,
                archive,
            )
        except BlobNotFound:
            return RunOutcome.internal("the submission archive is missing from storage", retryable=False)
        try:
            summary = await asyncio.to_thread(safe_extract, archive, src)
        except ArchiveError as exc:
            return RunOutcome(FailureReason.INVALID_SUBMISSION, "; ".join(exc.problems))
        finally:
            archive.unlink(missing_ok=True)

        try:
            await self._stage_data(spec, data)
        except BlobNotFound as exc:
            return RunOutcome.internal(f"the test data file {exc.key!r} is missing", retryable=False)

        predictions_key, log_key = output_keys(request.submission_id, request.attempt)
        result = await run_sandbox(
            SandboxSpec(
                runtime_dir=runtime_dir,
                src_dir=src,
                data_dir=data,
                submission_dir=submission,
                entrypoint=summary.entrypoint,
                is_smoke=request.is_smoke,
                gpu=passthrough,
                uid=self.uid,
                gid=self.gid,
            ),
            SandboxLimits(
                time_limit_s=spec.time_limit_s,
                memory_bytes=spec.memory_mb * MIB,
                cpus=spec.cpus,
                max_processes=spec.max_processes,
                output_limit_bytes=spec.output_limit_mb * MIB,
                log_limit_bytes=spec.log_limit_kb * 1024,
                tmp_bytes=self.tmp_bytes,
            ),
            log_path=run_dir / "log.txt",
            predictions_filename=spec.predictions_filename,
            predictions_copy=run_dir / "predictions.csv",
            run_name=f"{request.submission_id}-{request.attempt}",
            cgroup_scope=self.cgroup_scope,
        )
        await self._storage("upload the log", self.storage.put_file, "outputs", log_key, result.log_path)
        if result.predictions_path is not None:
            await self._storage(
                "upload the predictions",
                self.storage.put_file,
                "outputs",
                predictions_key,
                result.predictions_path,
            )
        return RunOutcome(
            failure_reason=result.failure_reason,
            detail=result.detail,
            exit_code=result.exit_code,
            resources=result.resources,
            predictions_key=predictions_key if result.predictions_path is not None else None,
            log_key=log_key,
        )

    async def _runtime(self, name: str) -> Path | None:
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
        if not runtimes.requirements_file(name, self.requirements_dir).is_file():
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
                await self._fetch_data(spec.data_container, key, cached, digest)
                DATA_CACHE.labels(result="miss").inc()
            target = dest / rel
            target.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
            try:
                os.link(cached, target)
            except OSError:  # another file system: copy instead
                await asyncio.to_thread(shutil.copyfile, cached, target)
                target.chmod(0o644)

    async def _fetch_data(self, container: str, key: str, cached: Path, digest: str | None) -> None:
        partial = self.cache_dir / ".partial"
        partial.mkdir(parents=True, exist_ok=True)
        tmp = partial / uuid.uuid4().hex
        try:
            await self._storage("download the test data", self.storage.download_to, container, key, tmp)
            if digest is not None and await asyncio.to_thread(_file_sha256, tmp) != digest:
                # never cache bytes under a hash they do not have
                raise _StorageFailed(f"the test data file {key!r} does not match its recorded sha256")
            tmp.chmod(0o644)
            for parent in reversed(cached.relative_to(self.cache_dir).parents):
                (self.cache_dir / parent).mkdir(mode=0o755, exist_ok=True)
            os.replace(tmp, cached)
            log.info("executor.data_cached", key=key, sha256=digest)
        finally:
            tmp.unlink(missing_ok=True)

    async def _storage(self, what: str, op: Callable[..., Awaitable[T]], *args: object) -> T:
        """Call a storage operation, retrying transient failures; BlobNotFound is final."""
        for attempt in range(1, self.storage_attempts + 1):
            try:
                return await op(*args)
            except BlobNotFound:
                raise
            except (StorageError, OSError) as exc:
                if is_out_of_space(exc):
                    raise  # trying again at once would fail the same way
                if attempt == self.storage_attempts:
                    raise _StorageFailed(f"could not {what}") from exc
                log.warning("executor.storage_retry", what=what, attempt=attempt, error=repr(exc))
                await asyncio.sleep(self.storage_retry_seconds * 2 ** (attempt - 1))
        raise AssertionError("unreachable")


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


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _remove_run_dir(path: Path) -> None:
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


def _safe_relative(value: str, what: str) -> Path:
    pure = PurePosixPath(value)
    if not value or pure.is_absolute() or any(p in ("..", ".", "") for p in value.split("/")):
        raise ValueError(f"invalid {what} {value!r}")
    return Path(*pure.parts)
