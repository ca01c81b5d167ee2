"""``holdout runtime lock NAME`` (and ``make lock-runtimes``): re-lock a runtime folder.

Resolves ``runtimes/<name>/requirements.in`` with uv (``uv pip compile --universal
--generate-hashes``, from PyPI's metadata alone: a GPU runtime's CUDA wheels are pinned
without being downloaded) into ``requirements.lock``, headed by the sha256 of the
declared file it was made from (``shared.runtime_locks``), and writes the folder's
``README.md`` from the two. Universal, so the lock installs on a participant's own
machine too (platform-only wheels such as NVIDIA's carry their markers).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from shared.runtime_locks import (
    DECLARED,
    LOCK,
    LOCK_PYTHON,
    README,
    RELOCK_COMMAND,
    RuntimeLock,
    RuntimeLockError,
    check_name,
    file_sha256,
    lock_header,
    read_fresh_lock,
    read_lock,
)

UV_COMPILE = [
    "pip",
    "compile",
    DECLARED,
    "--universal",
    "--generate-hashes",
    f"--python-version={LOCK_PYTHON}",
    "--no-header",
    "--no-config",
    "--quiet",
]


def lock_runtime(runtimes_dir: Path, name: str) -> RuntimeLock:
    """Write ``requirements.lock`` and ``README.md`` of runtime ``name``; return the new lock."""
    folder = Path(runtimes_dir) / check_name(name)
    declared = folder / DECLARED
    if not declared.is_file():
        raise RuntimeLockError(f"unknown runtime {name!r}: {declared} does not exist")
    with tempfile.TemporaryDirectory(prefix="holdout-lock-") as tmp:
        out = Path(tmp) / LOCK
        env = {k: v for k, v in os.environ.items() if not k.startswith("VIRTUAL_ENV")}
        proc = subprocess.run(
            [sys.executable, "-m", "uv", *UV_COMPILE, "-o", str(out)],
            cwd=folder,
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeLockError(
                f"could not lock runtime {name!r}:\n{(proc.stderr or proc.stdout)[-4000:]}"
            )
        body = out.read_text()
    header = (
        f'# The locked "{name}" runtime: every distribution it installs, pinned, with hashes.\n'
        f"# Made from {DECLARED} by `holdout runtime lock {name}` ({RELOCK_COMMAND}); do not edit.\n"
    )
    _write(folder / LOCK, header + lock_header(file_sha256(declared)) + body)
    lock = read_lock(runtimes_dir, name)
    _write(folder / README, render_readme(lock))
    return lock


def render_readme(lock: RuntimeLock) -> str:
    """The folder's README: what the runtime is for, what it declares, what it installs."""
    intro = []
    for line in (lock.folder / DECLARED).read_text().splitlines():
        if not line.startswith("#"):
            break
        intro.append(line.lstrip("#").strip())
    rows = [f"| {p.name} | {p.version} | {p.marker or 'everywhere'} |" for p in lock.packages]
    return "\n".join(
        [
            f"# The `{lock.name}` runtime",
            "",
            *([" ".join(intro), ""] if intro else []),
            f"Python {lock.python}. Declared in `{DECLARED}`, locked with hashes in `{LOCK}`; its version "
            f"is the lock's sha256, `{lock.digest}`, which execution records report and runtime images "
            "are tagged with. This file is written with the lock: edit `requirements.in`, then run "
            f"`{RELOCK_COMMAND}` (or `holdout runtime lock {lock.name}`) and commit all three.",
            "",
            "Install it at home (or `holdout runtime export "
            f"{lock.name}`): `pip install --require-hashes --no-deps -r {LOCK}`.",
            "",
            "## Declared packages",
            "",
            *(f"- `{line}`" for line in lock.declared),
            "",
            f"## Locked distributions ({len(lock.packages)})",
            "",
            "| package | version | installed |",
            "|---|---|---|",
            *rows,
            "",
        ]
    )


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def check_runtime(runtimes_dir: Path, name: str) -> RuntimeLock:
    """The runtime's lock, made from its declared packages as they are now, with its README
    written from it; ``RuntimeLockError`` saying what to run otherwise."""
    lock = read_fresh_lock(runtimes_dir, name)
    readme = lock.folder / README
    if not readme.is_file() or readme.read_text() != render_readme(lock):
        raise RuntimeLockError(
            f"runtime {name!r}: {readme} does not list what {LOCK} holds; run `{RELOCK_COMMAND}`"
        )
    return lock
