"""Runtimes: built once from the repository's requirements, readable by the sandbox user."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from services.orchestrator.runtimes import (
    STAMP,
    RuntimeBuildError,
    build_runtime,
    import_names,
    is_built,
    requirements_file,
    runtime_path,
)
from tests.orchestrator.conftest import needs_sandbox


def test_default_runtime_pins_the_platform_versions() -> None:
    pins = dict(
        line.split("==") for line in requirements_file("default").read_text().splitlines() if "==" in line
    )
    assert pins == {
        "numpy": "2.4.6",
        "pandas": "3.1.1",
        "scikit-learn": "1.9.1",
        "scipy": "1.17.1",
        "joblib": "1.6.0",
    }
    assert import_names(requirements_file("default")) == ["numpy", "pandas", "sklearn", "scipy", "joblib"]


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
