"""The operator's commands: migrate, create users, refuse bad invocations clearly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HOLDOUT = str(Path(sys.executable).with_name("holdout"))


def run(
    *args: str, data_dir: Path, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOLDOUT_")}
    env["HOLDOUT_DATA_DIR"] = str(data_dir)
    env.update(extra_env or {})
    return subprocess.run([HOLDOUT, *args], env=env, capture_output=True, text=True, timeout=120)


def test_migrate_then_create_user_prints_only_the_token(tmp_path: Path) -> None:
    migrated = run("migrate", data_dir=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    assert migrated.stdout.splitlines() == [
        f"{s}: migrated to head" for s in ("gateway", "orchestrator", "scorer", "leaderboard")
    ]
    assert {p.name for p in tmp_path.glob("*.db")} == {
        "gateway.db",
        "orchestrator.db",
        "scorer.db",
        "leaderboard.db",
    }

    created = run("admin", "create-user", "alice", "--host", data_dir=tmp_path)
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    assert token.startswith("hdt_") and len(token) > 40 and "\n" not in token
    # only the hash is stored: the token itself is nowhere in the database file
    assert token.encode() not in (tmp_path / "gateway.db").read_bytes()


def test_a_taken_username_is_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    assert run("migrate", "gateway", data_dir=tmp_path).returncode == 0
    assert run("admin", "create-user", "bob", data_dir=tmp_path).returncode == 0
    again = run("admin", "create-user", "bob", data_dir=tmp_path)
    assert again.returncode == 1
    assert "the username 'bob' is taken" in again.stderr
    assert "Traceback" not in again.stderr and again.stdout == ""


def test_serve_alone_needs_a_broker_and_a_known_service(tmp_path: Path) -> None:
    alone = run("serve", "gateway", data_dir=tmp_path)
    assert alone.returncode != 0 and "set HOLDOUT_AMQP_URL" in alone.stderr + alone.stdout
    unknown = run("serve", "nope", data_dir=tmp_path)
    assert unknown.returncode != 0 and "unknown service 'nope'" in unknown.stderr


def test_serve_refuses_to_start_without_the_service_credential(tmp_path: Path) -> None:
    # production must configure the secret: no service alone makes one up
    for service in ("gateway", "orchestrator", "scorer", "leaderboard"):
        alone = run(
            "serve",
            service,
            data_dir=tmp_path,
            extra_env={"HOLDOUT_AMQP_URL": "amqp://guest:guest@127.0.0.1:1/"},
        )
        assert alone.returncode != 0
        assert f"holdout serve {service}: set HOLDOUT_INTERNAL_TOKEN" in alone.stderr + alone.stdout
        assert "Traceback" not in alone.stderr
    assert not (tmp_path / "internal-token").exists()
    short = run(
        "serve",
        "scorer",
        data_dir=tmp_path,
        extra_env={"HOLDOUT_AMQP_URL": "amqp://guest:guest@127.0.0.1:1/", "HOLDOUT_INTERNAL_TOKEN": "short"},
    )
    assert short.returncode != 0 and "internal_token" in short.stderr
