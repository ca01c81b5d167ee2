"""Host input the gateway refuses at the request that brings it, changing nothing:
unknown fields, absurd values (bounded by settings), NUL bytes, empty data files."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from tests.gateway.conftest import Gateway

BASE = {"slug": "x", "title": "X", "metric": "accuracy", "id_column": "id", "target_columns": ["y"]}


async def test_unknown_fields_of_a_create_body_are_named(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    for extra, field in (
        ({"dialy_quota": 3}, "dialy_quota"),
        ({"limits": {"gpus": 2}}, "limits.gpus"),
    ):
        r = await gw.client.post("/api/v1/competitions", json={**BASE, **extra}, headers=host)
        assert r.status_code == 422, r.text
        assert field in r.json()["detail"], r.json()
    assert (await gw.client.get("/api/v1/competitions")).json()["total"] == 0

    await gw.competition(host, "titanic")
    for path, body in (
        ("/api/v1/competitions/titanic/teams", {"name": "alpha", "colour": "red"}),
        ("/api/v1/competitions/titanic/teams/join", {"invite_code": "x", "team": "alpha"}),
        ("/api/v1/competitions/titanic/teams/mine/final-submissions", {"submission_ids": [], "x": 1}),
        ("/api/v1/users", {"username": "zed", "is_admin": True}),
    ):
        method = gw.client.put if path.endswith("final-submissions") else gw.client.post
        r = await method(path, json=body, headers=gw.admin)
        assert r.status_code == 422, (path, r.text)
        assert "Extra inputs are not permitted" in r.json()["detail"], (path, r.json())


async def test_absurd_values_are_refused_naming_the_setting(make_gateway: Callable[..., Any]) -> None:
    async with make_gateway(max_run_cpus=8, max_description_chars=1000) as gw:
        host = await gw.user("hana", is_host=True)
        cases = {
            "limits.memory_mb": ({"limits": {"memory_mb": 10**30}}, "HOLDOUT_MAX_RUN_MEMORY_MB"),
            "limits.cpus": ({"limits": {"cpus": 9}}, "HOLDOUT_MAX_RUN_CPUS"),
            "limits.time_limit_s": ({"limits": {"time_limit_s": 10**9}}, "HOLDOUT_MAX_RUN_TIME_S"),
            "limits.max_processes": ({"limits": {"max_processes": 10**7}}, "HOLDOUT_MAX_RUN_PROCESSES"),
            "limits.output_limit_mb": ({"limits": {"output_limit_mb": 10**8}}, "HOLDOUT_MAX_RUN_OUTPUT_MB"),
            "description": ({"description": "x" * 1001}, "HOLDOUT_MAX_DESCRIPTION_CHARS"),
            "daily_quota": ({"daily_quota": 10**12}, "HOLDOUT_MAX_DAILY_QUOTA"),
        }
        for field, (extra, setting) in cases.items():
            r = await gw.client.post("/api/v1/competitions", json={**BASE, **extra}, headers=host)
            assert r.status_code == 422, (field, r.text)
            problem = r.json()
            assert problem["type"].endswith("/value-too-large"), problem
            assert problem["field"] == field and problem["setting"] == setting
            assert setting in problem["detail"] and field in problem["detail"]
        assert (await gw.client.get("/api/v1/competitions")).json()["total"] == 0

        # at the bound is fine; the same bounds hold on an edit, which then changes nothing
        ok = await gw.client.post(
            "/api/v1/competitions",
            json={**BASE, "limits": {"cpus": 8}, "description": "d" * 1000},
            headers=host,
        )
        assert ok.status_code == 201, ok.text
        for patch, setting in (
            ({"limits": {"memory_mb": 10**30}}, "HOLDOUT_MAX_RUN_MEMORY_MB"),
            ({"limits": {"cpus": 8.5}}, "HOLDOUT_MAX_RUN_CPUS"),
            ({"description": "y" * 1001}, "HOLDOUT_MAX_DESCRIPTION_CHARS"),
            ({"smoke_daily_quota": 10**6}, "HOLDOUT_MAX_DAILY_QUOTA"),
        ):
            r = await gw.client.patch("/api/v1/competitions/x", json=patch, headers=host)
            assert r.status_code == 422, r.text
            assert r.json()["setting"] == setting
        after = (await gw.client.get("/api/v1/competitions/x")).json()
        assert after["limits"]["cpus"] == 8 and after["limits"]["memory_mb"] == 2048
        assert after["description"] == "d" * 1000 and after["smoke_daily_quota"] == 10


async def test_nul_bytes_in_text_fields_are_422(gw: Gateway) -> None:
    await check_nul_bytes_are_refused(gw)


async def check_nul_bytes_are_refused(gw: Gateway) -> None:
    """Also run on PostgreSQL, which cannot store a NUL in text (a 500 there otherwise)."""
    host = await gw.user("hana", is_host=True)
    for extra in (
        {"title": "Ti\x00tanic"},
        {"description": "a\x00b"},
        {"runtime": "py\x00"},
        {"target_columns": ["y", "z\x00"]},
    ):
        r = await gw.client.post("/api/v1/competitions", json={**BASE, **extra}, headers=host)
        assert r.status_code == 422, (extra, r.text)
        assert "NUL" in r.json()["detail"], r.json()
    await gw.competition(host, "titanic")
    patched = await gw.client.patch("/api/v1/competitions/titanic", json={"title": "\x00"}, headers=host)
    assert patched.status_code == 422 and "NUL" in patched.json()["detail"]
    team = await gw.client.post("/api/v1/competitions/titanic/teams", json={"name": "a\x00b"}, headers=host)
    assert team.status_code == 422, team.text
    assert (await gw.client.get("/api/v1/competitions/titanic")).json()["title"] == "Titanic"


@pytest.mark.parametrize("path", ["data/test.csv", "smoke/data/test.csv"])
async def test_an_empty_data_file_is_refused(gw: Gateway, path: str) -> None:
    host = await gw.user("hana", is_host=True)
    comp = await gw.competition(host, "titanic")

    async def nothing() -> AsyncIterator[bytes]:
        for _ in range(2):
            yield b""

    for body in (b"", nothing()):
        r = await gw.client.put(f"/api/v1/competitions/titanic/{path}", content=body, headers=host)
        assert r.status_code == 422, r.text
        assert r.json()["type"].endswith("/empty-file") and "0 bytes" in r.json()["detail"]
    after = (await gw.client.get("/api/v1/competitions/titanic")).json()
    assert after["data_files"] == [] and after["smoke_data_files"] == []
    assert await gw.storage.list("data", f"{comp['id']}/") == []
