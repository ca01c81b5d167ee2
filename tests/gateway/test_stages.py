"""A competition's stages through the API: adding, reading and editing them, the rules
their settings keep, each stage's own data and labels, and which stage an upload goes to.

Schedules are set relative to now (and moved by editing them), never waited for.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.gateway.conftest import LABELS, Gateway, eventually

STAGES = "/api/v1/competitions/titanic/stages"
# 0/1 labels with both classes among the public and the private rows (roc_auc needs that)
BINARY_LABELS = "id,target,Usage\n1,0,Public\n2,1,Public\n3,0,Private\n4,1,Private\n"


def at(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


async def two_stages(gw: Gateway, host: dict[str, str], **stage2: Any) -> dict[str, Any]:
    """A competition open from an hour ago for an hour, and a second stage after it."""
    await gw.competition(host, opens_at=at(-1), closes_at=at(1), daily_quota=3)
    body = {"name": "Finals", "opens_at": at(1), "closes_at": at(2), **stage2}
    r = await gw.client.post(STAGES, json=body, headers=host)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_add_list_read_and_edit_stages(gw: Gateway) -> None:
    host = await gw.user("host", is_host=True)
    stage = await two_stages(gw, host, metric="f1_macro")
    comp = (await gw.client.get("/api/v1/competitions/titanic")).json()
    # copied from the first stage unless sent; data and labels start empty
    assert stage["position"] == 2 and stage["name"] == "Finals" and stage["id"] != comp["id"]
    assert stage["metric"] == "f1_macro" and [c["key"] for c in stage["columns"]] == ["f1_macro"]
    assert stage["daily_quota"] == 3 and stage["limits"] == comp["limits"]
    assert stage["data_version"] == 1 and stage["data_files"] == [] and stage["labels_version"] is None
    assert stage["accepts_submissions"] is True and stage["feed"] is None and stage["is_open"] is False

    listed = (await gw.client.get(STAGES)).json()  # public, like the competition
    assert listed["total"] == 2 and [s["position"] for s in listed["items"]] == [1, 2]
    first = (await gw.client.get(f"{STAGES}/1")).json()
    assert first["id"] == comp["id"] and first["name"] == "Main" and first["metric"] == "accuracy"
    assert first["is_open"] is True
    r = await gw.client.get(f"{STAGES}/3")
    assert r.status_code == 404 and r.json()["code"] == "stage-not-found"

    r = await gw.client.patch(f"{STAGES}/2", json={"daily_quota": 7, "name": "Final round"}, headers=host)
    assert r.status_code == 200, r.text
    assert r.json()["daily_quota"] == 7 and r.json()["name"] == "Final round"
    # stage 1 is the competition's own settings
    r = await gw.client.patch(f"{STAGES}/1", json={"name": "League", "smoke_daily_quota": 2}, headers=host)
    assert r.status_code == 200, r.text
    comp = (await gw.client.get("/api/v1/competitions/titanic")).json()
    assert comp["smoke_daily_quota"] == 2
    assert [s["name"] for s in comp["stages"]] == ["League", "Final round"]
    assert [s["is_open"] for s in comp["stages"]] == [True, False]
    assert comp["current_stage"] == 1 and comp["is_open"] is True

    # only the host edits; anyone reads
    alice = await gw.user("alice")
    r = await gw.client.patch(f"{STAGES}/2", json={"daily_quota": 1}, headers=alice)
    assert r.status_code == 403 and r.json()["code"] == "host-only"
    r = await gw.client.post(STAGES, json={"name": "More", "opens_at": at(3)}, headers=alice)
    assert r.status_code == 403

    # the boards hear of every stage and its columns
    async def announced() -> Any:
        updates = gw.of_type("competition.updated")
        last = updates[-1] if updates else None
        return (
            last if last is not None and [s.name for s in last.stages] == ["League", "Final round"] else None
        )

    event = await eventually(announced)
    assert [str(s.stage_id) for s in event.stages] == [comp["id"], stage["id"]]
    assert [[c.key for c in s.columns] for s in event.stages] == [["accuracy"], ["f1_macro"]]


@pytest.mark.parametrize(
    ("body", "code", "says"),
    [
        ({"opens_at": None}, "invalid-schedule", "has no opens_at"),
        ({"opens_at": -2}, "invalid-schedule", "before stage 1 ('Main') opens"),
        ({"opens_at": 0.5}, "invalid-schedule", "stages may not overlap"),
        ({"accepts_submissions": False}, "invalid-feed", "give it a feed"),
        (
            {"columns": [{"key": "acc", "metric": "accuracy"}, {"key": "acc", "metric": "f1_macro"}]},
            "invalid-columns",
            "used twice",
        ),
        ({"columns": [{"key": "Acc", "metric": "accuracy"}]}, "invalid-columns", "lower-case letters"),
        ({"columns": [{"key": "acc", "metric": "nope"}]}, "unknown-metric", "unknown metric 'nope'"),
        (
            {"columns": [{"key": "auc", "metric": "roc_auc", "threshold": 0.5}]},
            "invalid-columns",
            "threshold applies only to metrics that compare classes",
        ),
        (
            {"columns": [{"key": "acc", "metric": "accuracy", "threshold": 1.5}]},
            "invalid-columns",
            "between 0 and 1",
        ),
        ({"columns": [{"key": "custom"}]}, "invalid-columns", "upload a scoring program for the stage first"),
        (
            {"columns": [{"key": "rmse", "metric": "rmse", "higher_is_better": True}]},
            "invalid-columns",
            "better when lower",
        ),
        (
            {"metric": "accuracy", "columns": [{"key": "acc", "metric": "accuracy"}]},
            "invalid-columns",
            "not both",
        ),
        ({"metric": "nope"}, "unknown-metric", "unknown metric 'nope'"),
        ({"daily_quota": 10**6}, "value-too-large", "daily_quota is 1000000"),
    ],
)
async def test_a_new_stage_is_refused_with_a_clear_problem(
    gw: Gateway, body: dict[str, Any], code: str, says: str
) -> None:
    host = await gw.user("host", is_host=True)
    await gw.competition(host, opens_at=at(-1), closes_at=at(1))
    # times are given in hours from now, made absolute when the test runs
    body = {k: at(v) if isinstance(v, float | int) and k.endswith("_at") else v for k, v in body.items()}
    r = await gw.client.post(STAGES, json={"name": "Finals", "opens_at": at(1), **body}, headers=host)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == code and says in r.json()["detail"], r.json()
    assert (await gw.client.get(STAGES)).json()["total"] == 1  # nothing was added


async def test_edits_that_break_the_stage_rules_are_refused(gw: Gateway) -> None:
    host = await gw.user("host", is_host=True)
    await two_stages(gw, host)

    async def refused(path: str, body: dict[str, Any], code: str, says: str) -> None:
        r = await gw.client.patch(path, json=body, headers=host)
        assert r.status_code == 422, r.text
        assert r.json()["code"] == code and says in r.json()["detail"], r.json()

    await refused(f"{STAGES}/1", {"feed": "finals"}, "invalid-feed", "the first stage has no earlier stage")
    await refused(f"{STAGES}/1", {"accepts_submissions": False}, "invalid-feed", "give it a feed")
    await refused(f"{STAGES}/2", {"accepts_submissions": False}, "invalid-feed", "give it a feed")
    await refused(f"{STAGES}/2", {"closes_at": at(0.5)}, "invalid-schedule", "would close")
    # moving the first stage's end (on the stage or on the competition) past the next one's start
    await refused(f"{STAGES}/1", {"closes_at": at(1.5)}, "invalid-schedule", "stages may not overlap")
    await refused("/api/v1/competitions/titanic", {"closes_at": at(1.5)}, "invalid-schedule", "overlap")
    r = await gw.client.patch(f"{STAGES}/2", json={"accepts_submissions": False, "feed": "all"}, headers=host)
    assert r.status_code == 200 and r.json()["feed"] == "all", r.text
    r = await gw.client.patch(f"{STAGES}/2", json={"feed": None}, headers=host)
    assert r.status_code == 422 and r.json()["code"] == "invalid-feed"
    r = await gw.client.patch(f"{STAGES}/0", json={"name": "x"}, headers=host)
    assert r.status_code == 422


async def test_each_stage_has_its_own_data_and_labels_scored_by_its_own_columns(gw: Gateway) -> None:
    host = await gw.user("host", is_host=True)
    columns = [{"key": "auc", "metric": "roc_auc"}, {"key": "acc", "metric": "accuracy", "threshold": 0.4}]
    stage = await two_stages(gw, host, columns=columns)
    assert stage["metric"] == "auc" and stage["higher_is_better"] is True
    assert [(c["key"], c["metric"], c["threshold"]) for c in stage["columns"]] == [
        ("auc", "roc_auc", None),
        ("acc", "accuracy", 0.4),
    ]

    r = await gw.client.put(f"{STAGES}/2/data/test.csv", content=b"id,x\n1,2\n", headers=host)
    assert r.status_code == 200, r.text
    # labels accuracy scores, but not roc_auc: it needs both classes among the private rows too
    r = await gw.client.put(f"{STAGES}/2/labels", content=LABELS.encode(), headers=host)
    assert r.status_code == 422 and r.json()["code"] == "invalid-labels", r.text
    assert "roc_auc" in r.json()["detail"]
    r = await gw.client.put(f"{STAGES}/2/labels", content=BINARY_LABELS.encode(), headers=host)
    assert r.status_code == 200 and r.json()["labels_version"] == 1, r.text
    r = await gw.client.put(f"{STAGES}/2/smoke/data/test.csv", content=b"id,x\n1,2\n", headers=host)
    assert r.status_code == 200 and r.json()["subset"] == "smoke", r.text
    r = await gw.client.put(f"{STAGES}/2/smoke/labels", content=b"id,target\n1,0\n2,1\n", headers=host)
    assert r.status_code == 200, r.text

    second = (await gw.client.get(f"{STAGES}/2")).json()
    assert [f["filename"] for f in second["data_files"]] == ["test.csv"]
    assert second["labels_version"] == 1 and second["smoke_labels_version"] == 1
    assert [f["filename"] for f in second["smoke_data_files"]] == ["test.csv"]
    comp = (await gw.client.get("/api/v1/competitions/titanic")).json()
    assert comp["data_files"] == [] and comp["labels_version"] is None  # the first stage's

    # a scoring change must still score what is uploaded: mape cannot divide by the 0s
    r = await gw.client.patch(f"{STAGES}/2", json={"metric": "mape"}, headers=host)
    assert r.status_code == 422 and r.json()["code"] == "labels-not-scorable", r.text
    r = await gw.client.patch(f"{STAGES}/2", json={"columns": [{"key": "e", "metric": "mape"}]}, headers=host)
    assert r.status_code == 422 and r.json()["code"] == "labels-not-scorable", r.text
    # back to a plain metric and extra metrics (the columns go)
    r = await gw.client.patch(
        f"{STAGES}/2", json={"columns": [], "extra_metrics": ["f1_macro"]}, headers=host
    )
    assert r.status_code == 200, r.text
    assert r.json()["metric"] == "roc_auc" and [c["key"] for c in r.json()["columns"]] == [
        "roc_auc",
        "f1_macro",
    ]
    r = await gw.client.put("/api/v1/competitions/titanic/stages/3/labels", content=b"x", headers=host)
    assert r.status_code == 404 and r.json()["code"] == "stage-not-found"


async def test_no_uploads_between_stages_nor_in_an_evaluation_only_stage(gw: Gateway) -> None:
    host = await gw.user("host", is_host=True)
    alice = await gw.user("alice")
    await gw.competition(host, opens_at=at(-3), closes_at=at(-2))
    r = await gw.client.post(STAGES, json={"name": "Finals", "opens_at": at(1)}, headers=host)
    assert r.status_code == 201, r.text

    r = await gw.submit(alice)
    assert r.status_code == 403, r.text
    problem = r.json()
    assert problem["code"] == "between-stages"
    assert problem["closed_stage"] == 1 and problem["next_stage"] == 2
    assert (
        datetime.fromisoformat(problem["closes_at"])
        < datetime.now(UTC)
        < datetime.fromisoformat(problem["opens_at"])
    )
    assert "stage 1 ('Main') closed" in problem["detail"] and "stage 2 ('Finals') opens" in problem["detail"]
    comp = (await gw.client.get("/api/v1/competitions/titanic")).json()
    assert comp["current_stage"] is None and comp["is_open"] is False

    # the second stage opens now, evaluation-only
    body = {"opens_at": at(-1), "accepts_submissions": False, "feed": "finals"}
    r = await gw.client.patch(f"{STAGES}/2", json=body, headers=host)
    assert r.status_code == 200, r.text
    r = await gw.submit(alice)
    assert r.status_code == 403 and r.json()["code"] == "stage-takes-no-uploads", r.text
    assert r.json()["stage"] == 2 and "evaluation-only" in r.json()["detail"]
    comp = (await gw.client.get("/api/v1/competitions/titanic")).json()
    assert comp["current_stage"] == 2 and comp["is_open"] is False
    assert [s["is_open"] for s in comp["stages"]] == [False, False]


async def test_a_submission_belongs_to_the_open_stage_and_its_quota(gw: Gateway) -> None:
    host = await gw.user("host", is_host=True)
    alice = await gw.user("alice")
    await gw.ready_competition(host, opens_at=at(-1), closes_at=at(1), daily_quota=1)
    stage = (
        await gw.client.post(
            STAGES, json={"name": "Finals", "opens_at": at(1), "metric": "f1_macro"}, headers=host
        )
    ).json()
    assert stage["daily_quota"] == 1
    await gw.client.put(f"{STAGES}/2/data/test.csv", content=b"id,x\n1,2\n", headers=host)
    await gw.client.put(f"{STAGES}/2/labels", content=LABELS.encode(), headers=host)

    r = await gw.submit(alice)
    assert r.status_code == 202, r.text
    first = r.json()
    assert first["stage_position"] == 1 and first["stage_id"] == first["competition_id"]
    r = await gw.submit(alice)
    assert r.status_code == 429 and r.json()["code"] == "quota-exceeded"

    # stage 1 ends and stage 2 begins now: the same day, a fresh quota of stage 2's
    r = await gw.client.patch(f"{STAGES}/1", json={"closes_at": at(-0.001)}, headers=host)
    assert r.status_code == 200, r.text
    r = await gw.client.patch(f"{STAGES}/2", json={"opens_at": at(-0.0005)}, headers=host)
    assert r.status_code == 200, r.text
    r = await gw.submit(alice)
    assert r.status_code == 202, r.text
    second = r.json()
    assert second["stage_id"] == stage["id"] and second["stage_position"] == 2 and second["rerun_of"] is None
    r = await gw.submit(alice)
    assert r.status_code == 429 and r.json()["code"] == "quota-exceeded"

    read = await gw.status_of(second["id"], alice)
    assert read["stage_id"] == stage["id"] and read["stage_position"] == 2
    listed = (await gw.client.get("/api/v1/competitions/titanic/submissions", headers=alice)).json()
    assert [s["stage_position"] for s in listed["items"]] == [2, 1]

    async def queued() -> Any:
        found = [e for e in gw.of_type("submission.queued") if str(e.submission_id) == second["id"]]
        return found[0] if found else None

    event = await eventually(queued)
    assert str(event.stage_id) == stage["id"]
    assert event.scoring.metric == "f1_macro"
    assert event.scoring.labels_key.startswith(stage["id"] + "/")
    assert event.execution.data_prefix == f"{stage['id']}/1/"


async def test_a_later_stage_with_nothing_scored_shows_its_own_columns(gw: Gateway) -> None:
    """Before the leaderboard has heard of a stage, its board is empty with the stage's
    declared columns (a hidden one left out), not the first stage's metric."""
    host = await gw.user("host", is_host=True)
    columns = [
        {"key": "f1", "metric": "f1_macro", "precision": 3},
        {"key": "acc", "metric": "accuracy", "hidden": True},
    ]
    stage = await two_stages(gw, host, columns=columns)
    gw.upstreams.leaderboard = lambda request: httpx.Response(404, json={"detail": "unknown"})
    board = (await gw.client.get("/api/v1/competitions/titanic/leaderboard", params={"stage": 2})).json()
    assert board["stage_id"] == stage["id"] and board["metric"] == "f1" and board["entries"] == []
    assert board["columns"] == [{"key": "f1", "higher_is_better": True, "precision": 3}]
