"""The local executor on Azure Blob Storage (Azurite): the zip comes in and the
predictions and log go out through the storage account, and test data is cached on the
machine by the sha256 the gateway recorded at upload, mounted read-only."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

from services.orchestrator.executors.base import RunRequest
from services.orchestrator.executors.local.executor import LocalSandboxExecutor
from services.orchestrator.executors.local.runner import LocalRunner
from shared.events import ExecutionSpec, FailureReason
from shared.storage.azure import AzureBlobStorage
from tests.orchestrator.conftest import needs_sandbox
from tests.orchestrator.test_executor import zip_bytes

pytestmark = needs_sandbox

FEATURES = b"id,y\n1,2\n"
MAIN = b"""
import shutil
try:
    open("/code_execution/data/features.csv", "a").write("tampered")
    print("data is writable")
except OSError as exc:
    print("data is read-only:", exc.strerror)
shutil.copy("/code_execution/data/features.csv", "/code_execution/submission/submission.csv")
"""


def counted(storage: AzureBlobStorage) -> list[str]:
    """Record every download the executor makes (keys of the ``data`` container)."""
    seen: list[str] = []
    original = storage.download_to

    async def download_to(container: str, key: str, path: Path, *, sha256: str | None = None) -> int:
        if container == "data":
            seen.append(key)
        return await original(container, key, path, sha256=sha256)

    storage.download_to = download_to  # type: ignore[method-assign]
    return seen


async def request_for(storage: AzureBlobStorage, cid: uuid.UUID, version: int, sha256: str) -> RunRequest:
    sid = uuid.uuid4()
    await storage.put_bytes("submissions", f"{cid}/{sid}.zip", zip_bytes({"main.py": MAIN}))
    return RunRequest(
        submission_id=sid,
        competition_id=cid,
        attempt=1,
        archive_key=f"{cid}/{sid}.zip",
        execution=ExecutionSpec(
            time_limit_s=30,
            memory_mb=512,
            cpus=1,
            data_prefix=f"{cid}/{version}/",
            data_files=["features.csv"],
            data_sha256={"features.csv": sha256},
        ),
    )


def make_executor(storage: AzureBlobStorage, data_dir: Path, runtimes_dir: Path) -> LocalSandboxExecutor:
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


async def test_runs_through_azure_and_data_is_downloaded_once_per_content(
    azure_storage: AzureBlobStorage, data_dir: Path, runtimes_dir: Path
) -> None:
    downloads = counted(azure_storage)
    cid = uuid.uuid4()
    sha = (await azure_storage.put_bytes("data", f"{cid}/1/features.csv", FEATURES)).sha256
    # the host re-uploads the same bytes as a new data version
    await azure_storage.put_bytes("data", f"{cid}/2/features.csv", FEATURES)
    ex = make_executor(azure_storage, data_dir, runtimes_dir)

    first = await ex.run(await request_for(azure_storage, cid, 1, sha))
    assert first.failure_reason is None, first.detail
    assert first.predictions_key is not None and first.log_key is not None
    assert await azure_storage.get_bytes("outputs", first.predictions_key) == FEATURES
    log = (await azure_storage.get_bytes("outputs", first.log_key)).decode()
    assert "data is read-only" in log

    second = await ex.run(await request_for(azure_storage, cid, 2, sha))
    assert second.failure_reason is None, second.detail
    assert downloads == [f"{cid}/1/features.csv"]  # the second run found the bytes cached
    assert (data_dir / "cache" / "sha256" / sha[:2] / sha).read_bytes() == FEATURES


async def test_data_that_does_not_match_its_hash_is_never_cached(
    azure_storage: AzureBlobStorage, data_dir: Path, runtimes_dir: Path
) -> None:
    cid = uuid.uuid4()
    await azure_storage.put_bytes("data", f"{cid}/1/features.csv", FEATURES)
    wrong = hashlib.sha256(b"other bytes").hexdigest()
    ex = make_executor(azure_storage, data_dir, runtimes_dir)
    outcome = await ex.run(await request_for(azure_storage, cid, 1, wrong))
    assert outcome.failure_reason == FailureReason.INTERNAL_ERROR and outcome.retryable
    assert "does not match its recorded sha256" in outcome.detail
    assert not (data_dir / "cache" / "sha256" / wrong[:2] / wrong).exists()
