"""A runtime's folder and its lock: the contract between whoever reads a runtime.

``runtimes/<name>/`` holds ``requirements.in`` (the packages a submission may import, as
declared), ``requirements.lock`` (every distribution pinned with its hashes, made from
the declared file by ``holdout runtime lock NAME``) and a ``README.md`` listing both. The
orchestrator's local sandbox builds its venv from the lock alone, the runtime image is
built from it, the gateway shows its package list to participants; all read it here.

The lock starts with one line of its own, ``# holdout-lock: declared-sha256=<hex>
python=<X.Y>``: the sha256 of the declared file it was made from (a runtime whose
declared packages changed without re-locking is caught by comparing the two) and the
Python version it was resolved for. The runtime's version is the lock's own sha256
(``sha256:<hex>``): what an execution record reports for the local sandbox, what a
competition pins, and the tag of the runtime's image.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

DECLARED = "requirements.in"
LOCK = "requirements.lock"
README = "README.md"
LOCK_PYTHON = "3.11"
"""The Python every runtime is locked for: the runtime image's and Debian bookworm's."""
RELOCK_COMMAND = "make lock-runtimes"
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
REPO_RUNTIMES_DIR = Path(__file__).resolve().parents[1] / "runtimes"
"""The repository's runtime folders (every service's default)."""

_HEADER = re.compile(r"^# holdout-lock: (?P<fields>.*)$", re.MULTILINE)
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)\s*(?:;\s*([^\\]*?))?\s*\\?$")
_REQ_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


class RuntimeLockError(Exception):
    """The runtime is unknown, or its lock is missing, malformed or stale."""


class StaleLockError(RuntimeLockError):
    """The declared packages changed since the lock was made."""


@dataclass(frozen=True)
class LockedPackage:
    name: str
    version: str
    marker: str | None = None
    """Where it is installed (``sys_platform == 'linux'``); None: everywhere."""


@dataclass(frozen=True)
class RuntimeLock:
    name: str
    folder: Path
    text: str
    declared_sha256: str
    python: str
    packages: tuple[LockedPackage, ...]

    @property
    def digest(self) -> str:
        """The runtime's version: ``sha256:`` of the lock file's bytes."""
        return "sha256:" + hashlib.sha256(self.text.encode()).hexdigest()

    @property
    def declared(self) -> list[str]:
        """The declared requirement lines (comments and blank lines left out)."""
        return declared_lines((self.folder / DECLARED).read_text())


def check_name(name: str) -> str:
    if not NAME_RE.match(name):
        raise ValueError(f"invalid runtime name {name!r}: use lower-case letters, digits, '.', '_' or '-'")
    return name


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def declared_lines(text: str) -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("-")]


def declared_names(text: str) -> list[str]:
    """The distribution names a declared file lists, lower-cased, in its order."""
    return [m.group(1).lower() for line in declared_lines(text) if (m := _REQ_NAME.match(line))]


def lock_header(declared_sha256: str, python: str = LOCK_PYTHON) -> str:
    return f"# holdout-lock: declared-sha256={declared_sha256} python={python}\n"


def runtime_names(runtimes_dir: Path) -> list[str]:
    """The runtimes under ``runtimes_dir``: every folder with a declared file."""
    return sorted(
        p.parent.name for p in Path(runtimes_dir).glob(f"*/{DECLARED}") if NAME_RE.match(p.parent.name)
    )


def read_lock(runtimes_dir: Path, name: str) -> RuntimeLock:
    """The lock of runtime ``name``; ``RuntimeLockError`` saying what is wrong and what to run."""
    folder = Path(runtimes_dir) / check_name(name)
    if not (folder / DECLARED).is_file():
        raise RuntimeLockError(f"unknown runtime {name!r}: {folder / DECLARED} does not exist")
    lock = folder / LOCK
    try:
        text = lock.read_text()
    except FileNotFoundError:
        raise RuntimeLockError(
            f"runtime {name!r} has no lock ({lock}): run `{RELOCK_COMMAND}` "
            f"(or `holdout runtime lock {name}`) and commit it"
        ) from None
    header = _HEADER.search(text)
    fields = dict(f.split("=", 1) for f in header.group("fields").split() if "=" in f) if header else {}
    if "declared-sha256" not in fields or "python" not in fields:
        raise RuntimeLockError(
            f"{lock} has no '# holdout-lock: declared-sha256=... python=...' line: it was not made by "
            f"`holdout runtime lock {name}`; run `{RELOCK_COMMAND}`"
        )
    packages = []
    for line in text.splitlines():
        if m := _PIN.match(line):
            packages.append(LockedPackage(m.group(1).lower(), m.group(2), m.group(3) or None))
    return RuntimeLock(name, folder, text, fields["declared-sha256"], fields["python"], tuple(packages))


def read_fresh_lock(runtimes_dir: Path, name: str) -> RuntimeLock:
    """``read_lock``, refusing a lock made from other declared packages than the folder's."""
    lock = read_lock(runtimes_dir, name)
    declared = lock.folder / DECLARED
    if file_sha256(declared) != lock.declared_sha256:
        raise StaleLockError(
            f"runtime {name!r}: {declared} changed since {lock.folder / LOCK} was made from it; "
            f"run `{RELOCK_COMMAND}` (or `holdout runtime lock {name}`) and commit the new lock"
        )
    return lock
