"""``LocalRunner.storage_call``: the local runner's storage operations retried through the
one retry policy (``shared.retry.retrying``): a transient failure is tried again, a
missing blob and a full disk are not, and spent attempts say what could not be done."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from services.orchestrator.executors.local.runner import LocalRunner, StorageFailed
from shared.storage import LocalStorage
from shared.storage.base import BlobNotFound, StorageError


class Failing:
    """A storage operation that raises each of ``errors`` in turn, then answers ``"ok"``."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self, *args: object) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


@pytest.fixture
def runner(tmp_path: Path) -> LocalRunner:
    return LocalRunner(
        LocalStorage(tmp_path / "storage"),
        runs_dir=tmp_path / "runs",
        cache_dir=tmp_path / "cache",
        runtimes_dir=tmp_path / "runtimes",
        build_missing_runtimes=False,
        storage_attempts=3,
        storage_retry_seconds=0.001,
    )


async def test_transient_failures_are_retried_until_the_operation_answers(runner: LocalRunner) -> None:
    op = Failing(StorageError("503 from the blob service"), ConnectionResetError("reset by peer"))
    assert await runner.storage_call("download the archive", op, "c", "k") == "ok"
    assert op.calls == 3


async def test_spent_attempts_fail_with_what_could_not_be_done_and_the_last_error(
    runner: LocalRunner,
) -> None:
    last = StorageError("third 503")
    op = Failing(StorageError("503"), StorageError("503 again"), last)
    with pytest.raises(StorageFailed, match="could not upload the log") as failed:
        await runner.storage_call("upload the log", op)
    assert op.calls == 3
    assert failed.value.__cause__ is last and failed.value.retryable


@pytest.mark.parametrize(
    "final",
    [BlobNotFound("submissions", "s/1.zip"), OSError(errno.ENOSPC, "No space left on device")],
    ids=["missing-blob", "disk-full"],
)
async def test_a_missing_blob_or_a_full_disk_is_not_tried_again(
    runner: LocalRunner, final: Exception
) -> None:
    op = Failing(final)
    with pytest.raises(type(final)) as raised:
        await runner.storage_call("download the archive", op)
    assert raised.value is final and op.calls == 1
