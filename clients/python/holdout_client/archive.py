"""Packing a submission: the folder zipped the way Holdout checks it, and the checks themselves.

The server's rules live in ``shared/archive.py``, which this package cannot import (it installs
without the server); ``check_archive`` is the same check with the same messages, so a zip that
passes here passes there. A test runs both over the same good and bad archives.
"""

from __future__ import annotations

import os
import stat
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

ENTRYPOINTS = ("main.py", "main.sh")
# left out of a packed folder: version control, caches and editor debris a run never needs
SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "__pycache__",
        ".ipynb_checkpoints",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
        ".venv",
        ".tox",
        ".idea",
        ".vscode",
    }
)
SKIPPED_FILES = frozenset({".DS_Store", "Thumbs.db", ".gitignore", ".gitattributes"})
SKIPPED_SUFFIXES = (".pyc", ".pyo", ".swp")


@dataclass(frozen=True)
class ArchiveLimits:
    """The server's defaults (``shared.archive.ArchiveLimits``) and its default upload cap."""

    max_files: int = 10_000
    max_unpacked_bytes: int = 2 * 1024**3
    max_ratio: float = 200.0
    ratio_floor_bytes: int = 1024**2
    max_archive_bytes: int = 512 * 1024**2


class ArchiveError(Exception):
    """The folder or archive breaks the rules; ``problems`` lists every rule it breaks."""

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


def check_archive(path: Path, limits: ArchiveLimits = ArchiveLimits()) -> ArchiveSummary:
    """Check a zip as the server will (same rules, same messages); raise ``ArchiveError``."""
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
            if stat.S_IFMT(mode) and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                problems.append(f"{name!r}: only regular files and folders are allowed")
                continue
            if info.flag_bits & 0x1:
                problems.append(f"{name!r}: encrypted entries are not supported")
                continue
            total += info.file_size
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
        entry = next((e for e in ENTRYPOINTS if e in names), None)
        if entry is None:
            nested = sorted(n for n in names if PurePosixPath(n).name in ENTRYPOINTS)
            hint = f" (found {nested[0]!r}: zip the folder's contents, not the folder)" if nested else ""
            problems.append(f"main.py must be at the root of the archive{hint}")
    if problems:
        raise ArchiveError(problems)
    assert entry is not None
    return ArchiveSummary(entrypoint=entry, files=len(infos), unpacked_bytes=total)


def _walk(root: Path, problems: list[str]) -> Iterator[tuple[Path, str]]:
    """(file, name in the zip) for every file to pack, sorted; symlinks and special files refused."""
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        kept = []
        for d in sorted(dirnames):
            rel = (here / d).relative_to(root).as_posix()
            if (here / d).is_symlink():
                problems.append(f"{rel!r}: symbolic links are not allowed")
            elif d not in SKIPPED_DIRS:
                kept.append(d)
        dirnames[:] = kept
        for f in sorted(filenames):
            path = here / f
            rel = path.relative_to(root).as_posix()
            if f in SKIPPED_FILES or f.endswith(SKIPPED_SUFFIXES):
                continue
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                problems.append(f"{rel!r}: symbolic links are not allowed")
            elif not stat.S_ISREG(mode):
                problems.append(f"{rel!r}: only regular files and folders are allowed")
            else:
                yield path, rel


def pack(
    folder: Path,
    out: Path,
    limits: ArchiveLimits = ArchiveLimits(),
    progress: Callable[[int, int], None] | None = None,
) -> ArchiveSummary:
    """Zip the contents of ``folder`` (not the folder itself) into ``out`` and check the result.

    Raises ``ArchiveError`` with every problem (nothing is left at ``out`` then).
    """
    if not folder.is_dir():
        raise ArchiveError([f"{folder} is not a folder"])
    problems: list[str] = []
    files = list(_walk(folder, problems))
    names = {name for _, name in files}
    if not any(e in names for e in ENTRYPOINTS):
        nested = sorted(n for n in names if PurePosixPath(n).name in ENTRYPOINTS)
        hint = f" (found {nested[0]!r}: pack that folder instead)" if nested else ""
        problems.append(f"main.py must be at the root of the folder{hint}")
    if len(files) > limits.max_files:
        problems.append(f"the folder has {len(files)} files; at most {limits.max_files} are allowed")
    total = sum(path.stat().st_size for path, _ in files)
    if total > limits.max_unpacked_bytes:
        problems.append(f"the folder holds {total} bytes; at most {limits.max_unpacked_bytes} are allowed")
    if problems:
        raise ArchiveError(problems)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for done, (path, name) in enumerate(files, 1):
                zf.write(path, name)
                if progress is not None:
                    progress(done, len(files))
        summary = check_archive(tmp, limits)
        size = tmp.stat().st_size
        if size > limits.max_archive_bytes:
            raise ArchiveError(
                [f"the zip is {size} bytes; the server takes at most {limits.max_archive_bytes}"]
            )
        tmp.replace(out)
        return summary
    finally:
        tmp.unlink(missing_ok=True)
