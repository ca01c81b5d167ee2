"""The submission archive contract: what a zip may contain, and how it is unpacked.

The gateway checks an upload with ``inspect_archive`` and refuses a bad one at once
with every problem listed; the executor unpacks with ``safe_extract``, which enforces
the same rules again against the bytes actually written (the sizes in a zip's headers
are claims, not facts). Rules (DESIGN.md): ``main.py`` (or ``main.sh``) at the root; no
absolute paths, no ``..``, no symlinks or special files, no encryption; bounded total
size, file count and compression ratio.
"""

from __future__ import annotations

import os
import stat
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

ENTRYPOINTS = ("main.py", "main.sh")


@dataclass(frozen=True)
class ArchiveLimits:
    max_files: int = 10_000
    max_unpacked_bytes: int = 2 * 1024**3
    max_ratio: float = 200.0
    # small entries compress absurdly well (a file of zeros) and harm nobody
    ratio_floor_bytes: int = 1024**2


class ArchiveError(Exception):
    """The archive breaks the rules; ``problems`` lists every rule it breaks."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ArchiveSummary:
    entrypoint: str
    files: int
    unpacked_bytes: int


def _name_problem(name: str) -> str | None:
    if "\x00" in name:
        return f"{name!r}: file names may not contain NUL bytes"
    if "\\" in name:
        return f"{name!r}: use '/' as the path separator"
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return f"{name!r}: absolute paths are not allowed"
    if ".." in PurePosixPath(name).parts:
        return f"{name!r}: '..' in a path is not allowed"
    return None


def _mode(info: zipfile.ZipInfo) -> int:
    return (info.external_attr >> 16) & 0xFFFF if info.create_system == 3 else 0


def inspect_archive(
    path: Path, limits: ArchiveLimits = ArchiveLimits(), *, entrypoints: Sequence[str] = ENTRYPOINTS
) -> ArchiveSummary:
    """Check a zip against the rules without unpacking it; raise ``ArchiveError``.
    One of ``entrypoints`` must be at its root (a submission's ``main.py`` by default;
    none: a trained model's zip, which runs nothing)."""
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise ArchiveError(["the file is not a zip archive (or it is corrupt)"]) from None
    except OSError as exc:
        raise ArchiveError([f"the archive could not be read: {exc.strerror or exc}"]) from None
    problems: list[str] = []
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_files:
            problems.append(f"the archive has {len(infos)} entries; at most {limits.max_files} are allowed")
        seen: set[str] = set()
        total = 0
        total_compressed = 0
        for info in infos:
            name = info.filename
            if (p := _name_problem(name)) is not None:
                problems.append(p)
                continue
            norm = PurePosixPath(name).as_posix().rstrip("/")
            if norm in seen and not info.is_dir():
                problems.append(f"{name!r}: appears twice in the archive")
            seen.add(norm)
            mode = _mode(info)
            if stat.S_ISLNK(mode):
                problems.append(f"{name!r}: symbolic links are not allowed")
                continue
            # many zip tools store permission bits only (no file type): that is a file
            if stat.S_IFMT(mode) and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                problems.append(f"{name!r}: only regular files and folders are allowed")
                continue
            if info.flag_bits & 0x1:
                problems.append(f"{name!r}: encrypted entries are not supported")
                continue
            total += info.file_size
            total_compressed += info.compress_size
            if info.file_size > limits.ratio_floor_bytes and info.file_size > limits.max_ratio * max(
                info.compress_size, 1
            ):
                problems.append(
                    f"{name!r}: compression ratio {info.file_size / max(info.compress_size, 1):.0f}:1 "
                    f"exceeds the {limits.max_ratio:.0f}:1 limit (a zip bomb?)"
                )
        if total > limits.max_unpacked_bytes:
            problems.append(
                f"the archive unpacks to {total} bytes; at most {limits.max_unpacked_bytes} are allowed"
            )
        names = {i.filename for i in infos}
        entry = next((e for e in entrypoints if e in names), None)
        if entry is None and entrypoints:
            nested = sorted(n for n in names if PurePosixPath(n).name in entrypoints)
            hint = f" (found {nested[0]!r}: zip the folder's contents, not the folder)" if nested else ""
            problems.append(f"{entrypoints[0]} must be at the root of the archive{hint}")
    if problems:
        raise ArchiveError(problems)
    return ArchiveSummary(entrypoint=entry or "", files=len(infos), unpacked_bytes=total)


def safe_extract(
    path: Path,
    dest: Path,
    limits: ArchiveLimits = ArchiveLimits(),
    *,
    file_mode: int = 0o644,
    entrypoints: Sequence[str] = ENTRYPOINTS,
) -> ArchiveSummary:
    """Unpack into the empty directory ``dest``, counting the bytes really written.

    Never follows a symlink: every file is created with ``O_EXCL | O_NOFOLLOW`` under
    directories this function created itself.
    """
    summary = inspect_archive(path, limits, entrypoints=entrypoints)
    if any(dest.iterdir()):
        raise ValueError(f"{dest} is not empty")
    written = 0
    chunk = 1 << 20
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            parts = PurePosixPath(info.filename).parts
            if not parts:
                continue
            target = dest.joinpath(*parts)
            if info.is_dir():
                _mkdirs(dest, parts)
                continue
            _mkdirs(dest, parts[:-1])
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, file_mode)
            with os.fdopen(fd, "wb") as out, zf.open(info) as src:
                entry_written = 0
                while block := src.read(chunk):
                    written += len(block)
                    entry_written += len(block)
                    if written > limits.max_unpacked_bytes:
                        raise ArchiveError(
                            [f"the archive unpacks to more than {limits.max_unpacked_bytes} bytes"]
                        )
                    if entry_written > limits.ratio_floor_bytes and entry_written > limits.max_ratio * max(
                        info.compress_size, 1
                    ):
                        raise ArchiveError(
                            [f"{info.filename!r}: expands beyond the {limits.max_ratio:.0f}:1 ratio limit"]
                        )
                    out.write(block)
    return summary


def _mkdirs(dest: Path, parts: tuple[str, ...]) -> None:
    current = dest
    for part in parts:
        current = current / part
        try:
            os.mkdir(current, 0o755)
        except FileExistsError:
            st = os.lstat(current)
            if not stat.S_ISDIR(st.st_mode):
                raise ArchiveError([f"{part!r} is both a file and a folder in the archive"]) from None
