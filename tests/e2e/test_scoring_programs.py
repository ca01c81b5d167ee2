"""A host's scoring program end to end, on the embedded defaults: a custom metric (a
class-weighted error) computed in the sandbox lands on the board equal to the same
metric computed here; a program that crashes on real runs is the host's fault: the
participant sees ``internal_error`` and keeps their quota, the host reads the log."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import pytest

from holdout.client import ApiError, HoldoutClient
from holdout.digits import DigitsData, build_smoke_sample
from tests.e2e.conftest import Platform, create_digits_competition

pytestmark = pytest.mark.e2e

# errors on an 8 cost three times as much as the others
WEIGHTED_ERROR = """
import json
import pandas as pd

data = "/code_execution/data/"
predictions = pd.read_csv(data + "predictions.csv")
labels = pd.read_csv(data + "labels.csv")
joined = labels.merge(predictions, on="id", suffixes=("", "_pred"))
if "Usage" not in joined:
    joined["Usage"] = "Public"

def werr(part):
    weight = part["label"].eq(8).map({True: 3.0, False: 1.0})
    return float((weight * part["label"].ne(part["label_pred"])).sum() / weight.sum())

scores = {"public": {"werr": werr(joined[joined["Usage"] == "Public"])}}
private = joined[joined["Usage"] == "Private"]
scores["private"] = {"werr": werr(private)} if len(private) else None
with open("/code_execution/submission/scores.json", "w") as out:
    json.dump(scores, out)
"""

# fine on the smoke sample it is tried on at upload, broken on every real run
CRASHES_ON_REAL_RUNS = """
import os, json
if os.environ.get("IS_SMOKE") != "true":
    raise SystemExit("scoring program bug: the labels have a column this program did not expect")
with open("/code_execution/submission/scores.json", "w") as out:
    json.dump({"public": {"werr": 0.0}}, out)
"""


def program_zip(out: Path, name: str, source: str) -> Path:
    archive = out / f"{name}.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("score.py", source)
    return archive


def local_werr(archive: Path, data: DigitsData, usage: str) -> float:
    with zipfile.ZipFile(archive) as zf:
        model = joblib.load(io.BytesIO(zf.read("model.joblib")))
    features = pd.read_csv(data.features)
    labels = pd.read_csv(data.labels)
    predicted = model.predict(features[[f"p{i}" for i in range(64)]].to_numpy())
    joined = labels.merge(pd.DataFrame({"id": features["id"], "pred": predicted}), on="id")
    part = joined[joined["Usage"] == usage]
    weight = np.where(part["label"] == 8, 3.0, 1.0)
    return float((weight * (part["label"] != part["pred"])).sum() / weight.sum())


async def upload_program(h: HoldoutClient, base: str, program: Path, reference: Path) -> Any:
    response = await h.http.put(
        f"{base}/stages/1/scoring-program",
        files={
            "program": (program.name, program.read_bytes(), "application/zip"),
            "reference": (reference.name, reference.read_bytes(), "text/csv"),
        },
    )
    if response.status_code >= 400:
        raise ApiError(response)
    return response.json()


async def test_a_scoring_program_scores_the_board_and_its_failures_are_the_hosts(
    embedded: Platform, digits: DigitsData, digits_zips: dict[str, Path], tmp_path: Path
) -> None:
    p = embedded
    comp, host_token = await create_digits_competition(p, digits)
    base = f"/api/v1/competitions/{comp['id']}"
    smoke = build_smoke_sample(digits, tmp_path)
    async with p.client(host_token) as h:
        await h.upload_smoke_sample(comp["id"], smoke.features, smoke.labels)
        # the reference predictions the trial scores: the smoke labels themselves (no errors)
        tried = await upload_program(h, base, program_zip(tmp_path, "werr", WEIGHTED_ERROR), smoke.labels)
        assert tried["keys"] == ["werr"] and tried["trial"]["public"] == {"werr": 0.0}, tried
        columns = [
            {"key": "werr", "higher_is_better": False, "precision": 4},
            {"key": "accuracy", "metric": "accuracy", "precision": 3},
        ]
        await h._json("PATCH", f"{base}/stages/1", json={"columns": columns})

    async with p.client() as admin:
        ada = await admin.create_participant("ada", comp["id"])
    async with p.client(ada["token"]) as a:
        sub = await a.submit(comp["id"], digits_zips["strong"])
        done = await a.wait_terminal(sub["id"], timeout=180)
        assert done["status"] == "scored", (done, p.dump_logs())
        entry = await a.wait_on_leaderboard(comp["id"], sub["id"])
        board = await a.leaderboard(comp["id"])
    assert [c["key"] for c in board["columns"]] == ["werr", "accuracy"]
    assert entry["scores"]["werr"] == pytest.approx(local_werr(digits_zips["strong"], digits, "Public"))
    assert entry["score"] == entry["scores"]["werr"]
    assert 0 < entry["scores"]["accuracy"] <= 1

    async with p.client(host_token) as h:
        await upload_program(h, base, program_zip(tmp_path, "crashes", CRASHES_ON_REAL_RUNS), smoke.labels)
    async with p.client(ada["token"]) as a:
        used = (await a._json("GET", f"{base}/quota"))["submissions"]["used"]
        broken = await a.submit(comp["id"], digits_zips["strong"])
        failed = await a.wait_terminal(broken["id"], timeout=180)
        assert failed["status"] == "failed" and failed["failure_reason"] == "internal_error", failed
        assert "scoring program bug" not in failed["detail"]  # the program's log is the host's
        assert (await a._json("GET", f"{base}/quota"))["submissions"]["used"] == used
        with pytest.raises(ApiError) as hidden:
            await a._json("GET", f"{base}/submissions/{broken['id']}/scoring-log")
        assert hidden.value.status == 404
    async with p.client(host_token) as h:
        log = await h.http.get(f"{base}/submissions/{broken['id']}/scoring-log")
    assert log.status_code == 200 and "scoring program bug" in log.text
