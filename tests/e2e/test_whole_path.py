"""A zip goes in, a ranked score comes out: on the embedded defaults and on the
production wiring (separate processes, PostgreSQL, RabbitMQ)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import joblib
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score

from holdout.digits import DigitsData
from tests.e2e.conftest import Platform, create_digits_competition

pytestmark = pytest.mark.e2e


def local_public_accuracy(archive: Path, digits: DigitsData) -> float:
    with zipfile.ZipFile(archive) as zf:
        model = joblib.load(io.BytesIO(zf.read("model.joblib")))
    features = pd.read_csv(digits.features)
    labels = pd.read_csv(digits.labels)
    predicted = pd.DataFrame(
        {"id": features["id"], "label": model.predict(features[[f"p{i}" for i in range(64)]].to_numpy())}
    )
    public = labels[labels["Usage"] == "Public"].merge(predicted, on="id", suffixes=("", "_pred"))
    return float(accuracy_score(public["label"], public["label_pred"]))


async def whole_path(p: Platform, digits: DigitsData, zips: dict[str, Path]) -> None:
    comp, host_token = await create_digits_competition(p, digits)
    async with p.client() as admin:
        ada = await admin.create_participant("ada", comp["id"])
        linus = await admin.create_participant("linus", comp["id"])
    # the host tries their own competition first: the run is scored and shown to them,
    # but not ranked (a host is not a competitor)
    async with p.client(host_token) as h:
        trial = await h.submit(comp["id"], zips["baseline"])
        tried = await h.wait_terminal(trial["id"], timeout=180)
        assert tried["status"] == "scored", (tried, p.dump_logs())
        mine = await h._json("GET", f"/api/v1/competitions/{comp['id']}/submissions")
        assert trial["id"] in [s["id"] for s in mine["items"]]
    async with p.client(ada["token"]) as c:
        sub = await c.submit(comp["id"], zips["strong"])
        assert sub["status"] == "queued"
        done = await c.wait_terminal(sub["id"], timeout=180)
        assert done["status"] == "scored", (done, p.dump_logs())
        entry = await c.wait_on_leaderboard(comp["id"], sub["id"])
        log = await c.log(sub["id"])
        board = await c.leaderboard(comp["id"])
    assert "predicted" in log
    # the host's run, scored before ada's, is not on the board
    assert [e["submission_id"] for e in board["entries"]] == [sub["id"]], board

    # the score is the model's real accuracy on the public half, computed here independently
    expected = local_public_accuracy(zips["strong"], digits)
    assert entry["rank"] == 1 and entry["team_name"] == "ada"
    assert entry["score"] == pytest.approx(expected)
    assert 0.9 < expected <= 1.0
    assert done["public_score"] == pytest.approx(entry["score"])

    async with p.client(linus["token"]) as c:
        bad = await c.submit(comp["id"], zips["broken"])
        failed = await c.wait_terminal(bad["id"], timeout=180)
    assert failed["status"] == "failed"
    assert failed["failure_reason"] == "invalid_predictions"
    assert "id" in failed["detail"]

    # a competition that ranks its host's runs puts the host's scored run on the board
    async with p.client(host_token) as h:
        await h._json("PATCH", f"/api/v1/competitions/{comp['id']}", json={"rank_host_submissions": True})
        ranked = await h.wait_on_leaderboard(comp["id"], trial["id"])
    assert ranked["team_name"] == "host" and ranked["rank"] == 2


async def test_whole_path_on_embedded_defaults(
    embedded: Platform, digits: DigitsData, digits_zips: dict[str, Path]
) -> None:
    await whole_path(embedded, digits, digits_zips)


async def test_whole_path_on_separate_processes_with_postgres_and_rabbitmq(
    distributed: Platform, digits: DigitsData, digits_zips: dict[str, Path]
) -> None:
    await whole_path(distributed, digits, digits_zips)
