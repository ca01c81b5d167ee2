"""Reproductions through the gateway's API, driven by fake run and score events: the
re-runs are queued like the original (same archive, same snapshot), the verdict reads
identical, within tolerance, differs (with the spread) or failed, no quota is used,
the team neither sees nor asks for them, and a board's top entries are re-run."""

from __future__ import annotations

import uuid
from typing import Any

from shared.events import (
    ExecutionFinished,
    ExecutionStarted,
    FailureReason,
    Resources,
    SubmissionQueued,
    SubmissionScored,
    utcnow,
)
from tests.gateway.conftest import LABELS, Gateway, eventually
from tests.gateway.test_consumers import finished
from tests.gateway.test_training_stages import open_second_stage, training_then_inference


async def queued_of(gw: Gateway, submission_id: str) -> SubmissionQueued:
    async def find() -> SubmissionQueued | None:
        for e in gw.of_type("submission.queued"):
            if str(e.submission_id) == submission_id:
                return e  # type: ignore[no-any-return]
        return None

    return await eventually(find)


async def run(
    gw: Gateway,
    submission_id: str,
    public: float,
    private: float,
    *,
    wall: float = 2.0,
    failure: FailureReason | None = None,
) -> None:
    """The orchestrator's and the scorer's events for one run, as they would come."""
    q = await queued_of(gw, submission_id)
    await gw.bus.publish(ExecutionStarted(submission_id=q.submission_id, attempt=1, started_at=utcnow()))
    finished = ExecutionFinished(
        submission_id=q.submission_id,
        competition_id=q.competition_id,
        team_id=q.team_id,
        team_name=q.team_name,
        submitted_at=q.submitted_at,
        attempt=1,
        failure_reason=failure,
        detail="main.py exited with code 1" if failure else "",
        exit_code=1 if failure else 0,
        predictions_key=None if failure else f"{submission_id}/1/predictions.csv",
        resources=Resources(wall_seconds=wall, cpu_seconds=wall / 2, peak_memory_mb=64.0),
        scoring=q.scoring,
        purpose=q.purpose,
    )
    await gw.bus.publish(finished)
    await gw.consumed(finished)
    if failure:
        return
    event = SubmissionScored(
        submission_id=q.submission_id,
        competition_id=q.competition_id,
        team_id=q.team_id,
        team_name=q.team_name,
        submitted_at=q.submitted_at,
        metric="accuracy",
        higher_is_better=True,
        public_score=public,
        private_score=private,
        scores={"accuracy": public, "depth": 3.0},
        private_scores={"accuracy": private, "depth": 3.0},
        purpose=q.purpose,
    )
    await gw.bus.publish(event)
    await gw.consumed(event)


async def scored_submission(gw: Gateway, who: dict[str, str], public: float, private: float) -> str:
    r = await gw.submit(who)
    assert r.status_code == 202, r.text
    sid = str(r.json()["id"])
    await run(gw, sid, public, private)
    return sid


async def reproduce(gw: Gateway, sid: str, host: dict[str, str], **body: Any) -> dict[str, Any]:
    r = await gw.client.post(f"/api/v1/submissions/{sid}/reproductions", json=body, headers=host)
    assert r.status_code == 202, r.text
    return dict(r.json())


async def report(gw: Gateway, sid: str, host: dict[str, str], **params: Any) -> dict[str, Any]:
    r = await gw.client.get(f"/api/v1/submissions/{sid}/reproductions", params=params, headers=host)
    assert r.status_code == 200, r.text
    return dict(r.json())


def spread_of(body: dict[str, Any], board: str = "public", key: str = "accuracy") -> dict[str, Any]:
    [found] = [s for s in body["spread"] if s["board"] == board and s["key"] == key]
    return found


async def test_three_identical_reruns_are_identical_and_queued_like_the_original(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice = await gw.user("alice")
    await gw.ready_competition(host)
    sid = await scored_submission(gw, alice, 0.8, 0.7)

    asked = await reproduce(gw, sid, host, count=3)
    assert asked["verdict"] == "pending" and asked["tolerance"] == 0
    assert [r["status"] for r in asked["reruns"]] == ["queued"] * 3
    original = await queued_of(gw, sid)
    for rerun in asked["reruns"]:
        q = await queued_of(gw, rerun["submission_id"])
        assert (q.purpose, q.rerun_of, q.archive_key) == ("reproduce", uuid.UUID(sid), original.archive_key)
        assert (q.execution, q.scoring, q.stage_id) == (
            original.execution,
            original.scoring,
            original.stage_id,
        )
        assert q.submitted_at == original.submitted_at  # judged by the same rescoring as the original
        await run(gw, rerun["submission_id"], 0.8, 0.7, wall=2.5)

    body = await report(gw, sid, host)
    assert body["verdict"] == "identical"
    assert body["original"]["public_scores"] == {"accuracy": 0.8, "depth": 3.0}
    assert body["original"]["private_scores"] == {"accuracy": 0.7, "depth": 3.0}
    assert body["original"]["resources"]["wall_seconds"] == 2.0
    assert [r["resources"]["wall_seconds"] for r in body["reruns"]] == [2.5] * 3
    assert {(s["board"], s["key"], s["max_abs_diff"]) for s in body["spread"]} == {
        ("public", "accuracy", 0.0),
        ("public", "depth", 0.0),
        ("private", "accuracy", 0.0),
        ("private", "depth", 0.0),
    }


async def test_small_differences_are_within_the_tolerance_and_larger_ones_differ(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice = await gw.user("alice")
    await gw.ready_competition(host)
    sid = await scored_submission(gw, alice, 0.8, 0.7)
    asked = await reproduce(gw, sid, host, count=3, tolerance=0.01)
    for rerun, score in zip(asked["reruns"], (0.805, 0.8, 0.795), strict=True):
        await run(gw, rerun["submission_id"], score, 0.7)

    body = await report(gw, sid, host)
    assert (body["verdict"], body["tolerance"]) == ("within_tolerance", 0.01)
    strict = await report(gw, sid, host, tolerance=0)
    assert strict["verdict"] == "differs"
    public = spread_of(strict)
    assert (public["original"], public["min"], public["max"]) == (0.8, 0.795, 0.805)
    assert abs(public["max_abs_diff"] - 0.005) < 1e-9
    assert spread_of(strict, "private")["max_abs_diff"] == 0.0


async def test_random_scores_differ_with_their_spread(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice = await gw.user("alice")
    await gw.ready_competition(host)
    sid = await scored_submission(gw, alice, 0.5, 0.5)
    asked = await reproduce(gw, sid, host, count=3, tolerance=0.05)
    for rerun, score in zip(asked["reruns"], (0.3, 0.6, 0.45), strict=True):
        await run(gw, rerun["submission_id"], score, 1 - score)
    body = await report(gw, sid, host)
    assert body["verdict"] == "differs"
    public, private = spread_of(body), spread_of(body, "private")
    assert (public["min"], public["max"], round(public["max_abs_diff"], 9)) == (0.3, 0.6, 0.2)
    assert (private["min"], private["max"], round(private["max_abs_diff"], 9)) == (0.4, 0.7, 0.2)


async def test_a_failed_rerun_fails_the_reproduction_with_its_reason(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice = await gw.user("alice")
    await gw.ready_competition(host)
    sid = await scored_submission(gw, alice, 0.8, 0.7)
    first, second = (await reproduce(gw, sid, host, count=2))["reruns"]
    await run(gw, first["submission_id"], 0.8, 0.7)
    assert (await report(gw, sid, host))["verdict"] == "pending"
    await run(gw, second["submission_id"], 0, 0, failure=FailureReason.RUNTIME_ERROR)
    body = await report(gw, sid, host)
    assert body["verdict"] == "failed"
    assert body["reruns"][1]["failure_reason"] == "runtime_error"
    assert "exited with code 1" in body["reruns"][1]["detail"]


async def test_reruns_use_no_quota_and_the_team_neither_sees_nor_asks_for_them(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice = await gw.user("alice")
    bob = await gw.user("bob")
    await gw.ready_competition(host, daily_quota=2)
    sid = await scored_submission(gw, alice, 0.8, 0.7)
    quota_before = (await gw.client.get("/api/v1/competitions/titanic/quota", headers=alice)).json()
    reruns = (await reproduce(gw, sid, host, count=3))["reruns"]
    for rerun in reruns:
        await run(gw, rerun["submission_id"], 0.8, 0.7)

    quota_after = (await gw.client.get("/api/v1/competitions/titanic/quota", headers=alice)).json()
    assert (
        quota_after["submissions"] == quota_before["submissions"] == {"limit": 2, "used": 1, "remaining": 1}
    )
    assert (await gw.submit(alice)).status_code == 202  # the second of two still goes through

    mine = (await gw.client.get("/api/v1/competitions/titanic/submissions", headers=alice)).json()
    assert mine["total"] == 2 and all(s["purpose"] == "compete" for s in mine["items"])
    hosts = (await gw.client.get("/api/v1/competitions/titanic/submissions", headers=host)).json()
    assert sorted(s["purpose"] for s in hosts["items"]) == ["compete"] * 2 + ["reproduce"] * 3
    rerun_id = reruns[0]["submission_id"]
    assert (await gw.client.get(f"/api/v1/submissions/{rerun_id}", headers=alice)).status_code == 404
    assert (await gw.client.get(f"/api/v1/submissions/{rerun_id}", headers=host)).json()["rerun_of"] == sid
    finals = await gw.client.put(
        "/api/v1/competitions/titanic/teams/mine/final-submissions",
        json={"submission_ids": [rerun_id]},
        headers=alice,
    )
    assert finals.status_code == 422 and "not a submission of your team" in finals.text, finals.text

    url = f"/api/v1/submissions/{sid}/reproductions"
    assert (await gw.client.get(url, headers=alice)).status_code == 403
    assert (await gw.client.post(url, json={"count": 1}, headers=alice)).status_code == 403
    assert (await gw.client.get(url, headers=bob)).status_code == 404
    assert (await gw.client.post(url, json={"count": 1}, headers=bob)).status_code == 404
    board = await gw.client.post("/api/v1/competitions/titanic/reproductions", json={"top": 1}, headers=alice)
    assert board.status_code == 403
    assert len((await report(gw, sid, host))["reruns"]) == 3


async def test_what_cannot_be_reproduced_is_refused_with_the_reason(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice = await gw.user("alice")
    await gw.ready_competition(host)
    queued = (await gw.submit(alice)).json()["id"]
    sid = await scored_submission(gw, alice, 0.8, 0.7)
    url = "/api/v1/submissions/{}/reproductions"

    r = await gw.client.post(url.format(queued), json={"count": 1}, headers=host)
    assert (r.status_code, r.json()["code"]) == (409, "submission-not-scored")
    for bad in ({"count": 0}, {"count": 11}, {"count": 1, "tolerance": -1}, {"count": 1, "extra": 1}):
        r = await gw.client.post(url.format(sid), json=bad, headers=host)
        assert r.status_code == 422, bad
    r = await gw.client.get(url.format(sid), headers=host)
    assert (r.status_code, r.json()["code"]) == (404, "no-reproductions")
    rerun = (await reproduce(gw, sid, host, count=1))["reruns"][0]["submission_id"]
    r = await gw.client.post(url.format(rerun), json={"count": 1}, headers=host)
    assert (r.status_code, r.json()["code"]) == (409, "not-an-original")

    # new labels since the original ran: a re-run would be judged on other data
    r = await gw.client.put("/api/v1/competitions/titanic/labels", content=LABELS.encode(), headers=host)
    assert r.status_code == 200, r.text
    r = await gw.client.post(url.format(sid), json={"count": 1}, headers=host)
    assert r.status_code == 409 and r.json()["code"] == "data-changed", r.text
    assert "labels version 1 then" in r.json()["detail"]


async def test_the_top_of_the_board_is_reproduced_best_first(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice, bob, carol = [await gw.user(n) for n in ("alice", "bob", "carol")]
    await gw.ready_competition(host)
    await scored_submission(gw, alice, 0.9, 0.5)
    best_of_alice = await scored_submission(gw, alice, 0.95, 0.5)
    of_bob = await scored_submission(gw, bob, 0.8, 0.5)
    await scored_submission(gw, carol, 0.7, 0.5)
    await scored_submission(gw, host, 0.99, 0.99)  # the host's own test: not on the board

    r = await gw.client.post(
        "/api/v1/competitions/titanic/reproductions", json={"top": 2, "count": 2}, headers=host
    )
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["stage_position"] == 1
    assert [i["submission_id"] for i in body["items"]] == [best_of_alice, of_bob]
    assert [len(i["reruns"]) for i in body["items"]] == [2, 2]
    assert all(i["verdict"] == "pending" for i in body["items"])

    async def reruns_published() -> list[Any] | None:  # the relay publishes after the commit
        found = [e for e in gw.of_type("submission.queued") if e.purpose == "reproduce"]
        return found if len(found) >= 4 else None

    queued = await eventually(reruns_published)
    assert sorted(str(e.rerun_of) for e in queued) == sorted([best_of_alice, of_bob] * 2)


async def test_a_training_run_is_reproduced_by_its_model_digest_and_keeps_feeding_its_own_model(
    gw: Gateway,
) -> None:
    host = await gw.user("hana", is_host=True)
    ada = await gw.user("ada")
    await training_then_inference(gw, host, "platform")
    r = await gw.submit(ada)
    assert r.status_code == 202, r.text
    sid = str(r.json()["id"])
    q = await queued_of(gw, sid)
    model = {"model_sha256": "ab" * 32, "model_size_bytes": 1234}

    async def train(q: SubmissionQueued, **model: Any) -> None:
        done = finished(q, exit_code=0, kind="training", model_key=f"{q.submission_id}/1/model.zip", **model)
        await gw.bus.publish(done)
        await gw.consumed(done)

    # not yet trained: nothing to reproduce
    r = await gw.client.post(f"/api/v1/submissions/{sid}/reproductions", json={}, headers=host)
    assert (r.status_code, r.json()["code"]) == (409, "submission-not-scored"), r.text
    assert "only trained submissions" in r.json()["detail"]
    await train(q, **model)

    asked = await reproduce(gw, sid, host, count=2)
    assert (asked["kind"], asked["verdict"], asked["model_matches"]) == ("training", "pending", None)
    assert asked["original"]["model_sha256"] == "ab" * 32 and asked["original"]["model_size_bytes"] == 1234
    reruns = [await queued_of(gw, x["submission_id"]) for x in asked["reruns"]]
    for rerun in reruns:
        # the same zip trained again on the same data and limits, as a reproduction
        assert (rerun.purpose, rerun.archive_key) == ("reproduce", q.archive_key)
        assert rerun.execution == q.execution

    await train(reruns[0], **model)
    first = await report(gw, sid, host)
    assert [x["status"] for x in first["reruns"]] == ["trained", "queued"]
    assert (first["verdict"], first["model_matches"], first["spread"]) == ("pending", True, [])
    await train(reruns[1], **model)
    same = await report(gw, sid, host)
    assert (same["verdict"], same["model_matches"]) == ("identical", True)

    # the next stage's run is given the original's model, never a reproduction's
    await open_second_stage(gw, host)
    r = await gw.submit(ada)
    assert r.status_code == 202, r.text
    inference = await queued_of(gw, str(r.json()["id"]))
    assert inference.execution.model_key == f"{sid}/1/model.zip"

    # a re-run whose model differs in one byte does not reproduce
    r = await gw.client.post(f"/api/v1/submissions/{sid}/reproductions", json={"count": 1}, headers=host)
    assert r.status_code == 202, r.text
    [third] = [x for x in r.json()["reruns"] if x["status"] == "queued"]
    await train(await queued_of(gw, third["submission_id"]), model_sha256="cd" * 32, model_size_bytes=1234)
    differs = await report(gw, sid, host)
    assert (differs["verdict"], differs["model_matches"]) == ("differs", False)
