"""Fixtures for the orchestrator: a real sandbox runtime, built once and cached.

The runtime venv takes about half a minute to build, so it is kept under
``/var/tmp/holdout-test-runtimes/<hash of the requirements>/`` across test sessions; a
changed requirements file builds a new one. Every parent is 0755 so the sandbox user
can reach it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from services.orchestrator.runtimes import (
    REPO_RUNTIMES_DIR,
    build_runtime,
    requirements_digest,
    requirements_file,
)

TEST_RUNTIMES_ROOT = Path(os.environ.get("HOLDOUT_TEST_RUNTIMES_ROOT", "/var/tmp/holdout-test-runtimes"))

needs_sandbox = pytest.mark.skipif(
    shutil.which("bwrap") is None or os.geteuid() != 0,
    reason="the sandbox tests need bubblewrap and root (to drop to the sandbox user)",
)


@pytest.fixture(scope="session")
def runtimes_dir() -> Path:
    """A runtimes root holding the built ``default`` runtime (see ``OrchestratorSettings.runtimes_dir``)."""
    digest = requirements_digest(requirements_file("default"))[:16]
    root = TEST_RUNTIMES_ROOT / digest
    root.mkdir(parents=True, exist_ok=True)
    for path in (TEST_RUNTIMES_ROOT, root):
        path.chmod(0o755)
    build_runtime("default", root, REPO_RUNTIMES_DIR, check_uid=64000, check_gid=64000)
    return root


@pytest.fixture(scope="session")
def default_runtime(runtimes_dir: Path) -> Path:
    return runtimes_dir / "default"
