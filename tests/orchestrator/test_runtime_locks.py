"""Runtime folders and their locks: every runtime in the repository is locked from its
declared packages (with hashes), a change without re-locking is caught by this suite and
by ``holdout runtime build``, and the local sandbox installs from the lock alone."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from holdout.runtime_lock import lock_runtime, render_readme
from services.orchestrator.executors.local.runtimes import (
    REPO_RUNTIMES_DIR,
    RuntimeBuildError,
    build_runtime,
    import_names,
    runtime_python,
)
from shared.runtime_locks import (
    DECLARED,
    LOCK,
    README,
    StaleLockError,
    declared_names,
    read_fresh_lock,
    runtime_names,
)

PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*==")


def test_every_runtime_is_locked_with_hashes_from_its_declared_packages() -> None:
    names = runtime_names(REPO_RUNTIMES_DIR)
    assert {"default", "default-gpu"} <= set(names)
    for name in names:
        # fails when runtimes/NAME/requirements.in changed without `make lock-runtimes`
        lock = read_fresh_lock(REPO_RUNTIMES_DIR, name)
        locked = {p.name: p.version for p in lock.packages}
        for line in lock.declared:
            declared, _, version = line.partition("==")
            assert locked.get(declared.lower()) == version, f"{name}: {line} is not what the lock pins"
        # every pinned distribution carries at least one hash (pip --require-hashes needs it)
        lines = lock.text.splitlines()
        for i, line in enumerate(lines):
            if PIN.match(line):
                assert lines[i + 1].strip().startswith("--hash=sha256:"), f"{name}: {line} has no hash"
        assert len(lock.packages) == sum(1 for line in lines if PIN.match(line))
        # the README lists what is in it, written with the lock
        assert (lock.folder / README).read_text() == render_readme(lock), f"{name}: run make lock-runtimes"


def test_the_gpu_runtime_pins_the_cuda_wheels_for_linux_only() -> None:
    lock = read_fresh_lock(REPO_RUNTIMES_DIR, "default-gpu")
    packages = {p.name: p for p in lock.packages}
    assert packages["torch"].version == "2.14.1" and packages["torch"].marker is None
    nvidia = [p for p in lock.packages if p.name.startswith("nvidia-")]
    assert any(p.name == "nvidia-cublas" for p in nvidia) and "nvidia-cudnn-cu13" in packages
    assert all(p.marker is not None and "sys_platform == 'linux'" in p.marker for p in nvidia)
    # the CPU runtime's packages at the same versions: a model moves between the two
    default = {p.name: p.version for p in read_fresh_lock(REPO_RUNTIMES_DIR, "default").packages}
    assert {n: packages[n].version for n in default} == default


@pytest.fixture
def runtimes_copy(tmp_path: Path) -> Path:
    root = tmp_path / "runtimes"
    shutil.copytree(REPO_RUNTIMES_DIR / "default", root / "default")
    return root


def test_a_declared_change_without_relocking_is_caught_before_anything_is_built(
    runtimes_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    declared = runtimes_copy / "default" / DECLARED
    declared.write_text(declared.read_text() + "pillow==12.0.0\n")
    with pytest.raises(
        StaleLockError, match=r"changed since .*requirements.lock was made.*make lock-runtimes"
    ):
        read_fresh_lock(runtimes_copy, "default")
    with pytest.raises(RuntimeBuildError, match="run `make lock-runtimes`"):
        build_runtime("default", tmp_path / "built", runtimes_copy)
    assert not (tmp_path / "built" / "default").exists()

    from holdout_client.cli import app, load_plugins

    load_plugins(app)
    monkeypatch.setenv("HOLDOUT_RUNTIMES_DIR", str(tmp_path / "built"))
    monkeypatch.setenv("HOLDOUT_RUNTIMES_REQUIREMENTS_DIR", str(runtimes_copy))
    result = CliRunner().invoke(app, ["runtime", "build", "default"])
    assert result.exit_code == 1
    assert "requirements.in changed since" in result.output and "make lock-runtimes" in result.output


def test_a_runtime_without_a_lock_says_how_to_make_one(runtimes_copy: Path, tmp_path: Path) -> None:
    (runtimes_copy / "default" / LOCK).unlink()
    with pytest.raises(RuntimeBuildError, match=r"has no lock .*holdout runtime lock default"):
        build_runtime("default", tmp_path / "built", runtimes_copy)


def test_a_locked_runtime_installs_with_hashes_and_a_wrong_hash_is_refused(tmp_path: Path) -> None:
    """Lock a one-package runtime with uv (from PyPI), build it, then tamper with a hash."""
    root = tmp_path / "runtimes"
    (root / "tiny").mkdir(parents=True)
    (root / "tiny" / DECLARED).write_text("# A runtime of one small package.\nsix\n")
    lock = lock_runtime(root, "tiny")
    assert [p.name for p in lock.packages] == ["six"] and read_fresh_lock(root, "tiny") == lock
    assert "| six |" in (root / "tiny" / README).read_text()
    built = build_runtime("tiny", tmp_path / "built", root)
    out = subprocess.run(
        [str(runtime_python(built)), "-c", "import six; print(six.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == lock.packages[0].version
    assert import_names(root / "tiny" / DECLARED) == ["six"] == declared_names("six\n")

    text = (root / "tiny" / LOCK).read_text()
    tampered = re.sub(r"--hash=sha256:[0-9a-f]{64}", "--hash=sha256:" + "0" * 64, text)
    (root / "tiny" / LOCK).write_text(tampered)  # declared file unchanged, so not stale
    with pytest.raises(RuntimeBuildError, match=r"(?s)install the lock.*DO NOT MATCH THE HASHES"):
        build_runtime("tiny", tmp_path / "built", root)
    assert (built / "bin" / "python").exists()  # the runtime built before is left as it was
