"""Competitions: create and validation, test data and labels uploads."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

from tests.gateway.conftest import LABELS, Gateway


async def test_create_and_read_by_slug_and_id(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    comp = await gw.competition(host, limits={"time_limit_s": 60}, daily_quota=3)
    assert comp["limits"]["time_limit_s"] == 60
    assert comp["limits"]["memory_mb"] == 2048
    assert comp["higher_is_better"] is True
    assert comp["predictions_filename"] == "submission.csv"
    by_slug = await gw.client.get("/api/v1/competitions/titanic")
    by_id = await gw.client.get(f"/api/v1/competitions/{comp['id']}")
    assert by_slug.json() == by_id.json()
    assert by_slug.json()["daily_quota"] == 3

    missing = await gw.client.get("/api/v1/competitions/nope")
    assert missing.status_code == 404
    assert "nope" in missing.json()["detail"]


async def test_unknown_metric_lists_the_valid_names(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    body = {"slug": "x", "title": "X", "metric": "accuracyy", "id_column": "id", "target_columns": ["y"]}
    r = await gw.client.post("/api/v1/competitions", json=body, headers=host)
    assert r.status_code == 422
    problem = r.json()
    assert problem["type"].endswith("/unknown-metric")
    assert "accuracy" in problem["valid_metrics"] and "rmse" in problem["valid_metrics"]
    assert "accuracy, " in problem["detail"]


async def test_invalid_fields_are_422_and_slug_is_unique(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    base = {"slug": "x", "title": "X", "metric": "accuracy", "id_column": "id", "target_columns": ["y"]}
    no_targets = await gw.client.post(
        "/api/v1/competitions", json={**base, "target_columns": []}, headers=host
    )
    assert no_targets.status_code == 422
    assert "target_columns" in no_targets.json()["detail"]
    id_as_target = await gw.client.post(
        "/api/v1/competitions", json={**base, "target_columns": ["id"]}, headers=host
    )
    assert id_as_target.status_code == 422
    assert (await gw.client.post("/api/v1/competitions", json=base, headers=host)).status_code == 201
    dup = await gw.client.post("/api/v1/competitions", json=base, headers=host)
    assert dup.status_code == 409
    assert dup.json()["type"].endswith("/slug-taken")


async def test_list_is_paginated(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    for i in range(3):
        await gw.competition(host, f"c{i}")
    r = await gw.client.get("/api/v1/competitions", params={"offset": 1, "limit": 1})
    page = r.json()
    assert page["total"] == 3 and page["offset"] == 1 and page["limit"] == 1
    assert len(page["items"]) == 1
    assert (await gw.client.get("/api/v1/competitions", params={"limit": 0})).status_code == 422


async def test_data_upload_streams_into_storage(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    comp = await gw.competition(host)

    async def body() -> AsyncIterator[bytes]:
        for _ in range(4):
            yield b"x" * 1000

    r = await gw.client.put("/api/v1/competitions/titanic/data/features.csv", content=body(), headers=host)
    assert r.status_code == 200, r.text
    assert r.json()["size_bytes"] == 4000
    stored = await gw.storage.get_bytes("data", f"{comp['id']}/1/features.csv")
    assert stored == b"x" * 4000
    after = (await gw.client.get("/api/v1/competitions/titanic")).json()
    assert [f["filename"] for f in after["data_files"]] == ["features.csv"]


async def test_data_upload_rules(gw: Gateway, make_gateway: Callable[..., Any]) -> None:
    host = await gw.user("hana", is_host=True)
    alice = await gw.user("alice")
    await gw.competition(host)
    not_host = await gw.client.put("/api/v1/competitions/titanic/data/a.csv", content=b"1", headers=alice)
    assert not_host.status_code == 403
    bad_name = await gw.client.put("/api/v1/competitions/titanic/data/.hidden", content=b"1", headers=host)
    assert bad_name.status_code == 422
    assert bad_name.json()["type"].endswith("/invalid-filename")


async def test_data_upload_over_the_limit_is_413(make_gateway: Callable[..., Any]) -> None:
    async with make_gateway(max_data_bytes=100) as gw:
        host = await gw.user("hana", is_host=True)
        comp = await gw.competition(host)

        async def chunked() -> AsyncIterator[bytes]:
            for _ in range(10):
                yield b"y" * 50

        r = await gw.client.put("/api/v1/competitions/titanic/data/big.csv", content=chunked(), headers=host)
        assert r.status_code == 413
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["max_bytes"] == 100
        assert await gw.storage.list("data", f"{comp['id']}/") == []
        declared = await gw.client.put(
            "/api/v1/competitions/titanic/data/big.csv", content=b"z" * 101, headers=host
        )
        assert declared.status_code == 413


async def test_labels_become_a_new_version_each_upload(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    comp = await gw.competition(host)
    first = await gw.client.put("/api/v1/competitions/titanic/labels", content=LABELS.encode(), headers=host)
    assert first.status_code == 200, first.text
    assert first.json() | {"sha256": ""} == {
        "labels_version": 1,
        "rows": 3,
        "public_rows": 2,
        "private_rows": 1,
        "size_bytes": len(LABELS),
        "sha256": "",
    }
    second = await gw.client.put("/api/v1/competitions/titanic/labels", content=LABELS.encode(), headers=host)
    assert second.json()["labels_version"] == 2
    assert await gw.storage.list("labels", f"{comp['id']}/") == [f"{comp['id']}/1.csv", f"{comp['id']}/2.csv"]
    assert (await gw.client.get("/api/v1/competitions/titanic")).json()["labels_version"] == 2


async def test_bad_labels_get_specific_problems(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    comp = await gw.competition(host)
    cases = {
        "id,target\n1,0\n": "lacks 'Usage'",
        "id,Usage\n1,Public\n": "lacks 'target'",
        "id,target,Usage\n1,0,Public\n2,1,Secret\n": "line 3 (id '2'): 'Secret'",
        "id,target,Usage\n1,0,Private\n": "at least one",
        "id,target,Usage\n1,0,Public\n1,1,Private\n": "repeats 1 id: '1'",
        "id,target,Usage\n1,0\n": "line 2 (id '1'): ''",
        "id,target,Usage\n1,0,Public\n,1,Private\n": "empty id: line 3",
        "": "empty",
    }
    for body, expected in cases.items():
        r = await gw.client.put("/api/v1/competitions/titanic/labels", content=body.encode(), headers=host)
        assert r.status_code == 422, body
        problem = r.json()
        assert problem["type"].endswith("/invalid-labels")
        assert any(expected in p for p in problem["problems"]), (body, problem)
    assert await gw.storage.list("labels", f"{comp['id']}/") == []
    assert (await gw.client.get("/api/v1/competitions/titanic")).json()["labels_version"] is None


async def test_replacing_data_used_by_a_submission_starts_a_new_version(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    comp = await gw.ready_competition(host)
    await gw.client.put("/api/v1/competitions/titanic/data/extra.csv", content=b"e", headers=host)
    assert (await gw.submit(host)).status_code == 202
    r = await gw.client.put("/api/v1/competitions/titanic/data/test.csv", content=b"new", headers=host)
    assert r.status_code == 200
    after = (await gw.client.get("/api/v1/competitions/titanic")).json()
    assert after["data_version"] == 2
    assert sorted(f["filename"] for f in after["data_files"]) == ["extra.csv", "test.csv"]
    assert await gw.storage.get_bytes("data", f"{comp['id']}/1/test.csv") == b"id,x\n1,2\n"
    assert await gw.storage.get_bytes("data", f"{comp['id']}/2/test.csv") == b"new"
    assert await gw.storage.get_bytes("data", f"{comp['id']}/2/extra.csv") == b"e"


async def test_labels_the_metric_cannot_score_are_refused(gw: Gateway) -> None:
    """Refused at upload, with what is wrong, instead of failing every participant's run."""
    host = await gw.user("hana", is_host=True)
    rows = "id,target,Usage\n"
    cases: list[tuple[str, list[str], str, str]] = [
        ("rmse", ["target"], rows + "1,1.5,Public\n2,abc,Private\n", "line 3 (id '2'): 'abc'"),
        ("accuracy", ["target"], rows + "1,0.73,Public\n2,1,Private\n", "not whole (e.g. 0.73)"),
        ("roc_auc", ["target"], rows + "1,0.7,Public\n2,0.1,Public\n", "must hold 0 or 1"),
        ("roc_auc", ["target"], rows + "1,2,Public\n2,0,Public\n", "found 2"),
        (
            "roc_auc",
            ["target"],
            rows + "1,1,Public\n2,1,Public\n3,0,Private\n",
            "no Public row has the value 0",
        ),
        ("average_precision", ["target"], rows + "1,1,Public\n2,0,Public\n3,0,Private\n", "no Private row"),
        ("mape", ["target"], rows + "1,3.5,Public\n2,0,Private\n", "cannot score a 0"),
        ("log_loss", ["a", "b"], "id,a,b,Usage\n1,1,0,Public\n2,1,1,Public\n", "one-hot"),
    ]
    for i, (metric, targets, body, expected) in enumerate(cases):
        slug = f"m{i}"
        comp = await gw.competition(host, slug, metric=metric, target_columns=targets)
        for path in ("labels", "smoke/labels"):
            r = await gw.client.put(
                f"/api/v1/competitions/{slug}/{path}", content=body.encode(), headers=host
            )
            assert r.status_code == 422, (metric, body, r.text)
            assert r.json()["type"].endswith("/invalid-labels")
            assert expected in r.json()["detail"], (metric, r.json()["detail"])
        after = (await gw.client.get(f"/api/v1/competitions/{slug}")).json()
        assert after["labels_version"] is None and after["smoke_labels_version"] is None
        assert await gw.storage.list("labels", f"{comp['id']}/") == []

    fine = {
        "rmse": rows + "1,1.5,Public\n2,-3,Private\n",
        "accuracy": rows + "1,cat,Public\n2,dog,Private\n",
        "roc_auc": rows + "1,1,Public\n2,0,Public\n3,1,Private\n4,0,Private\n",
        "mape": rows + "1,2.5,Public\n2,-1,Private\n",
    }
    for metric, body in fine.items():
        await gw.competition(host, f"ok-{metric}".replace("_", "-"), metric=metric)
        r = await gw.client.put(
            f"/api/v1/competitions/ok-{metric}/labels".replace("_", "-"), content=body.encode(), headers=host
        )
        assert r.status_code == 200, (metric, r.text)


async def test_a_metric_that_cannot_score_the_uploaded_labels_is_refused(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    await gw.competition(host, metric="rmse")
    labels = b"id,target,Usage\n1,0.25,Public\n2,3.5,Private\n"
    assert (
        await gw.client.put("/api/v1/competitions/titanic/labels", content=labels, headers=host)
    ).status_code == 200
    r = await gw.client.patch("/api/v1/competitions/titanic", json={"metric": "accuracy"}, headers=host)
    assert r.status_code == 422, r.text
    assert r.json()["type"].endswith("/labels-not-scorable") and "not whole" in r.json()["detail"]
    assert (await gw.client.get("/api/v1/competitions/titanic")).json()["metric"] == "rmse"
    # a metric that can score them is fine
    ok = await gw.client.patch("/api/v1/competitions/titanic", json={"metric": "mae"}, headers=host)
    assert ok.status_code == 200 and ok.json()["metric"] == "mae"
