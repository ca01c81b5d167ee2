"""A full disk is the platform's fault and passes: a run that cannot be unpacked for lack
of space waits and is tried again later, with backoff, without using up an attempt, and
scores once space returns. The run folder is a small tmpfs this test mounts and resizes."""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import io
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from services.orchestrator.executors.local.runner import StorageFailed, is_out_of_space
from services.orchestrator.models import executions
from shared.events import ExecutionFinished
from tests.orchestrator.conftest import needs_sandbox
from tests.orchestrator.test_service import PREDICT, platform, poll, settings_for

_libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
MS_REMOUNT = 0x20
MNT_DETACH = 0x2


def _mount_tmpfs(target: Path, size: str, flags: int = 0) -> None:
    if _libc.mount(b"tmpfs", str(target).encode(), b"tmpfs", flags, f"size={size},mode=0755".encode()) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount tmpfs on {target}: {os.strerror(err)}")


@pytest.fixture
def small_runs_dir(data_dir: Path) -> Iterator[Path]:
    """``data_dir/runs`` as a 1 MiB file system, unmounted when the test ends."""
    runs = data_dir / "runs"
    runs.mkdir(mode=0o755)
    _mount_tmpfs(runs, "1m")
    try:
        yield runs
    finally:
        _libc.umount2(str(runs).encode(), MNT_DETACH)


def _bulky_zip() -> bytes:
    """About 0.2 MiB of zip that unpacks to 4 MiB (well within the 200:1 ratio limit)."""
    # fresh random bytes in every block: deflate finds no repeats to squeeze
    model = b"".join(os.urandom(200) + bytes(4096 - 200) for _ in range(1024))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("main.py", PREDICT.replace("\n    ", "\n").strip() + "\n")
        zf.writestr("model.bin", model)
    return buf.getvalue()


@needs_sandbox
async def test_a_run_that_finds_the_disk_full_waits_and_scores_once_space_returns(
    data_dir: Path, runtimes_dir: Path, small_runs_dir: Path
) -> None:
    settings = settings_for(data_dir, runtimes_dir).model_copy(
        update={"wait_retry_seconds": 0.2, "wait_retry_max_seconds": 0.8, "max_attempts": 2}
    )
    async with platform(settings) as p:
        queued = await p.submit()
        await p.storage.put_bytes("submissions", queued.archive_key, _bulky_zip())
        await p.bus.publish(queued)
        sessionmaker = p.app.state.runtime.sessionmaker

        async def row() -> object:
            async with sessionmaker() as session:
                return (
                    await session.execute(
                        select(executions).where(executions.c.submission_id == str(queued.submission_id))
                    )
                ).first()

        async def deferred_three_times() -> bool:
            current = await row()
            return current is not None and current.deferrals >= 3  # type: ignore[attr-defined]

        await poll(deferred_three_times, timeout=60)
        current = await row()
        # each try found the disk full, and none used up an attempt or ended the run
        assert current.attempt == 1  # type: ignore[attr-defined]
        assert p.of(ExecutionFinished, queued.submission_id) == []
        assert current.status in ("queued", "running")  # type: ignore[attr-defined]

        _mount_tmpfs(small_runs_dir, "64m", MS_REMOUNT)  # space returns
        finished = await p.finished(queued.submission_id, timeout=90)

        assert finished.failure_reason is None, finished.detail
        assert finished.attempt == 1
        predictions = await p.storage.get_bytes("outputs", finished.predictions_key or "")
        assert predictions.decode().splitlines() == ["id,y", "1,1.0", "2,1.4"]
        done = await row()
        assert done.deferrals >= 3 and done.not_before is not None  # type: ignore[attr-defined]


def test_out_of_space_is_recognised_through_the_causes() -> None:
    full = OSError(errno.ENOSPC, "No space left on device")
    try:
        try:
            raise full
        except OSError as exc:
            raise StorageFailed("could not download the submission") from exc
    except StorageFailed as wrapped:
        assert is_out_of_space(wrapped)
    assert is_out_of_space(OSError(errno.EDQUOT, "Disk quota exceeded"))
    assert not is_out_of_space(OSError(errno.EIO, "I/O error"))
    assert not is_out_of_space(ValueError("no"))
