"""What a run in the local sandbox writes, as the host accounts for it: the tail of its
log (``TailBuffer``, fed by ``pump_log``), the size of its writable folder
(``tree_usage``, watched by ``watch_output`` while it runs), and the one output file the
host copies out (``copy_output``).

Below ``sandbox.py``, which supervises the run and calls these. Anything the submission
wrote is read without following a symlink (``lstat``, ``O_NOFOLLOW``): a symlink planted
in ``/code_execution/submission`` never makes the host read its own files, and a FIFO
never makes it block. Failure details are worded by ``executors/failures.py``.
"""

from __future__ import annotations

import asyncio
import os
import stat
import zipfile
from pathlib import Path

from services.orchestrator.executors import failures
from services.orchestrator.executors.local.spec import MODEL_MOUNT, SUBMISSION_MOUNT, OutputFile
from shared.events import FailureReason

# entries (files, folders) the writable folder may hold; more count as over the limit
MAX_OUTPUT_ENTRIES = 10_000
# how often the writable folder's size is measured while the run goes
OUTPUT_WATCH_SECONDS = 1.0


class TailBuffer:
    """Keeps the last ``limit`` bytes written to it and counts what it dropped."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.buf = bytearray()
        self.dropped = 0

    def write(self, data: bytes) -> None:
        self.buf += data
        excess = len(self.buf) - self.limit
        if excess > 0:
            del self.buf[:excess]
            self.dropped += excess

    def text(self) -> str:
        body = bytes(self.buf).decode("utf-8", errors="replace")
        if self.dropped:
            return (
                f"[holdout: {self.dropped} earlier bytes of output were dropped; "
                f"the last {self.limit // 1024} KiB are kept]\n" + body
            )
        return body


async def pump_log(stream: asyncio.StreamReader, tail: TailBuffer) -> None:
    """Read the run's stdout+stderr to its end into ``tail``."""
    while chunk := await stream.read(65536):
        tail.write(chunk)


def tree_usage(root: Path, max_entries: int = MAX_OUTPUT_ENTRIES) -> tuple[int, int]:
    """(bytes, entries) under ``root`` without following any symlink."""
    total = entries = 0
    stack = [str(root)]
    while stack:
        current = stack.pop()
        try:
            it = os.scandir(current)
        except OSError:
            continue
        with it:
            for entry in it:
                entries += 1
                if entries > max_entries:
                    return total, entries
                try:
                    st = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                if stat.S_ISDIR(st.st_mode):
                    stack.append(entry.path)
                elif stat.S_ISREG(st.st_mode):
                    total += st.st_size
    return total, entries


def over_limit(submission_dir: Path, limit: int) -> bool:
    """Whether the writable folder holds more than ``limit`` bytes or too many entries."""
    used, entries = tree_usage(submission_dir)
    return used > limit or entries > MAX_OUTPUT_ENTRIES


async def watch_output(submission_dir: Path, limit: int) -> None:
    """Returns once the submission directory holds more than ``limit`` bytes."""
    while True:
        await asyncio.sleep(OUTPUT_WATCH_SECONDS)
        if await asyncio.to_thread(over_limit, submission_dir, limit):
            return


def copy_output(
    submission_dir: Path, output: OutputFile, dest: Path, max_bytes: int
) -> tuple[FailureReason, str] | None:
    """Copy the run's output file to a host-owned file; a failure (reason, detail) otherwise.

    ``lstat`` names what the submission left there (a directory, a FIFO, a device, a
    symlink are the participant's doing, not the platform's); ``O_NOFOLLOW | O_NONBLOCK``
    then ``fstat`` on the opened file: a symlink swapped in meanwhile is refused instead
    of followed, and a FIFO cannot make the host block.
    """
    expected = f"{SUBMISSION_MOUNT}/{output.name}"
    path = submission_dir / output.name
    missing = failures.output_missing(output.what, expected)
    limit_name = "output limit" if output.max_bytes is None else f"limit of a {output.what} file"

    def not_regular(mode: int) -> tuple[FailureReason, str]:
        return (
            FailureReason.INVALID_PREDICTIONS,
            failures.output_not_regular(expected, failures.file_kind(mode), output.what, output.expected),
        )

    def unreadable(action: str, exc: OSError) -> tuple[FailureReason, str]:
        detail = failures.output_unreadable(expected, action, str(exc.strerror))
        return FailureReason.INVALID_PREDICTIONS, detail

    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return FailureReason.MISSING_PREDICTIONS, missing
    except OSError as exc:
        return unreadable("read", exc)
    if not stat.S_ISREG(st.st_mode):
        return not_regular(st.st_mode)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return FailureReason.MISSING_PREDICTIONS, missing
    except OSError as exc:
        if os.path.islink(path):
            return not_regular(stat.S_IFLNK)
        return unreadable("opened", exc)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return not_regular(st.st_mode)
        copied = 0
        with dest.open("wb") as out:
            while block := os.read(fd, 1 << 20):
                copied += len(block)
                if copied > max_bytes:
                    return (
                        FailureReason.OUTPUT_LIMIT_EXCEEDED,
                        failures.output_too_large(expected, failures.fmt_bytes(max_bytes), limit_name),
                    )
                out.write(block)
    finally:
        os.close(fd)
    return None


def zip_model(model_dir: Path, dest: Path) -> tuple[FailureReason, str] | None:
    """Zip a training run's model folder (its size already checked) to the host-owned
    ``dest``; a failure (reason, detail) for an empty folder or anything but regular
    files and folders in it. Reads like ``copy_output``: never through a symlink
    (``O_NOFOLLOW``, checked again with ``fstat`` on the opened file), never blocking on a FIFO.
    """
    files = 0
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        stack = [""]
        while stack:
            rel = stack.pop()
            with os.scandir(model_dir / rel if rel else model_dir) as it:
                entries = sorted(it, key=lambda e: e.name)
            for entry in entries:
                name = f"{rel}{entry.name}"
                st = entry.stat(follow_symlinks=False)
                if stat.S_ISDIR(st.st_mode):
                    zf.writestr(zipfile.ZipInfo(name + "/"), b"")
                    stack.append(name + "/")
                    continue
                shown = f"{MODEL_MOUNT}/{name}"
                if not stat.S_ISREG(st.st_mode):
                    return _invalid_model(shown, st.st_mode)
                try:
                    fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
                except OSError:
                    return _invalid_model(shown, stat.S_IFLNK if os.path.islink(entry.path) else st.st_mode)
                with os.fdopen(fd, "rb") as src:
                    if not stat.S_ISREG(os.fstat(fd).st_mode):
                        return _invalid_model(shown, os.fstat(fd).st_mode)
                    with zf.open(zipfile.ZipInfo(name), "w") as out:
                        while block := src.read(1 << 20):
                            out.write(block)
                files += 1
    if files == 0:
        return FailureReason.MISSING_MODEL, failures.model_missing(MODEL_MOUNT)
    return None


def _invalid_model(path: str, mode: int) -> tuple[FailureReason, str]:
    return FailureReason.INVALID_MODEL, failures.model_not_regular(path, failures.file_kind(mode))
