"""Orchestrator fixtures. The sandbox runtime fixtures live in ``tests/conftest.py``."""

from __future__ import annotations

import os
import shutil

import pytest


@pytest.fixture
def sandbox_available() -> None:
    """The sandbox tests need bubblewrap and root (to drop to the sandbox user).

    They fail, not skip, without them: `make test` installs bubblewrap, and a skipped
    security test is not a passing one."""
    if shutil.which("bwrap") is None:
        pytest.fail("bubblewrap is not installed: run `make test`, which installs it")
    if os.geteuid() != 0:
        pytest.fail("the sandbox tests must run as root, to drop privileges to the sandbox user")


needs_sandbox = pytest.mark.usefixtures("sandbox_available")
