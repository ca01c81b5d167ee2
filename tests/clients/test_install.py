"""`clients/python` installs alone in a fresh virtualenv and pulls no server dependency."""

from __future__ import annotations

import os
import subprocess
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SERVER_ONLY = {
    "sqlalchemy",
    "aio-pika",
    "azure-storage-blob",
    "kubernetes-asyncio",
    "scikit-learn",
    "fastapi",
    "uvicorn",
    "asyncpg",
    "alembic",
    "pandas",
    "holdout",
}


def test_the_client_installs_alone_without_any_server_dependency(tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, system_site_packages=False).create(env_dir)
    py = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "HOLDOUT_"))}
    # the dependencies come from pip's cache (or the index); the package itself from the checkout
    installed = subprocess.run(
        [
            str(py),
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--quiet",
            str(REPO / "clients/python"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    listed = subprocess.run(
        [str(py), "-m", "pip", "list", "--format=freeze", "--disable-pip-version-check"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    names = {line.split("==")[0].lower().replace("_", "-") for line in listed.splitlines() if "==" in line}
    assert "holdout-client" in names
    assert not names & SERVER_ONLY, names & SERVER_ONLY

    holdout = env_dir / ("Scripts/holdout.exe" if os.name == "nt" else "bin/holdout")
    shown = subprocess.run([str(holdout), "--help"], env=env, capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    for command in ("login", "submit", "leaderboard", "host", "pack", "download"):
        assert command in shown.stdout
    assert " up " not in shown.stdout and "migrate" not in shown.stdout  # the operator's are the server's
    imported = subprocess.run(
        [str(py), "-c", "import holdout_client, holdout_client.generated.api.submissions.create_submission"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert imported.returncode == 0, imported.stderr
