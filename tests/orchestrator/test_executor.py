"""The local executor around the sandbox: storage in and out, data cache, platform faults."""

from __future__ import annotations

import hashlib
import io
import json
import uuid
import zipfile
from pathlib import Path

import pytest

from services.orchestrator.executors.base import RunRequest
from services.orchestrator.executors.local import runtimes
from services.orchestrator.executors.local.executor import LocalSandboxExecutor
from services.orchestrator.executors.local.runner import LocalRunner
from shared.events import ExecutionSpec, FailureReason
from shared.runtime_locks import read_lock
from shared.storage import LocalStorage
from shared.storage.base import StorageError
from tests.orchestrator.conftest import needs_sandbox

pytestmark = needs_sandbox

MAIN = b"""
import shutil
shutil.copy("/code_execution/data/features.csv", "/code_execution/submission/submission.csv")
"""


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


class FlakyStorage(LocalStorage):
    """Fails every data download (the storage account is unreachable)."""

    downloads = 0

    async def download_to(self, container: str, key: str, path: Path, *, sha256: str | None = None) -> int:
        if container == "data":
            FlakyStorage.downloads += 1
            raise StorageError("connection reset")
        return await super().download_to(container, key, path, sha256=sha256)


async def setup(storage: LocalStorage, main: bytes = MAIN) -> RunRequest:
    sid, cid = uuid.uuid4(), uuid.uuid4()
    await storage.put_bytes("submissions", f"{cid}/{sid}.zip", zip_bytes({"main.py": main}))
    await storage.put_bytes("data", f"{cid}/v1/features.csv", b"id,y\n1,2\n")
    return RunRequest(
        submission_id=sid,
        competition_id=cid,
        attempt=1,
        archive_key=f"{cid}/{sid}.zip",
        execution=ExecutionSpec(
            time_limit_s=30, memory_mb=512, cpus=1, data_prefix=f"{cid}/v1/", data_files=["features.csv"]
        ),
    )


def executor(storage: LocalStorage, data_dir: Path, runtimes_dir: Path) -> LocalSandboxExecutor:
    return LocalSandboxExecutor(
        LocalRunner(
            storage,
            runs_dir=data_dir / "runs",
            cache_dir=data_dir / "cache",
            runtimes_dir=runtimes_dir,
            build_missing_runtimes=False,
            storage_retry_seconds=0.01,
        ),
    )


async def test_data_is_fetched_once_and_reused(data_dir: Path, runtimes_dir: Path) -> None:
    storage = LocalStorage(data_dir / "storage")
    ex = executor(storage, data_dir, runtimes_dir)
    request = await setup(storage)
    first = await ex.run(request)
    assert first.failure_reason is None, first.detail
    # the data object disappears from storage: the cached copy still serves the next run
    await storage.delete("data", f"{request.competition_id}/v1/features.csv")
    second = await ex.run(RunRequest(**{**request.__dict__, "attempt": 2}))
    assert second.failure_reason is None, second.detail
    assert await storage.get_bytes("outputs", f"{request.submission_id}/2/predictions.csv") == b"id,y\n1,2\n"


# the submission writes down what it actually ran with, to compare with the runtime's record
WHAT_RAN = b"""
import platform, numpy, sklearn
with open("/code_execution/submission/submission.csv", "w") as f:
    f.write(f"python,numpy,sklearn\\n{platform.python_version()},{numpy.__version__},{sklearn.__version__}\\n")
"""


async def test_the_execution_record_names_the_runtime_digest_it_was_built_with(
    data_dir: Path, runtimes_dir: Path
) -> None:
    storage = LocalStorage(data_dir / "storage")
    ex = LocalSandboxExecutor(
        LocalRunner(
            storage,
            runs_dir=data_dir / "runs",
            cache_dir=data_dir / "cache",
            runtimes_dir=runtimes_dir,
            build_missing_runtimes=False,
        ),
        machine="cpu-standard-4",
    )
    request = await setup(storage, WHAT_RAN)
    outcome = await ex.run(request)
    assert outcome.failure_reason is None, outcome.detail

    record = json.loads((runtimes_dir / "default" / runtimes.RECORD).read_text())
    assert outcome.runtime == "default"
    assert outcome.runtime_digest == record["digest"] and record["digest"].startswith("sha256:")
    assert outcome.machine == "cpu-standard-4" and outcome.gpu_used is False
    # the record describes the environment the submission saw, not just a name
    assert outcome.predictions_key is not None
    ran = (await storage.get_bytes("outputs", outcome.predictions_key)).decode().splitlines()[1].split(",")
    python, numpy_version, sklearn_version = ran
    assert record["python"] == python
    assert f"numpy-{numpy_version}" in record["distributions"]
    assert f"scikit_learn-{sklearn_version}" in record["distributions"]
    # and the digest is the lock's: anyone can check it against the repository's file
    lock = runtimes.lock_file("default")
    assert outcome.runtime_digest == "sha256:" + hashlib.sha256(lock.read_bytes()).hexdigest()
    assert outcome.runtime_digest == read_lock(lock.parent.parent, "default").digest


async def test_a_zip_that_never_ran_still_records_the_runtime_it_was_for(
    data_dir: Path, runtimes_dir: Path
) -> None:
    storage = LocalStorage(data_dir / "storage")
    request = await setup(storage)
    await storage.put_bytes("submissions", request.archive_key, b"not a zip at all")
    outcome = await executor(storage, data_dir, runtimes_dir).run(request)
    assert outcome.failure_reason == FailureReason.INVALID_SUBMISSION, outcome.detail
    assert outcome.runtime == "default"
    assert outcome.runtime_digest == read_lock(runtimes.REPO_RUNTIMES_DIR, "default").digest


async def test_storage_outage_is_an_internal_error_after_retries(data_dir: Path, runtimes_dir: Path) -> None:
    storage = FlakyStorage(data_dir / "storage")
    FlakyStorage.downloads = 0
    outcome = await executor(storage, data_dir, runtimes_dir).run(await setup(storage))
    assert outcome.failure_reason == FailureReason.INTERNAL_ERROR
    assert "could not download the test data" in outcome.detail
    assert "does not count against your quota" in outcome.detail
    assert outcome.retryable and FlakyStorage.downloads == 3
    assert not any((data_dir / "runs").iterdir())


async def test_unknown_runtime_is_an_internal_error(data_dir: Path, runtimes_dir: Path) -> None:
    storage = LocalStorage(data_dir / "storage")
    request = await setup(storage)
    request = RunRequest(
        **{**request.__dict__, "execution": request.execution.model_copy(update={"runtime": "gpu-xl"})}
    )
    outcome = await executor(storage, data_dir, runtimes_dir).run(request)
    assert outcome.failure_reason == FailureReason.INTERNAL_ERROR
    assert "the runtime 'gpu-xl' is not installed" in outcome.detail and not outcome.retryable


async def test_a_private_data_dir_is_reported_not_blamed_on_the_participant(
    tmp_path: Path, runtimes_dir: Path
) -> None:
    # pytest's tmp_path is under a 0700 directory the sandbox user cannot traverse
    storage = LocalStorage(tmp_path / "storage")
    outcome = await executor(storage, tmp_path, runtimes_dir).run(await setup(storage))
    assert outcome.failure_reason == FailureReason.INTERNAL_ERROR
    assert "cannot reach its directories" in outcome.detail


async def test_a_gpu_competition_on_a_machine_without_gpu_is_refused_not_run_on_cpu(
    data_dir: Path, runtimes_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.orchestrator.executors.local import gpu

    def no_gpu() -> gpu.GpuPassthrough:
        raise gpu.NoGpu()

    monkeypatch.setattr(gpu, "discover", no_gpu)
    storage = LocalStorage(data_dir / "storage")
    request = await setup(storage)
    request = RunRequest(
        **{**request.__dict__, "execution": request.execution.model_copy(update={"gpu": True})}
    )
    outcome = await executor(storage, data_dir, runtimes_dir).run(request)
    assert outcome.failure_reason == FailureReason.INTERNAL_ERROR
    assert "this machine has no GPU" in outcome.detail and "the competition asks for one" in outcome.detail
    assert not outcome.retryable and outcome.log_key is None


async def test_a_run_left_mounted_by_a_killed_process_is_cleaned_up(
    data_dir: Path, runtimes_dir: Path
) -> None:
    from services.orchestrator.executors.local import scratch

    storage = LocalStorage(data_dir / "storage")
    request = await setup(storage)
    ex = executor(storage, data_dir, runtimes_dir)
    # what a SIGKILLed orchestrator leaves: the run's folder with its tmpfs still mounted
    stale = data_dir / "runs" / str(request.submission_id) / "1" / "submission"
    stale.mkdir(parents=True)
    scratch._mount_tmpfs(stale, 1024 * 1024, 64, 64000, 64000)
    (stale / "old.csv").write_text("stale")
    outcome = await ex.run(request)
    assert outcome.failure_reason is None, outcome.detail
    assert str(stale) not in Path("/proc/self/mountinfo").read_text()
    assert not (data_dir / "runs" / str(request.submission_id)).exists()
