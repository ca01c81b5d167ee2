"""Reproducibility re-runs end to end on the embedded defaults: three re-runs of a
deterministic submission report ``identical``; three re-runs of one that draws random
numbers without a seed report ``differs`` with the spread; none of them appears on a
board or uses quota."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest

from holdout.digits import DigitsData
from tests.e2e.conftest import Platform, create_digits_competition, poll

pytestmark = pytest.mark.e2e

READ = """\
from pathlib import Path

import pandas as pd

features = pd.read_csv("/code_execution/data/features.csv")
OUT = Path("/code_execution/submission/submission.csv")
"""
DETERMINISTIC = (
    READ + 'pd.DataFrame({"id": features["id"], "label": features["p20"] % 10}).to_csv(OUT, index=False)\n'
)
RANDOM = (
    READ
    + "import numpy as np\n\n"
    + "rng = np.random.default_rng()  # no seed: every run draws other digits\n"
    + "guesses = rng.integers(0, 10, len(features))\n"
    + 'pd.DataFrame({"id": features["id"], "label": guesses}).to_csv(OUT, index=False)\n'
)


def zipped(tmp: Path, name: str, main: str) -> Path:
    archive = tmp / f"{name}.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("main.py", main)
    return archive


async def test_reruns_of_a_deterministic_and_of_a_random_submission(
    embedded: Platform, digits: DigitsData, tmp_path: Path
) -> None:
    p = embedded
    comp, host_token = await create_digits_competition(p, digits)
    async with p.client() as admin:
        ada = await admin.create_participant("ada", comp["id"])
        linus = await admin.create_participant("linus", comp["id"])
    originals: dict[str, str] = {}
    for who, name, main in ((ada, "fixed", DETERMINISTIC), (linus, "random", RANDOM)):
        async with p.client(who["token"]) as c:
            sub = await c.submit(comp["id"], zipped(tmp_path, name, main))
            done = await c.wait_terminal(sub["id"], timeout=240)
            assert done["status"] == "scored", (done, p.dump_logs())
            originals[name] = sub["id"]

    async with p.client(host_token) as h:
        for sid in originals.values():
            asked = await h._json("POST", f"/api/v1/submissions/{sid}/reproductions", json={"count": 3})
            assert len(asked["reruns"]) == 3

        async def verdicts() -> dict[str, dict[str, Any]] | None:
            found = {
                name: await h._json("GET", f"/api/v1/submissions/{sid}/reproductions")
                for name, sid in originals.items()
            }
            return None if any(r["verdict"] == "pending" for r in found.values()) else found

        reports = await poll(verdicts, timeout=240, interval=0.5)
        board = await h.leaderboard(comp["id"])
        private = await h.leaderboard(comp["id"], private=True)

    fixed, random = reports["fixed"], reports["random"]
    assert fixed["verdict"] == "identical", (fixed, p.dump_logs())
    assert {r["public_scores"]["accuracy"] for r in fixed["reruns"]} == {
        fixed["original"]["public_scores"]["accuracy"]
    }
    assert all(r["resources"]["wall_seconds"] > 0 for r in fixed["reruns"])
    assert random["verdict"] == "differs", (random, p.dump_logs())
    [spread] = [s for s in random["spread"] if (s["board"], s["key"]) == ("public", "accuracy")]
    assert spread["max_abs_diff"] > 0 and spread["min"] < spread["max"]
    assert spread["min"] >= 0.0 and spread["max"] < 0.3  # guessing digits: about one in ten

    # only the two originals are on the boards
    assert sorted(e["submission_id"] for e in board["entries"]) == sorted(originals.values())
    assert sorted(e["submission_id"] for e in private["entries"]) == sorted(originals.values())
    # and the re-runs used nobody's quota, nor show in the team's list
    async with p.client(ada["token"]) as c:
        quota = await c._json("GET", f"/api/v1/competitions/{comp['id']}/quota")
        mine = await c._json("GET", f"/api/v1/competitions/{comp['id']}/submissions")
    assert quota["submissions"]["used"] == 1
    assert [s["id"] for s in mine["items"]] == [originals["fixed"]]
