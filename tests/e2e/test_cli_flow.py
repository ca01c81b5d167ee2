"""The participant's and the host's whole path through the `holdout` CLI, each command a separate
process against `holdout up`: login, host create/upload (data, labels, smoke sample, participant
files), rules, download, pack, submit --wait (a smoke run, a scored run and a failing one), logs,
boards, teams, finals, rescore, reveal, export."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from holdout.digits import COMPETITION, DigitsData
from holdout.processes import HOLDOUT
from tests.e2e.conftest import Platform
from tests.support import eventually

pytestmark = pytest.mark.e2e


class User:
    """One person at their own terminal: their own config folder, nothing else from the tests."""

    def __init__(self, platform: Platform, home: Path) -> None:
        home.mkdir(parents=True)
        self.home = home
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("HOLDOUT_")}
        self.env.update(XDG_CONFIG_HOME=str(home / "config"), COLUMNS="200", NO_COLOR="1")
        self.url = platform.gateway_url

    def run(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [HOLDOUT, *args], env=self.env, cwd=self.home, capture_output=True, text=True, timeout=300
        )
        if ok:
            assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done

    def json(self, *args: str) -> object:
        return json.loads(self.run(*args, "--json").stdout)


def _unzip(archive: Path, dest: Path) -> Path:
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(dest)
    return dest


async def test_participant_and_host_through_the_cli(
    embedded: Platform, digits: DigitsData, digits_zips: dict[str, Path], tmp_path: Path
) -> None:
    async with embedded.client() as admin:
        tokens = {
            name: (await admin.create_user(name, is_host=name == "host"))["token"]
            for name in ("host", "ada", "linus", "grace")
        }
    people = {name: User(embedded, tmp_path / name) for name in tokens}
    for name, person in people.items():
        logged = person.run("login", "--url", embedded.gateway_url, "--token", tokens[name])
        assert f"as {name}" in logged.stderr
        saved = person.home / "config" / "holdout" / "config.json"
        assert stat.S_IMODE(saved.stat().st_mode) == 0o600
        assert person.json("whoami")["username"] == name  # type: ignore[index]
    host, ada, linus, grace = (people[n] for n in ("host", "ada", "linus", "grace"))
    wrong = User(embedded, tmp_path / "nobody")
    refused = wrong.run("login", "--url", embedded.gateway_url, "--token", "hdt_not-a-token", ok=False)
    assert refused.returncode == 1 and "invalid-token" in refused.stderr

    # the host: a competition from a TOML file, its data and labels uploaded
    spec = host.home / "digits.toml"
    limits = COMPETITION["limits"]
    spec.write_text(
        'slug = "digits-cli"\ntitle = "Digits"\nmetric = "accuracy"\nid_column = "id"\n'
        'target_columns = ["label"]\ndaily_quota = 20\nrules = "Be kind. One account each."\n'
        f"[limits]\ntime_limit_s = {limits['time_limit_s']}\nmemory_mb = {limits['memory_mb']}\n"  # type: ignore[index]
    )
    created = host.json("host", "create", str(spec))
    assert created["slug"] == "digits-cli"  # type: ignore[index]
    assert (
        "features.csv"
        in host.run("host", "upload", "features", str(digits.features), "-c", "digits-cli").stdout
    )
    assert host.json("host", "upload", "labels", str(digits.labels), "-c", "digits-cli")["rows"] > 0  # type: ignore[index]
    smoke_features, smoke_labels = host.home / "smoke.csv", host.home / "smoke-labels.csv"
    smoke_features.write_text("".join(digits.features.read_text().splitlines(True)[:21]))
    smoke_labels.write_text("".join(digits.labels.read_text().splitlines(True)[:21]))
    host.run(
        "host", "upload", "smoke-features", str(smoke_features), "-c", "digits-cli", "--name", "features.csv"
    )
    host.run("host", "upload", "smoke-labels", str(smoke_labels), "-c", "digits-cli")
    attached = host.json(
        "host", "upload", "file", str(digits.train), "-c", "digits-cli", "--kind", "training"
    )
    assert attached["filename"] == "train.csv" and attached["kind"] == "training"  # type: ignore[index]

    # ada: finds it, packs a folder (debris left out), submits and waits for the score
    listed = ada.json("competitions", "list")
    assert "digits-cli" in [c["slug"] for c in listed]  # type: ignore[union-attr,index]
    assert "accuracy" in ada.run("competitions", "show", "digits-cli").stdout
    # nothing before the rules are accepted; then the files and the smoke sample come down
    gated = ada.run("download", "digits-cli", ok=False)
    assert gated.returncode == 1 and "rules-not-accepted" in gated.stderr
    assert "Be kind" in ada.run("rules", "digits-cli").stdout
    for person in (ada, linus, grace):
        assert "accepted" in person.run("rules", "digits-cli", "--accept").stdout
    downloaded = ada.run("download", "digits-cli", "--dest", "data").stdout
    assert "train.csv" in downloaded and "digits-cli-smoke.zip" in downloaded
    assert (ada.home / "data" / "train.csv").read_bytes() == digits.train.read_bytes()
    with zipfile.ZipFile(ada.home / "data" / "digits-cli-smoke.zip") as zf:
        assert {"competition.json", "labels.csv"} <= set(zf.namelist())
    folder = _unzip(digits_zips["strong"], ada.home / "strong")
    (folder / ".git").mkdir()
    (folder / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "main.cpython-311.pyc").write_bytes(b"\0")
    ada.run("pack", str(folder), "-o", "strong.zip")
    with zipfile.ZipFile(ada.home / "strong.zip") as zf:
        assert not [n for n in zf.namelist() if n.startswith((".git", "__pycache__"))]
    smoke = ada.run("submit", "strong.zip", "-c", "digits-cli", "--smoke", "--wait")
    assert "scored:" in smoke.stdout, (smoke.stdout, smoke.stderr, embedded.dump_logs())
    # the smoke sample as downloaded is what `holdout test-submission` takes (the server package's)
    ada.env["HOLDOUT_RUNTIMES_DIR"] = embedded.env["HOLDOUT_RUNTIMES_DIR"]
    local = ada.run("test-submission", "strong.zip", "--competition", "data/digits-cli-smoke.zip")
    assert "score: accuracy" in local.stdout, local.stdout
    del ada.env["HOLDOUT_RUNTIMES_DIR"]
    scored = ada.run("submit", "strong.zip", "-c", "digits-cli", "--wait")
    assert "scored:" in scored.stdout, (scored.stdout, scored.stderr, embedded.dump_logs())
    mine, smoke_run = ada.json("submissions", "-c", "digits-cli")  # type: ignore[misc]
    assert smoke_run["is_smoke"] and not mine["is_smoke"]
    assert mine["status"] == "scored" and mine["public_score"] > 0.9
    assert "predicted" in ada.run("logs", mine["id"]).stdout
    assert "predicted" in ada.run("logs", mine["id"], "--follow").stdout  # ended: prints it and stops
    assert ada.json("status", mine["id"])["status"] == "scored"  # type: ignore[index]

    board = await eventually(
        lambda: ada.json("leaderboard", "digits-cli"), 60, interval=0.2, what="the score on the board"
    )
    assert board[0]["team_name"] == "ada" and board[0]["rank"] == 1  # type: ignore[index]
    assert board[0]["scores"]["accuracy"] == board[0]["score"]  # type: ignore[index]
    # a stage's board, each column at its precision (accuracy's default: 4 places)
    staged = ada.run("leaderboard", "digits-cli", "--stage", "1").stdout
    assert "accuracy (ranks)" in staged and f"{board[0]['score']:.4f}" in staged  # type: ignore[index]
    anonymous = User(embedded, tmp_path / "anonymous")
    anonymous.env["HOLDOUT_URL"] = embedded.gateway_url
    assert "ada" in anonymous.run("leaderboard", "digits-cli").stdout
    hidden = ada.run("leaderboard", "digits-cli", "--private", ok=False)
    assert hidden.returncode == 1 and "not-revealed" in hidden.stderr

    # teams and finals
    code = ada.run("team", "invite", "-c", "digits-cli").stdout.strip()
    joined = grace.json("team", "join", "-c", "digits-cli", code)
    assert sorted(joined["members"]) == ["ada", "grace"]  # type: ignore[index]
    left = grace.run("team", "leave", "-c", "digits-cli", ok=False)
    assert left.returncode == 1 and "409" in left.stderr
    finals = ada.json("finals", "select", "-c", "digits-cli", mine["id"])
    assert finals["submission_ids"] == [mine["id"]] and finals["default"] is False  # type: ignore[index]
    assert ada.json("finals", "show", "-c", "digits-cli")["submission_ids"] == [mine["id"]]  # type: ignore[index]

    # linus: a zip the server would refuse never leaves the machine; a failing run exits 1 with the reason
    bad = linus.home / "bad.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("solution/main.py", "print(1)\n")
    refused_zip = linus.run("submit", str(bad), "-c", "digits-cli", ok=False)
    assert refused_zip.returncode == 1 and "main.py must be at the root of the archive" in refused_zip.stderr
    failed = linus.run("submit", str(digits_zips["broken"]), "-c", "digits-cli", "--wait", ok=False)
    assert failed.returncode == 1, (failed.stdout, failed.stderr)
    assert "invalid_predictions" in failed.stdout
    (broken,) = linus.json("submissions", "-c", "digits-cli")  # type: ignore[misc]
    assert linus.run("status", broken["id"], ok=False).returncode == 1

    # new labels: the host rescores and waits until every scored run has been scored again
    host.run("host", "upload", "labels", str(digits.labels), "-c", "digits-cli")
    rescored = host.run("host", "rescore", "-c", "digits-cli", "--wait")
    assert "rescoring done" in rescored.stdout
    again = ada.json("status", mine["id"])
    assert again["status"] == "scored"  # type: ignore[index]
    assert datetime.fromisoformat(again["updated_at"]) > datetime.fromisoformat(mine["updated_at"])  # type: ignore[index]

    # the host reveals; everyone reads the private board; the host exports it
    assert "revealed" in host.run("host", "reveal", "-c", "digits-cli").stdout
    private_csv = ada.run("leaderboard", "digits-cli", "--private", "--csv").stdout.splitlines()
    assert private_csv[0].startswith("rank,team_name,score") and ",ada," in private_csv[1]
    exported = host.run("host", "export", "-c", "digits-cli").stdout
    assert "ada" in exported.splitlines()[1]
