"""Submissions: the upload pipeline, every bad zip, readiness, schedule, quota,
visibility, cancel, teams."""

from __future__ import annotations

import io
import os
import stat
import zipfile
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.events import SubmissionCancelled, SubmissionQueued
from tests.gateway.conftest import Gateway, eventually, make_zip


def zip_with(infos: list[tuple[zipfile.ZipInfo, bytes]], *, main: bool = True) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        if main:
            zf.writestr("main.py", "print(1)\n")
        for info, data in infos:
            zf.writestr(info, data)
    return buf.getvalue()


def symlink_entry() -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo("data")
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, b"/etc/passwd"


def bomb_entry() -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo("weights.bin")
    info.compress_type = zipfile.ZIP_DEFLATED
    return info, b"\0" * (8 * 1024**2)


async def test_upload_queues_a_submission_and_publishes_the_event(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice = await gw.user("alice")
    comp = await gw.ready_competition(host, limits={"time_limit_s": 30, "memory_mb": 512})
    body = make_zip({"main.py": b"print('hi')\n", "model/weights.txt": b"1 2 3\n"})

    r = await gw.client.post(
        "/api/v1/competitions/titanic/submissions",
        content=body,
        headers={**alice, "Content-Type": "application/zip", "X-Correlation-ID": "upload-cid-42"},
    )
    assert r.status_code == 202, r.text
    sub = r.json()
    assert r.headers["location"] == f"/api/v1/submissions/{sub['id']}"
    assert sub["status"] == "queued" and sub["team_name"] == "alice" and sub["is_smoke"] is False
    assert sub["size_bytes"] == len(body)
    assert sub["failure_reason"] is None and sub["public_score"] is None
    key = f"{comp['id']}/{sub['id']}.zip"
    assert await gw.storage.get_bytes("submissions", key) == body

    queued = await eventually(lambda: _async(gw.of_type("submission.queued")))
    event = queued[0]
    assert isinstance(event, SubmissionQueued)
    assert str(event.submission_id) == sub["id"]
    assert event.correlation_id == "upload-cid-42"
    assert event.archive_key == key and event.team_name == "alice"
    assert event.execution.time_limit_s == 30 and event.execution.memory_mb == 512
    assert event.execution.data_prefix == f"{comp['id']}/1/"
    assert event.execution.data_files == ["test.csv"]
    assert event.scoring.labels_key == f"{comp['id']}/1.csv"
    assert event.scoring.metric == "accuracy" and event.scoring.target_columns == ["target"]

    mine = (await gw.client.get("/api/v1/competitions/titanic/teams/mine", headers=alice)).json()
    assert mine["name"] == "alice" and mine["members"] == ["alice"]


async def _async(value: Any) -> Any:
    return value


BAD_ZIPS: dict[str, tuple[Callable[[], bytes], str]] = {
    "not a zip": (lambda: b"this is not a zip at all", "not a zip archive"),
    "no main.py": (lambda: make_zip({"solution/main.py": b"x"}), "main.py must be at the root"),
    "dotdot path": (lambda: zip_with([(zipfile.ZipInfo("../evil.py"), b"x")]), "'..' in a path"),
    "absolute path": (lambda: zip_with([(zipfile.ZipInfo("/etc/cron.d/evil"), b"x")]), "absolute paths"),
    "symlink": (lambda: zip_with([symlink_entry()]), "symbolic links"),
    "zip bomb": (lambda: zip_with([bomb_entry()]), "compression ratio"),
}


@pytest.mark.parametrize("case", list(BAD_ZIPS))
async def test_bad_zip_is_refused_with_a_specific_problem_and_nothing_kept(gw: Gateway, case: str) -> None:
    host = await gw.user("hana", is_host=True)
    alice = await gw.user("alice")
    comp = await gw.ready_competition(host, daily_quota=1)
    make, expected = BAD_ZIPS[case]

    r = await gw.submit(alice, body=make())
    assert r.status_code == 422, r.text
    problem = r.json()
    assert r.headers["content-type"] == "application/problem+json"
    assert problem["type"].endswith("/invalid-submission")
    assert any(expected in p for p in problem["problems"]), problem
    assert expected in problem["detail"]
    assert await gw.storage.list("submissions", f"{comp['id']}/") == []
    assert os.listdir(gw.settings.uploads_tmp_dir) == []
    listed = await gw.client.get("/api/v1/competitions/titanic/submissions", headers=host)
    assert listed.json()["total"] == 0
    # no quota was used: the one allowed submission still goes through
    assert (await gw.submit(alice)).status_code == 202


async def test_oversized_upload_is_413_and_nothing_kept(make_gateway: Callable[..., Any]) -> None:
    async with make_gateway(max_submission_bytes=4096) as gw:
        host = await gw.user("hana", is_host=True)
        comp = await gw.ready_competition(host)
        big = make_zip({"main.py": b"x", "blob.bin": os.urandom(8000)})
        declared = await gw.submit(host, body=big)
        assert declared.status_code == 413
        assert declared.json()["max_bytes"] == 4096

        async def chunked() -> AsyncIterator[bytes]:
            for i in range(0, len(big), 1000):
                yield big[i : i + 1000]

        streamed = await gw.client.post(
            "/api/v1/competitions/titanic/submissions", content=chunked(), headers={**host}
        )
        assert streamed.status_code == 413
        assert "4 KiB" in streamed.json()["detail"]
        assert await gw.storage.list("submissions", f"{comp['id']}/") == []
        assert os.listdir(gw.settings.uploads_tmp_dir) == []


async def test_competition_without_data_or_labels_is_409(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    await gw.competition(host)
    r = await gw.submit(host)
    assert r.status_code == 409
    assert r.json()["missing"] == ["data", "labels"]
    assert "test data" in r.json()["detail"] and "labels" in r.json()["detail"]
    await gw.client.put("/api/v1/competitions/titanic/data/test.csv", content=b"id\n1\n", headers=host)
    r = await gw.submit(host)
    assert r.json()["missing"] == ["labels"]


async def test_schedule_is_enforced_for_participants(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice = await gw.user("alice")
    soon = datetime.now(UTC) + timedelta(days=1)
    await gw.ready_competition(host, "later", opens_at=soon.isoformat())
    not_open = await gw.submit(alice, "later")
    assert not_open.status_code == 403
    assert not_open.json()["type"].endswith("/competition-not-open")
    assert datetime.fromisoformat(not_open.json()["opens_at"]) == soon
    assert (await gw.submit(host, "later")).status_code == 202  # the host may try it out

    past = datetime.now(UTC) - timedelta(days=2)
    await gw.ready_competition(
        host, "over", opens_at=past.isoformat(), closes_at=(past + timedelta(days=1)).isoformat()
    )
    closed = await gw.submit(alice, "over")
    assert closed.status_code == 403
    assert "closed" in closed.json()["detail"]


async def test_daily_quota_is_per_team_with_smoke_runs_apart(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice = await gw.user("alice")
    await gw.ready_competition(host, daily_quota=2, smoke_daily_quota=1)
    assert (await gw.submit(alice)).status_code == 202
    assert (await gw.submit(alice)).status_code == 202
    r = await gw.submit(alice)
    assert r.status_code == 429
    problem = r.json()
    assert problem["remaining"] == 0 and problem["limit"] == 2
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date()
    resets_at = datetime.fromisoformat(problem["resets_at"])
    assert (
        resets_at.date() == tomorrow and resets_at.time().hour == 0 and resets_at.utcoffset() == timedelta(0)
    )

    assert (await gw.submit(alice, smoke="true")).status_code == 202
    assert (await gw.submit(alice, smoke="true")).status_code == 429
    # another team has its own quota
    bob = await gw.user("bob")
    assert (await gw.submit(bob)).status_code == 202


async def test_cancelled_before_running_gives_the_quota_back(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice = await gw.user("alice")
    await gw.ready_competition(host, daily_quota=1)
    sub = (await gw.submit(alice)).json()
    r = await gw.client.post(f"/api/v1/submissions/{sub['id']}/cancel", headers=alice)
    assert r.status_code == 200
    assert r.json()["status"] == "cancelled"
    cancelled = await eventually(lambda: _async(gw.of_type("submission.cancelled")))
    assert isinstance(cancelled[0], SubmissionCancelled) and str(cancelled[0].submission_id) == sub["id"]
    again = await gw.client.post(f"/api/v1/submissions/{sub['id']}/cancel", headers=alice)
    assert again.status_code == 409
    assert "already cancelled" in again.json()["detail"]
    assert (await gw.submit(alice)).status_code == 202


async def test_submissions_are_visible_to_their_team_and_the_host_only(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice, bob = await gw.user("alice"), await gw.user("bob")
    await gw.ready_competition(host)
    sub = (await gw.submit(alice)).json()
    await gw.submit(bob)

    assert (await gw.client.get(f"/api/v1/submissions/{sub['id']}", headers=bob)).status_code == 404
    assert (await gw.client.post(f"/api/v1/submissions/{sub['id']}/cancel", headers=bob)).status_code == 404
    assert (await gw.client.get(f"/api/v1/submissions/{sub['id']}", headers=host)).status_code == 200
    own = (await gw.client.get("/api/v1/competitions/titanic/submissions", headers=alice)).json()
    assert own["total"] == 1 and own["items"][0]["id"] == sub["id"]
    everyone = (await gw.client.get("/api/v1/competitions/titanic/submissions", headers=host)).json()
    assert everyone["total"] == 2
    carol = await gw.user("carol")
    assert (await gw.client.get("/api/v1/competitions/titanic/submissions", headers=carol)).json()[
        "total"
    ] == 0


async def test_teams_one_per_user_per_competition(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice = await gw.user("alice")
    await gw.ready_competition(host)
    assert (await gw.client.get("/api/v1/competitions/titanic/teams/mine", headers=alice)).status_code == 404
    r = await gw.client.post("/api/v1/competitions/titanic/teams", json={"name": "Rockets"}, headers=alice)
    assert r.status_code == 201 and r.json()["members"] == ["alice"]
    again = await gw.client.post("/api/v1/competitions/titanic/teams", json={"name": "Other"}, headers=alice)
    assert again.status_code == 409
    assert "Rockets" in again.json()["detail"]
    sub = (await gw.submit(alice)).json()
    assert sub["team_name"] == "Rockets"
    # a solo team takes the username, suffixed when a team already has that name
    alice2 = await gw.user("Rockets")
    assert (await gw.submit(alice2)).json()["team_name"] == "Rockets-2"
