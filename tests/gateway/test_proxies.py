"""Leaderboards and logs through the gateway: relayed, and a 503 problem (never a 500)
when the service behind is down."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from shared.events import CompetitionRevealed
from tests.conftest import INTERNAL_TOKEN
from tests.gateway.conftest import Gateway, Upstreams, eventually


def board(competition_id: str, kind: str = "public") -> dict[str, object]:
    return {
        "competition_id": competition_id,
        "board": kind,
        "metric": "accuracy",
        "higher_is_better": True,
        "revealed": kind == "private",
        "total": 1,
        "offset": 0,
        "limit": 50,
        "entries": [
            {
                "rank": 1,
                "team_id": competition_id,
                "team_name": "alice",
                "submission_id": competition_id,
                "score": 0.9,
                "submitted_at": "2026-01-01T00:00:00Z",
                "submissions": 2,
            }
        ],
    }


async def test_leaderboard_down_is_503_problem(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    await gw.competition(host)
    r = await gw.client.get("/api/v1/competitions/titanic/leaderboard")
    assert r.status_code == 503
    assert r.headers["content-type"] == "application/problem+json"
    assert "leaderboard" in r.json()["detail"]

    def failing(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, text="oops")

    gw.upstreams.leaderboard = failing
    assert (await gw.client.get("/api/v1/competitions/titanic/leaderboard")).status_code == 503


async def test_public_leaderboard_is_relayed_to_anyone(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    comp = await gw.competition(host)

    def leaderboard(request: httpx.Request) -> httpx.Response:
        assert request.url.path == f"/api/v1/competitions/{comp['id']}/leaderboard"
        assert request.url.params["offset"] == "5" and request.url.params["limit"] == "10"
        return httpx.Response(200, json=board(comp["id"]))

    gw.upstreams.leaderboard = leaderboard
    r = await gw.client.get("/api/v1/competitions/titanic/leaderboard", params={"offset": 5, "limit": 10})
    assert r.status_code == 200
    assert r.json()["entries"][0]["team_name"] == "alice"


async def test_unknown_to_the_leaderboard_is_an_empty_board(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    comp = await gw.competition(host, metric="rmse")
    gw.upstreams.leaderboard = lambda request: httpx.Response(404, json={"detail": "unknown"})
    r = await gw.client.get("/api/v1/competitions/titanic/leaderboard")
    assert r.status_code == 200
    assert r.json() | {"entries": []} == {
        "competition_id": comp["id"],
        "stage_id": comp["id"],
        "board": "public",
        "metric": "rmse",
        "higher_is_better": False,
        "revealed": False,
        "total": 0,
        "offset": 0,
        "limit": 50,
        "columns": [{"key": "rmse", "higher_is_better": False, "precision": 4}],
        "entries": [],
    }


async def test_boards_are_asked_for_the_stage_at_a_position(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    comp = await gw.competition(host)
    asked: list[httpx.URL] = []

    def leaderboard(request: httpx.Request) -> httpx.Response:
        asked.append(request.url)
        if request.url.path.endswith(".csv"):
            return httpx.Response(200, text="rank\n", headers={"content-type": "text/csv"})
        return httpx.Response(200, json=board(comp["id"]))

    gw.upstreams.leaderboard = leaderboard
    base = "/api/v1/competitions/titanic/leaderboard"
    assert (await gw.client.get(base)).status_code == 200
    assert (await gw.client.get(base, params={"stage": 1, "limit": 5})).status_code == 200
    assert (await gw.client.get(f"{base}/public.csv", params={"stage": 1}, headers=host)).status_code == 200
    # no stage: the default one (the first, while a competition has one); stage 1: the competition's id
    assert asked[0].params["stage_id"] == comp["id"]
    assert (asked[1].params["stage_id"], asked[1].params["limit"]) == (comp["id"], "5")
    assert asked[2].params["stage_id"] == comp["id"]

    missing = await gw.client.get(base, params={"stage": 2})
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert "no stage 2" in missing.json()["detail"]
    assert (await gw.client.get(base, params={"stage": 0})).status_code == 422
    assert len(asked) == 3


async def test_private_leaderboard_host_always_others_after_reveal(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice = await gw.user("alice")
    comp = await gw.competition(host)

    def leaderboard(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={**board(comp["id"], "private"), "path": request.url.path})

    gw.upstreams.leaderboard = leaderboard
    hidden = await gw.client.get("/api/v1/competitions/titanic/leaderboard/private", headers=alice)
    assert hidden.status_code == 403
    assert "reveal" in hidden.json()["detail"]
    as_host = await gw.client.get("/api/v1/competitions/titanic/leaderboard/private", headers=host)
    assert as_host.json()["path"] == f"/internal/v1/competitions/{comp['id']}/leaderboard/private"

    assert (await gw.client.post("/api/v1/competitions/titanic/reveal", headers=alice)).status_code == 403
    revealed = await gw.client.post("/api/v1/competitions/titanic/reveal", headers=host)
    assert revealed.status_code == 200 and revealed.json()["revealed_at"] is not None
    events = await eventually(lambda: _now(gw.of_type("competition.revealed")))
    assert isinstance(events[0], CompetitionRevealed) and str(events[0].competition_id) == comp["id"]
    again = await gw.client.post("/api/v1/competitions/titanic/reveal", headers=host)
    assert again.json()["revealed_at"] == revealed.json()["revealed_at"]

    public = await gw.client.get("/api/v1/competitions/titanic/leaderboard/private", headers=alice)
    assert public.json()["path"] == f"/api/v1/competitions/{comp['id']}/leaderboard/private"
    anonymous = await gw.client.get("/api/v1/competitions/titanic/leaderboard/private")
    assert anonymous.status_code == 200


async def _now(value: Any) -> Any:
    return value


async def test_log_is_proxied_from_the_orchestrator(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice, bob = await gw.user("alice"), await gw.user("bob")
    await gw.ready_competition(host)
    sub = (await gw.submit(alice)).json()

    down = await gw.client.get(f"/api/v1/submissions/{sub['id']}/log", headers=alice)
    assert down.status_code == 503
    assert down.headers["content-type"] == "application/problem+json"

    def orchestrator(request: httpx.Request) -> httpx.Response:
        if request.url.path == f"/internal/v1/executions/{sub['id']}/log":
            return httpx.Response(200, text="epoch 1\nTraceback: oops\n")
        return httpx.Response(404, content=json.dumps({"detail": "unknown"}).encode())

    gw.upstreams.orchestrator = orchestrator
    r = await gw.client.get(f"/api/v1/submissions/{sub['id']}/log", headers=alice)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    assert "Traceback: oops" in r.text
    assert (await gw.client.get(f"/api/v1/submissions/{sub['id']}/log", headers=bob)).status_code == 404

    other = (await gw.submit(bob)).json()
    none_yet = await gw.client.get(f"/api/v1/submissions/{other['id']}/log", headers=bob)
    assert none_yet.status_code == 404 and "not started" in none_yet.json()["detail"]


async def test_hidden_logs_of_real_runs(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice = await gw.user("alice")
    await gw.ready_competition(host, show_logs=False)
    gw.upstreams.orchestrator = lambda request: httpx.Response(200, text="secret output")
    real = (await gw.submit(alice)).json()
    smoke = (await gw.submit(alice, smoke="true")).json()
    assert (await gw.client.get(f"/api/v1/submissions/{real['id']}/log", headers=alice)).status_code == 403
    assert (await gw.client.get(f"/api/v1/submissions/{smoke['id']}/log", headers=alice)).status_code == 200
    assert (await gw.client.get(f"/api/v1/submissions/{real['id']}/log", headers=host)).status_code == 200


async def test_live_board_updates_are_relayed_as_server_sent_events(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    comp = await gw.competition(host)
    body = (
        b"retry: 3000\n\n"
        + f'id: 7\nevent: board\ndata: {{"competition_id": "{comp["id"]}", "version": 7}}\n\n'.encode()
    )

    async def sse() -> Any:
        for line in body.splitlines(keepends=True):  # arrives piece by piece, as a live stream does
            yield line

    def leaderboard(request: httpx.Request) -> httpx.Response:
        assert request.url.path == f"/api/v1/competitions/{comp['id']}/leaderboard/events"
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=sse())

    gw.upstreams.leaderboard = leaderboard
    async with gw.client.stream("GET", "/api/v1/competitions/titanic/leaderboard/events") as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        assert r.headers["cache-control"] == "no-cache"
        received = b"".join([chunk async for chunk in r.aiter_raw()])
    assert received == body


async def test_live_board_with_the_leaderboard_down_is_a_503_problem(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    await gw.competition(host)
    r = await gw.client.get("/api/v1/competitions/titanic/leaderboard/events")
    assert r.status_code == 503 and r.headers["content-type"] == "application/problem+json"
    assert (await gw.client.get("/api/v1/competitions/nope/leaderboard/events")).status_code == 404


@pytest.mark.parametrize(
    "credential",
    [INTERNAL_TOKEN, None, "not-the-deployments-token"],
    # stable ids: the token is random per process, and parallel workers must collect alike
    ids=["the-deployments-token", "none", "another-token"],
)
async def test_calls_to_the_services_carry_the_credential_and_a_refusal_is_a_503(
    make_gateway: Callable[..., Any], upstreams: Upstreams, credential: str | None
) -> None:
    async def sse() -> Any:
        yield b"retry: 3000\n\n"

    def leaderboard(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/events"):
            return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=sse())
        return httpx.Response(200, json={"entries": []})

    upstreams.leaderboard = leaderboard
    upstreams.orchestrator = lambda request: httpx.Response(200, text="a log line")
    async with make_gateway(internal_token=credential) as gw:
        host = await gw.user("hana", is_host=True)
        alice = await gw.user("alice")
        await gw.ready_competition(host)
        sub = (await gw.submit(alice)).json()
        statuses = []
        for path, headers in (
            ("/api/v1/competitions/titanic/leaderboard/private", host),
            ("/api/v1/competitions/titanic/leaderboard/private.csv", host),
            ("/api/v1/competitions/titanic/leaderboard/events", {}),
            (f"/api/v1/submissions/{sub['id']}/log", alice),
        ):
            r = await gw.client.get(path, headers=headers)
            statuses.append(r.status_code)
            if r.status_code != 200:
                assert r.headers["content-type"] == "application/problem+json"
    assert {r.url.host for r in upstreams.seen} == {"leaderboard.test", "orchestrator.test"}
    if credential == INTERNAL_TOKEN:
        assert statuses == [200] * 4
        assert all(r.headers["authorization"] == f"Bearer {INTERNAL_TOKEN}" for r in upstreams.seen)
    else:
        # the operator's mistake, not the user's: never relayed as the user's own 401
        assert statuses == [503] * 4
