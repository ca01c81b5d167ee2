"""The `holdout` CLI as a separate process against a real gateway (its upstream services faked,
so runs stay queued): configuration, listings as JSON, cancelling, typed errors and exit codes.
The whole path with real runs is tests/e2e/test_cli_flow.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.gateway.test_fuzz_api import SLUG, Served, served  # noqa: F401  (the fixture)

HOLDOUT = str(Path(sys.executable).with_name("holdout"))


def holdout(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HOLDOUT, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_the_cli_lists_cancels_and_fails_clearly(served: Served, tmp_path: Path) -> None:  # noqa: F811
    base = {k: v for k, v in os.environ.items() if not k.startswith("HOLDOUT_")}
    token = served.as_participant["Authorization"].removeprefix("Bearer ")
    env = {**base, "HOLDOUT_URL": served.base_url, "HOLDOUT_TOKEN": token, "COLUMNS": "200"}

    listed = holdout("competitions", "list", "--json", env=env, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert [c["slug"] for c in json.loads(listed.stdout)] == [SLUG]

    subs = json.loads(holdout("submissions", "-c", SLUG, "--json", env=env, cwd=tmp_path).stdout)
    assert [s["id"] for s in subs] == [served.submission_id] and subs[0]["status"] == "queued"
    assert holdout("status", served.submission_id, env=env, cwd=tmp_path).stdout.strip() == "queued"
    cancelled = holdout("cancel", served.submission_id, env=env, cwd=tmp_path)
    assert cancelled.returncode == 0 and "cancelled" in cancelled.stdout, cancelled.stderr
    ended = holdout("status", served.submission_id, env=env, cwd=tmp_path)
    assert ended.returncode == 1 and "cancelled" in ended.stdout  # a run that did not score: exit 1
    again = holdout("cancel", served.submission_id, env=env, cwd=tmp_path)
    assert again.returncode == 1 and "409 submission-finished" in again.stderr

    team = json.loads(holdout("team", "show", "-c", SLUG, "--json", env=env, cwd=tmp_path).stdout)
    assert team["name"] == "alices" and team["invite_code"]
    board = holdout("leaderboard", SLUG, "--json", env=env, cwd=tmp_path)
    assert board.returncode == 0 and json.loads(board.stdout) == []

    # no token at all, a wrong one, an unknown competition: a message and a non-zero exit each
    anonymous = {**base, "HOLDOUT_URL": served.base_url, "XDG_CONFIG_HOME": str(tmp_path / "none")}
    missing = holdout("submissions", "-c", SLUG, env=anonymous, cwd=tmp_path)
    assert missing.returncode == 2 and "holdout login" in missing.stderr
    wrong = holdout("whoami", env={**anonymous, "HOLDOUT_TOKEN": "hdt_wrong"}, cwd=tmp_path)
    assert wrong.returncode == 1 and "401 invalid-token" in wrong.stderr
    unknown = holdout("competitions", "show", "nope", env=env, cwd=tmp_path)
    assert unknown.returncode == 1 and "404" in unknown.stderr
    down = holdout("competitions", "list", env={**env, "HOLDOUT_URL": "http://127.0.0.1:9"}, cwd=tmp_path)
    assert down.returncode == 1 and "Cannot reach" in down.stderr
