"""Reviewing a submission: the host downloads its zip, predictions and whole log byte for
byte and reads its execution record; a team only where the competition allows it; any
other team learns nothing (404). The run is played by events, as the orchestrator sends
them, with its outputs written where the orchestrator writes them."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx

from shared.events import ExecutionFinished, ExecutionStarted, Resources, SubmissionQueued, utcnow
from shared.storage import AzureBlobStorage
from tests.gateway.conftest import Gateway, eventually, make_zip

DIGEST = "sha256:" + "5f1c" * 16
PREDICTIONS = b"id,target\n1,0\n2,1\n3,1\n"
# bigger than the orchestrator's log endpoint answers (4 MiB), and not text-clean
LOG = b"".join(b"step %d: loss %f\n" % (i, 1 / (i + 1)) for i in range(250_000)) + bytes(range(256))


async def _queued(gw: Gateway, submission_id: str) -> SubmissionQueued:
    async def find() -> SubmissionQueued | None:
        return next(
            (e for e in gw.of_type("submission.queued") if str(e.submission_id) == submission_id), None
        )

    return await eventually(find)


async def _ran(gw: Gateway, q: SubmissionQueued, who: dict[str, str]) -> ExecutionFinished:
    """Play the orchestrator: the run's outputs in storage, then its events."""
    base = f"{q.submission_id}/1"
    await gw.storage.put_bytes("outputs", f"{base}/predictions.csv", PREDICTIONS)
    await gw.storage.put_bytes("outputs", f"{base}/log.txt", LOG)
    await gw.bus.publish(ExecutionStarted(submission_id=q.submission_id, attempt=1, started_at=utcnow()))
    finished = ExecutionFinished(
        submission_id=q.submission_id,
        competition_id=q.competition_id,
        team_id=q.team_id,
        team_name=q.team_name,
        submitted_at=q.submitted_at,
        attempt=1,
        exit_code=0,
        predictions_key=f"{base}/predictions.csv",
        log_key=f"{base}/log.txt",
        resources=Resources(wall_seconds=2.5, cpu_seconds=2.0, peak_memory_mb=90.0),
        scoring=q.scoring,
        runtime="default",
        runtime_digest=DIGEST,
        machine="cpu-standard-4",
        gpu_used=False,
    )
    await gw.bus.publish(finished)
    await gw.wait_status(str(q.submission_id), who, "scoring")
    return finished


def _orchestrator_view(attempt: int = 1) -> Callable[[httpx.Request], httpx.Response]:
    def handle(request: httpx.Request) -> httpx.Response:
        sid = request.url.path.rsplit("/", 1)[1]
        return httpx.Response(
            200,
            json={
                "submission_id": sid,
                "status": "finished",
                "attempt": attempt,
                "failure_reason": None,
                "detail": "",
                "exit_code": 0,
                "resources": {"wall_seconds": 2.5},
                "queued_at": "2026-12-01T10:00:00+00:00",
                "started_at": "2026-12-01T10:00:01+00:00",
                "finished_at": "2026-12-01T10:00:04+00:00",
                "runtime": "default",
                "runtime_digest": DIGEST,
                "machine": "cpu-standard-4",
                "gpu_used": False,
            },
        )

    return handle


async def test_the_host_downloads_what_was_uploaded_and_written_and_other_teams_see_nothing(
    gw: Gateway,
) -> None:
    host = await gw.user("hana", is_host=True)
    alice = await gw.user("alice")
    bob = await gw.user("bob")
    await gw.ready_competition(host)
    zipped = make_zip({"main.py": b"print('hi')\n", "model.bin": random.Random(7).randbytes(50_000)})
    r = await gw.submit(alice, body=zipped)
    assert r.status_code == 202, r.text
    sid = r.json()["id"]
    await gw.submit(bob)  # bob's team exists, with a submission of its own
    await _ran(gw, await _queued(gw, sid), alice)
    gw.upstreams.orchestrator = _orchestrator_view()

    archive = await gw.client.get(f"/api/v1/submissions/{sid}/archive", headers=host)
    assert archive.status_code == 200 and archive.content == zipped
    assert archive.headers["content-type"] == "application/zip"
    assert archive.headers["etag"] == f'"{r.json()["sha256"]}"'
    assert archive.headers["content-disposition"] == f'attachment; filename="submission-{sid}.zip"'
    predictions = await gw.client.get(f"/api/v1/submissions/{sid}/predictions", headers=host)
    assert predictions.status_code == 200 and predictions.content == PREDICTIONS
    full = await gw.client.get(f"/api/v1/submissions/{sid}/log", params={"full": "true"}, headers=host)
    assert full.status_code == 200 and full.content == LOG and len(LOG) > 4 * 1024 * 1024
    # a download resumes where it broke off
    part = await gw.client.get(
        f"/api/v1/submissions/{sid}/log", params={"full": "true"}, headers={**host, "Range": "bytes=100-199"}
    )
    assert part.status_code == 206 and part.content == LOG[100:200]
    assert (await gw.client.get(f"/api/v1/submissions/{sid}/archive", headers=gw.admin)).content == zipped

    record = await gw.client.get(f"/api/v1/submissions/{sid}/execution", headers=host)
    assert record.status_code == 200, record.text
    body = record.json()
    assert (body["runtime"], body["runtime_digest"], body["machine"], body["gpu_used"]) == (
        "default",
        DIGEST,
        "cpu-standard-4",
        False,
    )
    assert body["attempts"] == 1 and body["resources"]["wall_seconds"] == 2.5
    # the competition's pinned version beside the one the run reported, for the host to compare
    pinned = (await gw.client.get("/api/v1/competitions/titanic")).json()["runtime_digest"]
    assert body["pinned_runtime_digest"] == pinned and pinned.startswith("sha256:") and pinned != DIGEST
    assert body["has_predictions"] and body["has_log"] and body["sha256"] == r.json()["sha256"]
    assert body["finished_at"].startswith("2026-12-01T10:00:04")

    # another team: not even whether it exists
    for path in ("archive", "predictions", "execution", "log?full=true", "log"):
        refused = await gw.client.get(f"/api/v1/submissions/{sid}/{path}", headers=bob)
        assert refused.status_code == 404, (path, refused.text)
        assert refused.json()["code"] == "submission-not-found"


async def test_a_team_downloads_its_own_only_where_the_competition_allows_it(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice = await gw.user("alice")
    await gw.ready_competition(host)
    zipped = make_zip({"main.py": b"print('mine')\n"})
    r = await gw.submit(alice, body=zipped)
    sid = r.json()["id"]
    await _ran(gw, await _queued(gw, sid), alice)
    gw.upstreams.orchestrator = _orchestrator_view()

    for path in ("archive", "predictions"):
        refused = await gw.client.get(f"/api/v1/submissions/{sid}/{path}", headers=alice)
        assert refused.status_code == 403 and refused.json()["code"] == "downloads-not-allowed", path
        assert "participants_download_own" in refused.json()["detail"]
    whole = await gw.client.get(f"/api/v1/submissions/{sid}/log", params={"full": "true"}, headers=alice)
    assert whole.status_code == 403 and whole.json()["code"] == "full-log-host-only"
    # the team still reads its execution record
    record = await gw.client.get(f"/api/v1/submissions/{sid}/execution", headers=alice)
    assert record.status_code == 200 and record.json()["runtime_digest"] == DIGEST

    comp = await gw.client.get("/api/v1/competitions/titanic", headers=alice)
    assert comp.json()["participants_download_own"] is False
    patched = await gw.client.patch(
        "/api/v1/competitions/titanic", json={"participants_download_own": True}, headers=host
    )
    assert patched.status_code == 200 and patched.json()["participants_download_own"] is True

    assert (await gw.client.get(f"/api/v1/submissions/{sid}/archive", headers=alice)).content == zipped
    mine = await gw.client.get(f"/api/v1/submissions/{sid}/predictions", headers=alice)
    assert mine.status_code == 200 and mine.content == PREDICTIONS
    assert mine.headers["content-disposition"] == f'attachment; filename="{sid}-submission.csv"'
    # the whole log stays the host's
    whole = await gw.client.get(f"/api/v1/submissions/{sid}/log", params={"full": "true"}, headers=alice)
    assert whole.status_code == 403


async def test_a_competition_can_allow_downloads_from_the_start_and_nothing_run_has_nothing_to_download(
    gw: Gateway,
) -> None:
    host = await gw.user("hana", is_host=True)
    alice = await gw.user("alice")
    created = await gw.ready_competition(host, participants_download_own=True)
    assert created["participants_download_own"] is True
    r = await gw.submit(alice)
    sid = r.json()["id"]
    await _queued(gw, sid)
    gw.upstreams.orchestrator = lambda request: httpx.Response(404, json={"detail": "no execution"})

    assert (await gw.client.get(f"/api/v1/submissions/{sid}/archive", headers=alice)).status_code == 200
    missing = await gw.client.get(f"/api/v1/submissions/{sid}/predictions", headers=alice)
    assert missing.status_code == 404 and missing.json()["code"] == "output-not-found"
    log = await gw.client.get(f"/api/v1/submissions/{sid}/log", params={"full": "true"}, headers=host)
    assert log.status_code == 404 and log.json()["code"] == "output-not-found"
    record = (await gw.client.get(f"/api/v1/submissions/{sid}/execution", headers=alice)).json()
    # queued, not run: the runtime it was queued with, nothing it ran on yet
    assert record["status"] == "queued" and record["attempts"] is None
    assert record["runtime"] == "default" and record["runtime_digest"] is None and record["machine"] is None
    assert record["has_predictions"] is False
    unknown = await gw.client.get(f"/api/v1/submissions/{uuid.uuid4()}/archive", headers=host)
    assert unknown.status_code == 404


async def test_an_orchestrator_outage_is_a_503_for_the_record_not_a_500(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    await gw.ready_competition(host)
    sid = (await gw.submit(host)).json()["id"]
    gw.upstreams.orchestrator = None  # unreachable
    r = await gw.client.get(f"/api/v1/submissions/{sid}/execution", headers=host)
    assert r.status_code == 503 and r.json()["code"] == "service-unavailable"


async def test_on_azure_the_host_is_redirected_to_a_read_only_sas_of_that_one_blob(
    make_gateway: Callable[..., Any], azure_storage: AzureBlobStorage
) -> None:
    async with make_gateway(storage=azure_storage) as gw:
        host = await gw.user("hana", is_host=True)
        alice = await gw.user("alice")
        await gw.ready_competition(host)
        zipped = make_zip({"main.py": b"print('azure')\n"})
        sid = (await gw.submit(alice, body=zipped)).json()["id"]
        await _ran(gw, await _queued(gw, sid), alice)

        async with httpx.AsyncClient() as http:
            for path, container, expected in (
                ("archive", "submissions", zipped),
                ("predictions", "outputs", PREDICTIONS),
                ("log?full=true", "outputs", LOG),
            ):
                r = await gw.client.get(f"/api/v1/submissions/{sid}/{path}", headers=host)
                assert r.status_code == 307 and r.headers["cache-control"] == "no-store", path
                parts = urlsplit(r.headers["location"])
                assert parts.path.startswith(f"/devstoreaccount1/{azure_storage.container_names[container]}/")
                assert "sp=r" in parts.query
                got = await http.get(r.headers["location"])
                assert got.status_code == 200 and got.content == expected, path
                tamper = await http.put(
                    r.headers["location"], content=b"x", headers={"x-ms-blob-type": "BlockBlob"}
                )
                assert tamper.status_code == 403
        # the team is refused before any redirect
        refused = await gw.client.get(f"/api/v1/submissions/{sid}/archive", headers=alice)
        assert refused.status_code == 403 and json.loads(refused.content)["code"] == "downloads-not-allowed"
