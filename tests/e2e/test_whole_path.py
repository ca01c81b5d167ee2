"""A zip goes in, a ranked score comes out: on the embedded defaults and on the
production wiring (separate processes, PostgreSQL, RabbitMQ)."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import httpx
import joblib
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score

from holdout.digits import DigitsData
from shared.internal_auth import TOKEN_FILE
from tests.e2e.conftest import Platform, create_digits_competition

pytestmark = pytest.mark.e2e


def local_accuracy(archive: Path, digits: DigitsData, usage: str = "Public") -> float:
    """The zipped model's accuracy on one part (``Usage``) of the labels, computed here."""
    with zipfile.ZipFile(archive) as zf:
        model = joblib.load(io.BytesIO(zf.read("model.joblib")))
    features = pd.read_csv(digits.features)
    labels = pd.read_csv(digits.labels)
    predicted = pd.DataFrame(
        {"id": features["id"], "label": model.predict(features[[f"p{i}" for i in range(64)]].to_numpy())}
    )
    part = labels[labels["Usage"] == usage].merge(predicted, on="id", suffixes=("", "_pred"))
    return float(accuracy_score(part["label"], part["label_pred"]))


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
    await internal_apis_need_the_credential(p, comp["id"], sub["id"])

    # the score is the model's real accuracy on the public half, computed here independently
    expected = local_accuracy(zips["strong"], digits)
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


async def internal_apis_need_the_credential(p: Platform, competition_id: str, submission_id: str) -> None:
    """Only the gateway faces users: the run's record and log, its scores (the private
    one too) and both boards answer the service credential alone; ``/metrics`` is open
    and names no competition, submission or team."""
    routes = {
        "orchestrator": [
            f"/internal/v1/executions/{submission_id}",
            f"/internal/v1/executions/{submission_id}/log",
        ],
        "scorer": [f"/internal/v1/scores/{submission_id}"],
        "leaderboard": [
            f"/api/v1/competitions/{competition_id}/leaderboard",
            f"/internal/v1/competitions/{competition_id}/leaderboard/private",
            f"/internal/v1/competitions/{competition_id}/leaderboard/private/export.csv",
        ],
    }
    wrong = {"Authorization": "Bearer " + "x" * 43}
    for service, paths in routes.items():
        trusted = p.internal_client(service)
        async with trusted, httpx.AsyncClient(base_url=trusted.base_url) as outsider:
            for path in paths:
                answer = await trusted.get(path)
                assert answer.status_code == 200, (service, path, answer.text)
                if service == "scorer":
                    assert answer.json()["private_score"] is not None  # what an outsider must not read
                for headers in ({}, wrong):
                    refused = await outsider.get(path, headers=headers)
                    assert refused.status_code == 401, (service, path, refused.status_code)
                    assert refused.headers["content-type"] == "application/problem+json"
            assert (await outsider.get("/healthz")).status_code == 200
            metrics = await outsider.get("/metrics")
            assert metrics.status_code == 200 and "holdout_http_requests_total" in metrics.text
            assert submission_id not in metrics.text and competition_id not in metrics.text


async def test_whole_path_on_embedded_defaults(
    embedded: Platform, digits: DigitsData, digits_zips: dict[str, Path]
) -> None:
    await whole_path(embedded, digits, digits_zips)
    # no HOLDOUT_INTERNAL_TOKEN was set: `holdout up` made the data directory's own
    assert "HOLDOUT_INTERNAL_TOKEN" not in embedded.env
    assert stat.S_IMODE((embedded.data_dir / TOKEN_FILE).stat().st_mode) == 0o600


async def test_whole_path_on_separate_processes_with_postgres_and_rabbitmq(
    distributed: Platform, digits: DigitsData, digits_zips: dict[str, Path]
) -> None:
    await whole_path(distributed, digits, digits_zips)
