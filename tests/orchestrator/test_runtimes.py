"""Runtimes: built once from the repository's locks (hash-checked), readable by the sandbox user."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from services.orchestrator.executors.local.runtimes import (
    RECORD,
    STAMP,
    RuntimeBuildError,
    build_runtime,
    declared_file,
    import_names,
    is_built,
    runtime_digest,
    runtime_path,
)
from shared.runtime_locks import DECLARED, LOCK, file_sha256, lock_header
from tests.orchestrator.conftest import needs_sandbox


def test_default_runtime_pins_the_platform_versions() -> None:
    pins = dict(
        line.split("==") for line in declared_file("default").read_text().splitlines() if "==" in line
    )
    assert pins == {
        "numpy": "2.4.6",
        "pandas": "3.1.1",
        "scikit-learn": "1.9.1",
        "scipy": "1.17.1",
        "joblib": "1.6.0",
    }
    assert import_names(declared_file("default")) == ["numpy", "pandas", "sklearn", "scipy", "joblib"]


def test_runtime_names_cannot_climb_out_of_the_root(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="invalid runtime name"):
        runtime_path("../etc", tmp_path)


def test_unknown_runtime_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RuntimeBuildError, match="unknown runtime 'nope'"):
        build_runtime("nope", tmp_path / "rt")


@needs_sandbox
def test_built_runtime_is_reused_and_readable_by_the_sandbox_user(runtimes_dir: Path) -> None:
    stamp = runtimes_dir / "default" / STAMP
    before = stamp.stat().st_mtime_ns
    assert is_built("default", runtimes_dir)
    assert build_runtime("default", runtimes_dir) == runtimes_dir / "default"
    assert stamp.stat().st_mtime_ns == before  # not rebuilt
    out = subprocess.run(
        [
            "setpriv",
            "--reuid=64000",
            "--regid=64000",
            "--clear-groups",
            str(runtimes_dir / "default" / "bin" / "python"),
            "-c",
            "import sklearn, sys; print(sys.prefix)",
        ],
        capture_output=True,
        text=True,
        cwd="/",
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(runtimes_dir / "default")
    assert os.stat(runtimes_dir).st_mode & 0o005 == 0o005


# two checkouts building the same runtime at once, as under the shared /var/lib/holdout
BUILD = """
import sys
from pathlib import Path
from services.orchestrator.executors.local.runtimes import build_runtime
print(build_runtime("tiny", Path(sys.argv[1]), Path(sys.argv[2]), check_uid=64000, check_gid=64000))
"""


@needs_sandbox
def test_concurrent_builds_never_show_a_half_built_runtime_and_share_one(data_dir: Path) -> None:
    requirements = data_dir / "requirements"
    (requirements / "tiny").mkdir(parents=True)
    (requirements / "tiny" / DECLARED).write_text("# the standard library is enough\n")
    declared_sha256 = file_sha256(requirements / "tiny" / DECLARED)
    (requirements / "tiny" / LOCK).write_text(lock_header(declared_sha256) + "# nothing to install\n")
    root = data_dir / "runtimes"
    target = root / "tiny"
    builders = [
        subprocess.Popen(
            [sys.executable, "-c", BUILD, str(root), str(requirements)],
            cwd=Path(__file__).resolve().parents[2],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    half_built: set[str] = set()
    while any(b.poll() is None for b in builders):
        # whoever looks (an executor, the other checkout) sees a complete runtime or none
        if target.exists() and not (target / STAMP).exists():
            half_built.update(os.listdir(target))
        time.sleep(0.002)
    outputs = [b.communicate() for b in builders]
    assert [b.returncode for b in builders] == [0, 0], outputs
    assert not half_built, f"a half-built runtime was visible at {target}: {sorted(half_built)}"
    assert [out.strip().splitlines()[-1] for out, _ in outputs] == [str(target)] * 2
    built = sum((out + err).count("runtime.build_started") for out, err in outputs)
    assert built == 1  # the loser used the winner's
    assert is_built("tiny", root, requirements)
    assert sorted(p.name for p in root.iterdir()) == [".tiny.lock", "tiny"]  # no temporary folder left
    # the build recorded what it made: Python version and a content digest
    record = json.loads((target / RECORD).read_text())
    assert (
        record["python"]
        == subprocess.run(
            [str(target / "bin" / "python"), "-c", "import platform; print(platform.python_version())"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    assert record["digest"].startswith("sha256:") and runtime_digest(target) == record["digest"]
    assert subprocess.run(
        [str(target / "bin" / "python"), "-c", "import sys; print(sys.prefix)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip() == str(target)


def test_a_runtime_built_before_records_gets_its_digest_from_its_stamp(tmp_path: Path) -> None:
    """A runtime with only its stamp (the lock's sha256) is recorded on first use, with
    the same digest its build would have recorded."""
    venv = tmp_path / "old"
    site = venv / "lib" / "python3.11" / "site-packages"
    (site / "numpy-2.4.6.dist-info").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.11.2\n")
    (venv / STAMP).write_text("ab" * 32 + "\n")
    assert runtime_digest(venv) == "sha256:" + "ab" * 32
    record = json.loads((venv / RECORD).read_text())
    assert record["digest"] == "sha256:" + "ab" * 32 and record["distributions"] == ["numpy-2.4.6"]
    with pytest.raises(RuntimeBuildError, match="not a built runtime"):
        runtime_digest(tmp_path / "nothing")
