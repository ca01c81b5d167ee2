"""Competition rules through the HTTP API: editing, the smoke sample, quotas,
rescoring and the CSV export, with the authorization cases (anonymous, a
participant, the host of another competition)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from shared.events import (
    CompetitionRescoreRequested,
    CompetitionUpdated,
    ExecutionStarted,
    SubmissionQueued,
)
from tests.gateway.conftest import LABELS, Gateway, eventually

API = "/api/v1/competitions"


async def published(gw: Gateway, kind: str, competition_id: str, count: int) -> list[Any]:
    """The events of ``kind`` about a competition, once ``count`` of them went out."""

    async def probe() -> list[Any] | None:
        found = [e for e in gw.of_type(kind) if str(e.competition_id) == competition_id]
        return found if len(found) >= count else None

    return await eventually(probe)


async def people(gw: Gateway) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """The host of "titanic", the host of another competition, a participant."""
    host = await gw.user("hana", is_host=True)
    other_host = await gw.user("otto", is_host=True)
    alice = await gw.user("alice")
    await gw.competition(other_host, "other")
    return host, other_host, alice


async def test_hosts_edit_their_competition_and_each_edit_is_announced(gw: Gateway) -> None:
    host, other_host, alice = await people(gw)
    comp = await gw.competition(host, final_count=3, limits={"memory_mb": 512, "time_limit_s": 60})
    opens = datetime(2030, 1, 1, tzinfo=UTC)
    edit = {
        "title": "Titanic II",
        "metric": "log_loss",
        "extra_metrics": ["accuracy"],
        "limits": {"time_limit_s": 30},
        "daily_quota": 7,
        "smoke_daily_quota": 1,
        "show_logs": False,
        "final_count": 1,
        "opens_at": opens.isoformat(),
        "closes_at": (opens + timedelta(days=30)).isoformat(),
    }
    r = await gw.client.patch(f"{API}/titanic", json=edit, headers=host)
    assert r.status_code == 200, r.text
    after = r.json()
    assert after["title"] == "Titanic II" and after["metric"] == "log_loss"
    assert after["higher_is_better"] is False and after["extra_metrics"] == ["accuracy"]
    assert after["limits"]["time_limit_s"] == 30 and after["limits"]["memory_mb"] == 512  # merged
    assert (after["daily_quota"], after["smoke_daily_quota"], after["final_count"]) == (7, 1, 1)
    assert after["show_logs"] is False and after["is_open"] is False
    assert datetime.fromisoformat(after["opens_at"]) == opens

    cleared = await gw.client.patch(f"{API}/titanic", json={"opens_at": None}, headers=host)
    assert cleared.json()["opens_at"] is None and cleared.json()["closes_at"] is not None

    updates = await published(gw, "competition.updated", comp["id"], 3)
    assert isinstance(updates[0], CompetitionUpdated)
    assert (updates[0].metric, updates[0].final_count, updates[0].higher_is_better) == ("accuracy", 3, True)
    assert (updates[1].title, updates[1].metric, updates[1].higher_is_better) == (
        "Titanic II",
        "log_loss",
        False,
    )
    assert updates[1].final_count == 1 and updates[1].slug == "titanic"
    assert len(updates) == 3

    assert (await gw.client.patch(f"{API}/titanic", json={"title": "x"})).status_code == 401
    for who in (alice, other_host):
        r = await gw.client.patch(f"{API}/titanic", json={"title": "mine now"}, headers=who)
        assert r.status_code == 403 and r.json()["type"].endswith("/host-only")
    assert (await gw.client.get(f"{API}/titanic")).json()["title"] == "Titanic II"


async def test_invalid_edits_are_refused_with_the_reason(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    await gw.competition(host, opens_at="2021-01-01T00:00:00Z")
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"metric": "accuracyy"}, 422, "unknown-metric"),
        ({"extra_metrics": ["accuracy"]}, 422, "invalid-extra-metrics"),
        ({"closes_at": "2020-01-01T00:00:00Z", "opens_at": "2021-01-01T00:00:00Z"}, 422, "validation-error"),
        # the stored opens_at and the new closes_at together make no sense
        ({"closes_at": "2020-06-01T00:00:00Z"}, 422, "invalid-competition"),
        ({"opens_at": "2021-01-01T00:00:00"}, 422, "validation-error"),
        ({"slug": "renamed"}, 422, "validation-error"),
        ({"daily_quota": -1}, 422, "validation-error"),
        ({"limits": {"memory_mb": 0}}, 422, "validation-error"),
    ]
    for body, status, code in cases:
        r = await gw.client.patch(f"{API}/titanic", json=body, headers=host)
        assert r.status_code == status, (body, r.text)
        assert r.json()["type"].endswith("/" + code), (body, r.json())


async def test_the_prediction_format_changes_only_before_the_first_submission(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    await gw.ready_competition(host)
    r = await gw.client.patch(f"{API}/titanic", json={"target_columns": ["survived"]}, headers=host)
    assert r.status_code == 200
    # the labels were checked against the old columns: they must be uploaded again
    assert r.json()["labels_version"] is None
    not_ready = await gw.submit(host)
    assert not_ready.status_code == 409 and not_ready.json()["missing"] == ["labels"]
    labels = LABELS.replace("target", "survived").encode()
    assert (await gw.client.put(f"{API}/titanic/labels", content=labels, headers=host)).status_code == 200
    assert (await gw.submit(host)).status_code == 202
    locked = await gw.client.patch(f"{API}/titanic", json={"id_column": "passenger"}, headers=host)
    assert locked.status_code == 409 and locked.json()["type"].endswith("/format-locked")


async def test_smoke_runs_use_the_smoke_sample_and_its_labels(gw: Gateway) -> None:
    host, other_host, alice = await people(gw)
    comp = await gw.ready_competition(host)
    for who in (alice, other_host):
        r = await gw.client.put(f"{API}/titanic/smoke/data/sample.csv", content=b"id,x\n1,2\n", headers=who)
        assert r.status_code == 403
        assert (
            await gw.client.put(f"{API}/titanic/smoke/labels", content=b"", headers=who)
        ).status_code == 403
    assert (await gw.client.put(f"{API}/titanic/smoke/labels", content=b"")).status_code == 401

    # without a smoke sample, smoke runs use the test data
    assert (await gw.submit(alice, smoke="true")).status_code == 202
    r = await gw.client.put(f"{API}/titanic/smoke/data/sample.csv", content=b"id,x\n1,2\n", headers=host)
    assert r.status_code == 200 and r.json()["subset"] == "smoke"
    half = await gw.submit(alice, smoke="true")
    assert half.status_code == 409 and half.json()["type"].endswith("/smoke-sample-incomplete")
    # the smoke sample's labels need no Usage column: every row is public
    r = await gw.client.put(f"{API}/titanic/smoke/labels", content=b"id,target\n1,0\n", headers=host)
    assert r.status_code == 200, r.text
    assert (r.json()["rows"], r.json()["public_rows"]) == (1, 1)
    bad = await gw.client.put(f"{API}/titanic/smoke/labels", content=b"id,wrong\n1,0\n", headers=host)
    assert bad.status_code == 422

    read = (await gw.client.get(f"{API}/titanic")).json()
    assert [f["filename"] for f in read["smoke_data_files"]] == ["sample.csv"]
    assert [f["filename"] for f in read["data_files"]] == ["test.csv"]
    assert read["smoke_labels_version"] == 1

    smoke = await gw.submit(alice, smoke="true")
    real = await gw.submit(alice)
    assert smoke.status_code == real.status_code == 202

    async def both() -> dict[str, Any] | None:
        found = {str(e.submission_id): e for e in gw.of_type("submission.queued")}
        return found if {smoke.json()["id"], real.json()["id"]} <= set(found) else None

    queued = await eventually(both)
    s: SubmissionQueued = queued[smoke.json()["id"]]
    assert s.execution.data_prefix == f"{comp['id']}/smoke-1/" and s.execution.data_files == ["sample.csv"]
    assert s.scoring.labels_key == f"{comp['id']}/smoke-1.csv" and s.is_smoke
    t: SubmissionQueued = queued[real.json()["id"]]
    assert t.execution.data_prefix == f"{comp['id']}/1/" and t.execution.data_files == ["test.csv"]
    assert t.scoring.labels_key == f"{comp['id']}/1.csv"
    assert await gw.storage.get_bytes("labels", f"{comp['id']}/smoke-1.csv") == b"id,target\n1,0\n"

    # replacing a smoke file a run used starts a new smoke version; the test data stays
    await gw.client.put(f"{API}/titanic/smoke/data/sample.csv", content=b"id,x\n1,3\n", headers=host)
    read = (await gw.client.get(f"{API}/titanic")).json()
    assert (read["smoke_data_version"], read["data_version"]) == (2, 1)


async def test_quota_is_reported_and_refunds_show(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice = await gw.user("alice")
    await gw.ready_competition(host, daily_quota=2, smoke_daily_quota=1)
    assert (await gw.client.get(f"{API}/titanic/quota")).status_code == 401
    fresh = (await gw.client.get(f"{API}/titanic/quota", headers=alice)).json()
    assert fresh["team_id"] is None
    assert fresh["submissions"] == {"limit": 2, "used": 0, "remaining": 2}
    resets = datetime.fromisoformat(fresh["resets_at"])
    assert resets.tzinfo is not None and (resets.hour, resets.minute) == (0, 0)
    assert timedelta(0) < resets - datetime.now(UTC) <= timedelta(days=1)

    first = await gw.submit(alice)
    assert first.status_code == 202
    assert first.headers["X-Quota-Limit"] == "2" and first.headers["X-Quota-Remaining"] == "1"
    assert datetime.fromisoformat(first.headers["X-Quota-Reset"]) == resets
    smoke = await gw.submit(alice, smoke="true")
    assert smoke.headers["X-Quota-Limit"] == "1" and smoke.headers["X-Quota-Remaining"] == "0"
    refused = await gw.submit(alice, smoke="true")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0 and refused.headers["X-Quota-Remaining"] == "0"

    now = (await gw.client.get(f"{API}/titanic/quota", headers=alice)).json()
    assert now["submissions"]["remaining"] == 1 and now["smoke_runs"]["remaining"] == 0
    assert now["team_id"] == first.json()["team_id"]

    # cancelled before it started: given back
    r = await gw.client.post(f"/api/v1/submissions/{first.json()['id']}/cancel", headers=alice)
    assert r.status_code == 200
    back = (await gw.client.get(f"{API}/titanic/quota", headers=alice)).json()
    assert back["submissions"] == {"limit": 2, "used": 0, "remaining": 2}

    # cancelled after it started: counted
    second = await gw.submit(alice)
    started = ExecutionStarted(submission_id=second.json()["id"], attempt=1, started_at=datetime.now(UTC))
    await gw.bus.publish(started)
    await gw.consumed(started)
    await gw.client.post(f"/api/v1/submissions/{second.json()['id']}/cancel", headers=alice)
    used = (await gw.client.get(f"{API}/titanic/quota", headers=alice)).json()
    assert used["submissions"]["used"] == 1


async def test_submissions_outside_the_schedule_say_why(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice = await gw.user("alice")
    await gw.ready_competition(host)
    future = datetime.now(UTC) + timedelta(days=2)
    await gw.client.patch(f"{API}/titanic", json={"opens_at": future.isoformat()}, headers=host)
    r = await gw.submit(alice)
    assert r.status_code == 403 and r.json()["type"].endswith("/competition-not-open")
    assert "opens for submissions at" in r.json()["detail"]
    past = datetime.now(UTC) - timedelta(days=1)
    await gw.client.patch(
        f"{API}/titanic",
        json={"opens_at": (past - timedelta(days=1)).isoformat(), "closes_at": past.isoformat()},
        headers=host,
    )
    r = await gw.submit(alice)
    assert r.status_code == 403 and r.json()["type"].endswith("/competition-closed")
    quota = (await gw.client.get(f"{API}/titanic/quota", headers=alice)).json()
    assert quota["submissions"]["used"] == 0


async def test_rescoring_is_for_hosts_and_idempotent(gw: Gateway) -> None:
    host, other_host, alice = await people(gw)
    comp = await gw.competition(host, extra_metrics=["f1_macro"])
    no_labels = await gw.client.post(f"{API}/titanic/rescore", headers=host)
    assert no_labels.status_code == 409
    await gw.client.put(f"{API}/titanic/labels", content=LABELS.encode(), headers=host)

    assert (await gw.client.post(f"{API}/titanic/rescore")).status_code == 401
    for who in (alice, other_host):
        assert (await gw.client.post(f"{API}/titanic/rescore", headers=who)).status_code == 403
        assert (await gw.client.get(f"{API}/titanic/rescores", headers=who)).status_code == 403

    first = await gw.client.post(f"{API}/titanic/rescore", headers=host)
    assert first.status_code == 202 and first.json()["created"] is True
    again = await gw.client.post(f"{API}/titanic/rescore", headers=host)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert again.json()["created"] is False

    # new labels: a new rescoring, against them
    await gw.client.put(f"{API}/titanic/labels", content=LABELS.encode(), headers=host)
    await gw.client.patch(f"{API}/titanic", json={"metric": "balanced_accuracy"}, headers=host)
    second = await gw.client.post(f"{API}/titanic/rescore", headers=host)
    assert second.status_code == 202 and second.json()["id"] != first.json()["id"]

    events = await published(gw, "competition.rescore_requested", comp["id"], 2)
    assert len(events) == 2
    a, b = events
    assert isinstance(a, CompetitionRescoreRequested)
    assert str(a.rescore_id) == first.json()["id"] and str(b.rescore_id) == second.json()["id"]
    assert (a.scoring.metric, a.scoring.labels_key) == ("accuracy", f"{comp['id']}/1.csv")
    assert (b.scoring.metric, b.scoring.labels_key) == ("balanced_accuracy", f"{comp['id']}/2.csv")
    assert b.scoring.extra_metrics == ["f1_macro"] and b.scoring.target_columns == ["target"]

    listed = (await gw.client.get(f"{API}/titanic/rescores", headers=host)).json()
    assert listed["total"] == 2 and listed["items"][0]["id"] == second.json()["id"]


async def test_csv_export_is_proxied_for_hosts_only(gw: Gateway) -> None:
    host, other_host, alice = await people(gw)
    comp = await gw.competition(host)
    csv = b"rank,team_name,score\n1,alpha,0.9\n"

    def leaderboard(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=csv, headers={"content-type": "text/csv; charset=utf-8"})

    gw.upstreams.leaderboard = leaderboard
    for board in ("public", "private"):
        r = await gw.client.get(f"{API}/titanic/leaderboard/{board}.csv", headers=host)
        assert r.status_code == 200, r.text
        assert r.content == csv and r.headers["content-type"].startswith("text/csv")
        assert f"titanic-{board}-leaderboard.csv" in r.headers["content-disposition"]
        assert gw.upstreams.seen[-1].url.path == (
            f"/internal/v1/competitions/{comp['id']}/leaderboard/{board}/export.csv"
        )
    calls = len(gw.upstreams.seen)
    assert (await gw.client.get(f"{API}/titanic/leaderboard/private.csv")).status_code == 401
    for who in (alice, other_host):
        assert (await gw.client.get(f"{API}/titanic/leaderboard/private.csv", headers=who)).status_code == 403
    assert (await gw.client.get(f"{API}/titanic/leaderboard/other.csv", headers=host)).status_code == 422
    assert len(gw.upstreams.seen) == calls

    gw.upstreams.leaderboard = None
    down = await gw.client.get(f"{API}/titanic/leaderboard/public.csv", headers=host)
    assert down.status_code == 503


async def test_reveal_is_for_the_host_of_the_competition(gw: Gateway) -> None:
    host, other_host, alice = await people(gw)
    comp = await gw.competition(host)
    assert (await gw.client.post(f"{API}/titanic/reveal")).status_code == 401
    for who in (alice, other_host):
        assert (await gw.client.post(f"{API}/titanic/reveal", headers=who)).status_code == 403
    first = await gw.client.post(f"{API}/titanic/reveal", headers=host)
    again = await gw.client.post(f"{API}/titanic/reveal", headers=host)
    assert first.status_code == again.status_code == 200
    assert first.json()["revealed_at"] == again.json()["revealed_at"] is not None
    revealed = await published(gw, "competition.revealed", comp["id"], 1)
    assert len(revealed) == 1
