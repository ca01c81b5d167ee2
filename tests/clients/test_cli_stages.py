"""`holdout stages`, `holdout leaderboard --stage` and `holdout scoring-program upload` as
separate processes against a real gateway (its upstream services faked: boards are empty,
no scoring run can be tried): adding and listing stages, the API's refusals as messages
and exit codes."""

from __future__ import annotations

import json
import os
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.clients.test_cli import holdout
from tests.gateway.test_fuzz_api import SLUG, Served, served  # noqa: F401  (the fixture)


def test_stages_are_added_listed_and_refused_clearly(served: Served, tmp_path: Path) -> None:  # noqa: F811
    base = {k: v for k, v in os.environ.items() if not k.startswith("HOLDOUT_")}
    as_host = {**base, "HOLDOUT_URL": served.base_url, "COLUMNS": "200", "NO_COLOR": "1"}
    as_host["HOLDOUT_TOKEN"] = served.as_host["Authorization"].removeprefix("Bearer ")
    as_player = {**as_host, "HOLDOUT_TOKEN": served.as_participant["Authorization"].removeprefix("Bearer ")}

    # the first stage is the competition's own: open, taking uploads, no feed
    (first,) = json.loads(holdout("stages", "list", SLUG, "--json", env=as_player, cwd=tmp_path).stdout)
    assert (first["position"], first["accepts_submissions"], first["feed"]) == (1, True, None)

    # stage 1 has no schedule, so stage 2 needs an opening time; naive times are UTC
    opens = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0, tzinfo=None)
    added = holdout(
        "stages", "add", SLUG, "--name", "Finals", "--opens", opens.isoformat(),
        "--no-uploads", "--feed", "finals", "--json", env=as_host, cwd=tmp_path,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    stage = json.loads(added.stdout)
    assert (stage["position"], stage["name"], stage["accepts_submissions"], stage["feed"]) == (
        2, "Finals", False, "finals",
    )  # fmt: skip
    assert datetime.fromisoformat(stage["opens_at"]) == opens.replace(tzinfo=UTC)

    listed = holdout("stages", "list", SLUG, env=as_player, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    lines = [line for line in listed.stdout.splitlines() if "Finals" in line]
    assert len(lines) == 1 and "upcoming" in lines[0] and "evaluation only" in lines[0]
    assert "re-runs finals of stage 1" in lines[0]

    # the API's refusals: not the host, a schedule that runs backwards, an evaluation-only
    # stage that runs nothing; a bad option never leaves the machine
    not_host = holdout("stages", "add", SLUG, "--name", "Mine", env=as_player, cwd=tmp_path)
    assert not_host.returncode == 1 and "403" in not_host.stderr
    backwards = holdout(
        "stages", "add", SLUG, "--name", "Early", "--opens", "2020-01-01T00:00:00Z", env=as_host, cwd=tmp_path
    )
    assert backwards.returncode == 1 and "invalid-schedule" in backwards.stderr, backwards.stderr
    later = (opens + timedelta(days=2)).isoformat()
    idle = holdout(
        "stages", "add", SLUG, "--name", "Idle", "--opens", later, "--no-uploads", env=as_host, cwd=tmp_path
    )
    assert idle.returncode == 1 and "invalid-feed" in idle.stderr, idle.stderr
    bad_feed = holdout("stages", "add", SLUG, "--name", "X", "--feed", "some", env=as_host, cwd=tmp_path)
    assert bad_feed.returncode == 2 and "finals, all" in bad_feed.stderr
    bad_time = holdout("stages", "add", SLUG, "--name", "X", "--opens", "tomorrow", env=as_host, cwd=tmp_path)
    assert bad_time.returncode == 2 and "ISO 8601" in bad_time.stderr
    assert len(json.loads(holdout("stages", "list", SLUG, "--json", env=as_player, cwd=tmp_path).stdout)) == 2

    # each stage has its board; an unknown stage is a clear 404
    for position in ("1", "2"):
        board = holdout("leaderboard", SLUG, "--stage", position, "--json", env=as_player, cwd=tmp_path)
        assert board.returncode == 0 and json.loads(board.stdout) == [], board.stderr
    shown = holdout("leaderboard", SLUG, "--stage", "1", env=as_player, cwd=tmp_path)
    assert "accuracy (ranks)" in shown.stdout and "stage 1" in shown.stdout
    csv = holdout("leaderboard", SLUG, "--stage", "1", "--csv", env=as_player, cwd=tmp_path).stdout
    assert csv.splitlines() == ["rank,team_name,score,accuracy,submission_id,submitted_at"]
    unknown = holdout("leaderboard", SLUG, "--stage", "9", env=as_player, cwd=tmp_path)
    assert unknown.returncode == 1 and "404 stage-not-found" in unknown.stderr

    # a scoring program is a form with the program and its reference predictions; this stage
    # has no smoke sample to try it on, which the API says
    program = tmp_path / "program.zip"
    with zipfile.ZipFile(program, "w") as z:
        z.writestr("score.py", "print('scoring')\n")
    reference = tmp_path / "preds.csv"
    reference.write_text("id,target\n1,0\n")
    args = ("scoring-program", "upload", SLUG, str(program), "--stage", "1")
    tried = holdout(*args, "--reference", str(reference), env=as_host, cwd=tmp_path)
    assert tried.returncode == 1 and "409 no-smoke-sample" in tried.stderr, tried.stderr
    unreferenced = holdout(*args, env=as_host, cwd=tmp_path)
    assert unreferenced.returncode == 2 and "--reference" in unreferenced.stderr
