"""Runtimes for the local sandbox: one Python virtual environment per runtime name.

A competition names its runtime (``ExecutionSpec.runtime``); on Kubernetes that is a
container image, here it is a venv installed from the lock of ``runtimes/<name>/``
(``shared.runtime_locks``: ``pip install --require-hashes --no-deps``, nothing resolved
at build time) with Debian's ``/usr/bin/python3`` (the sandbox user must be able to read
the interpreter, which rules out a pyenv Python under ``/root``). A lock older than its
declared packages is refused with what to run. The venv is bind-mounted read-only at
``/opt/holdout/runtime`` inside the sandbox; Python finds a venv through the
``pyvenv.cfg`` next to the binary it was started as, so the relocated path works.

Building is idempotent: a stamp file records the sha256 of the lock the venv was built
from, and a matching stamp skips the build. Several checkouts may share one runtimes
folder (the default data directory for root is ``/var/lib/holdout``), so a build never
happens in place: the venv is built in a temporary folder beside the target and renamed
over it once it passed its import test (``os.rename`` for a new runtime, an atomic
exchange for a rebuilt one). A run or a reader sees a complete runtime or none, never a
half-built one. Builders on one machine take turns on a lock file; one that waited finds
the winner's runtime built and uses it.

Next to the stamp, a record (``RECORD``, JSON) says what the build produced: the Python
version, the installed distributions (name and version) and the runtime's digest, the
lock's ``sha256:<hex>`` (the runtime's version everywhere: a competition's pin, the
image tag). Every execution reports that digest, so a host can tell whether two runs
used the same environment, and anyone can check it with ``sha256sum`` on the lock. A
runtime built before records existed gets its record on first use (from its stamp).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import json
import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import structlog

from shared import runtime_locks as locks

log = structlog.get_logger(__name__)

BASE_PYTHON = "/usr/bin/python3"
NAME_RE = locks.NAME_RE
STAMP = ".holdout-runtime"
RECORD = ".holdout-runtime.json"
REPO_RUNTIMES_DIR = locks.REPO_RUNTIMES_DIR

# distributions whose import name differs from the distribution name
IMPORT_NAMES = {
    "scikit-learn": "sklearn",
    "scikit-image": "skimage",
    "pillow": "PIL",
    "opencv-python": "cv2",
    "opencv-python-headless": "cv2",
    "python-dateutil": "dateutil",
    "pyyaml": "yaml",
    "beautifulsoup4": "bs4",
}


class RuntimeBuildError(Exception):
    """The runtime could not be built or failed its import test."""


def runtime_path(name: str, root: Path) -> Path:
    return Path(root) / locks.check_name(name)


def runtime_python(path: Path) -> Path:
    return path / "bin" / "python"


def lock_file(name: str, requirements_dir: Path = REPO_RUNTIMES_DIR) -> Path:
    return Path(requirements_dir) / locks.check_name(name) / locks.LOCK


def declared_file(name: str, requirements_dir: Path = REPO_RUNTIMES_DIR) -> Path:
    return Path(requirements_dir) / locks.check_name(name) / locks.DECLARED


def import_names(declared: Path) -> list[str]:
    """The modules the import test imports: one per declared distribution."""
    names = locks.declared_names(declared.read_text())
    return [IMPORT_NAMES.get(n, n.replace("-", "_").replace(".", "_")) for n in names]


def is_built(name: str, root: Path, requirements_dir: Path = REPO_RUNTIMES_DIR) -> bool:
    """Whether the venv of ``name`` was built from the lock the folder holds now."""
    stamp = runtime_path(name, root) / STAMP
    lock = lock_file(name, requirements_dir)
    try:
        return lock.is_file() and stamp.read_text().strip() == locks.file_sha256(lock)
    except OSError:
        return False


def build_runtime(
    name: str,
    root: Path,
    requirements_dir: Path = REPO_RUNTIMES_DIR,
    *,
    check_uid: int | None = None,
    check_gid: int | None = None,
) -> Path:
    """Build (or reuse) the venv for runtime ``name`` under ``root`` from its lock; returns its path.

    ``check_uid``/``check_gid``: run the import test as that user (root only), which
    also proves the sandbox user can read every file of the runtime.
    """
    path = runtime_path(name, root)
    try:
        lock = locks.read_fresh_lock(requirements_dir, name)
    except locks.RuntimeLockError as exc:
        raise RuntimeBuildError(str(exc)) from None
    lock_sha256 = locks.file_sha256(lock.folder / locks.LOCK)
    _make_traversable_dirs(Path(root))
    with _lock(Path(root) / f".{name}.lock"):
        if is_built(name, root, requirements_dir):
            return path  # built meanwhile by whoever held the lock
        for leftover in Path(root).glob(f".{name}.building-*"):
            shutil.rmtree(leftover, ignore_errors=True)  # a builder killed mid-way; we hold the lock
        staging = Path(tempfile.mkdtemp(prefix=f".{name}.building-", dir=root))
        try:
            log.info("runtime.build_started", runtime=name, path=str(path), digest=lock.digest)
            _run([BASE_PYTHON, "-m", "venv", str(staging)], "create the venv")
            _check_python(staging, lock)
            py = str(runtime_python(staging))
            # the lock alone: every distribution pinned and hash-checked, nothing resolved here
            pip = [py, "-m", "pip", "install", "--no-input", "--quiet", "--require-hashes", "--no-deps"]
            _run([*pip, "-r", str(lock.folder / locks.LOCK)], "install the lock")
            _make_world_readable(staging)
            check_imports(staging, import_names(lock.folder / locks.DECLARED), uid=check_uid, gid=check_gid)
            _write_record(staging, environment_record(staging, lock_sha256))
            (staging / STAMP).write_text(lock_sha256 + "\n")
            (staging / STAMP).chmod(0o644)
            if _install(staging, path, lock_sha256):
                log.info("runtime.built", runtime=name, path=str(path), digest=lock.digest)
        finally:
            # our build if another one won, the replaced runtime after an exchange
            shutil.rmtree(staging, ignore_errors=True)
    return path


def _check_python(venv: Path, lock: locks.RuntimeLock) -> None:
    version = _venv_python_version(venv)
    if version.split(".")[:2] != lock.python.split(".")[:2]:
        raise RuntimeBuildError(
            f"runtime {lock.name!r} is locked for Python {lock.python}, but {BASE_PYTHON} is {version}: "
            f"install Python {lock.python} there, or re-lock for {version}"
        )


def environment_record(path: Path, lock_sha256: str) -> dict[str, object]:
    """What the venv at ``path`` holds; its digest is the lock's, which pins all of it
    (hash-checked at install), so any two builds of one lock report the same digest."""
    return {
        "digest": "sha256:" + lock_sha256,
        "lock_sha256": lock_sha256,
        "python": _venv_python_version(path),
        "distributions": sorted(
            p.name.removesuffix(".dist-info") for p in path.glob("lib/python*/site-packages/*.dist-info")
        ),
    }


def runtime_digest(path: Path) -> str:
    """The digest of the runtime at ``path`` as recorded at its build.

    A runtime built before records existed is recorded now (its stamp names what it was
    built from); where the folder is read-only the digest is still computed, just not
    kept. ``RuntimeBuildError`` when ``path`` is no built runtime.
    """
    try:
        record = json.loads((path / RECORD).read_text())
        if isinstance(record, dict) and isinstance(record.get("digest"), str):
            return str(record["digest"])
    except (OSError, ValueError):
        pass
    try:
        built_from = (path / STAMP).read_text().split()[0]
    except (OSError, IndexError):
        raise RuntimeBuildError(f"{path} is not a built runtime (no {STAMP})") from None
    record = environment_record(path, built_from)
    with contextlib.suppress(OSError):
        _write_record(path, record)
    return str(record["digest"])


def _venv_python_version(path: Path) -> str:
    for line in (path / "pyvenv.cfg").read_text().splitlines():
        key, _, value = line.partition("=")
        if key.strip() in ("version", "version_info"):
            return value.strip()
    return ""


def _write_record(path: Path, record: dict[str, object]) -> None:
    tmp = path / f"{RECORD}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(record, indent=2) + "\n")
    tmp.chmod(0o644)
    os.replace(tmp, path / RECORD)  # readers see the whole record or none


_libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
AT_FDCWD = -100
RENAME_EXCHANGE = 2


def _install(staging: Path, path: Path, digest: str) -> bool:
    """Put the finished venv at ``path`` in one step; False if one with ``digest`` won.

    Afterwards ``staging`` holds whatever is to be deleted (ours, or the replaced one).
    """
    for _ in range(3):
        try:
            os.rename(staging, path)  # atomic; refused if ``path`` is a non-empty folder
            return True
        except OSError as exc:
            if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                raise
        with contextlib.suppress(OSError):
            if (path / STAMP).read_text().strip() == digest:
                return False  # another builder (without our lock) was first: use theirs
        # built from other requirements (or half-built by an older Holdout): swap them
        if _exchange(staging, path):
            return True
    raise RuntimeBuildError(f"could not put the built runtime at {path}")


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders atomically (``renameat2(RENAME_EXCHANGE)``); False if ``b`` vanished."""
    if _libc.renameat2(AT_FDCWD, str(a).encode(), AT_FDCWD, str(b).encode(), RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err == errno.ENOENT:
        return False
    if err not in (errno.EINVAL, errno.ENOSYS):
        raise OSError(err, f"exchange {a} and {b}: {os.strerror(err)}")
    # a file system without RENAME_EXCHANGE: move the old one away first (a short gap)
    old = a.with_name(a.name + ".old")
    os.rename(b, old)
    os.rename(a, b)
    os.rename(old, a)
    return True


def check_imports(path: Path, modules: list[str], *, uid: int | None = None, gid: int | None = None) -> None:
    """Import every module with the runtime's own Python; raise ``RuntimeBuildError``."""
    code = "import importlib, sys\nfor m in sys.argv[1:]:\n    importlib.import_module(m)\n"
    cmd = [str(runtime_python(path)), "-I", "-c", code, *modules]
    if uid is not None and os.geteuid() == 0:
        cmd = [
            "setpriv",
            f"--reuid={uid}",
            f"--regid={gid if gid is not None else uid}",
            "--clear-groups",
            *cmd,
        ]
    _run(cmd, "import test", cwd="/")


def _run(cmd: list[str], what: str, cwd: str | None = None) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd, check=False)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout)[-4000:]
        raise RuntimeBuildError(f"runtime build failed to {what} (exit {proc.returncode}):\n{tail}")


def _make_world_readable(path: Path) -> None:
    for dirpath, dirnames, filenames in os.walk(path):
        for d in dirnames:
            p = os.path.join(dirpath, d)
            if not os.path.islink(p):
                os.chmod(p, os.lstat(p).st_mode | 0o755)  # noqa: S103 - the sandbox user reads it
        for f in filenames:
            p = os.path.join(dirpath, f)
            st = os.lstat(p)
            if stat.S_ISREG(st.st_mode):
                extra = 0o044 | (0o011 if st.st_mode & stat.S_IXUSR else 0)
                os.chmod(p, st.st_mode | extra)
    os.chmod(path, 0o755)  # noqa: S103 - the sandbox user reads it


def _make_traversable_dirs(root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(root.stat().st_mode | 0o755)
    for parent in root.resolve().parents:
        if not parent.stat().st_mode & stat.S_IXOTH:
            log.warning(
                "runtime.parent_not_traversable",
                path=str(parent),
                hint="the sandbox user cannot reach the runtime; use a root under /var/lib or /opt",
            )


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    with path.open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
