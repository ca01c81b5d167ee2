"""``holdout runtime show|export`` against a real gateway: a participant writes the lock of
a runtime and installs the same packages at home."""

from __future__ import annotations

import json
import os
from pathlib import Path

from shared.runtime_locks import REPO_RUNTIMES_DIR, read_lock
from tests.clients.test_cli import holdout
from tests.gateway.test_fuzz_api import Served, served  # noqa: F401  (the fixture)


def test_a_participant_exports_a_runtime_lock_and_sees_its_packages(served: Served, tmp_path: Path) -> None:  # noqa: F811
    base = {k: v for k, v in os.environ.items() if not k.startswith("HOLDOUT_")}
    env = {
        **base,
        "HOLDOUT_URL": served.base_url,
        "XDG_CONFIG_HOME": str(tmp_path / "none"),
        "COLUMNS": "200",
    }
    lock = read_lock(REPO_RUNTIMES_DIR, "default")

    exported = holdout("runtime", "export", "default", env=env, cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert (tmp_path / "requirements.txt").read_text() == lock.text
    assert lock.digest in exported.stdout and "--require-hashes" in exported.stdout
    holdout("runtime", "export", "default-gpu", "-o", "gpu.lock", env=env, cwd=tmp_path)
    assert (tmp_path / "gpu.lock").read_text() == read_lock(REPO_RUNTIMES_DIR, "default-gpu").text

    shown = holdout("runtime", "show", "default", "--json", env=env, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    packages = {p["name"]: p["version"] for p in json.loads(shown.stdout)["packages"]}
    assert packages == {p.name: p.version for p in lock.packages}
    table = holdout("runtime", "show", "default", env=env, cwd=tmp_path)
    assert "scikit-learn" in table.stdout and "1.9.1" in table.stdout

    unknown = holdout("runtime", "export", "nope", env=env, cwd=tmp_path)
    assert unknown.returncode == 1 and "404 runtime-not-found" in unknown.stderr
    assert not (tmp_path / "nope").exists()
