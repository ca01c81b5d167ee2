"""The host's (and admins') own runs: shown to them, never ranked unless the
competition says so. The boards learn which teams those are from competition.updated."""

from __future__ import annotations

from typing import Any

from tests.gateway.conftest import Gateway, eventually

TEAMS = "/api/v1/competitions/titanic/teams"


async def last_unranked(gw: Gateway, comp: dict[str, Any], count: int) -> list[str]:
    async def probe() -> list[Any] | None:
        found = [e for e in gw.of_type("competition.updated") if str(e.competition_id) == comp["id"]]
        return found if len(found) >= count else None

    events = await eventually(probe)
    return sorted(str(t) for t in events[-1].unranked_team_ids)


async def test_host_and_admin_teams_are_announced_as_unranked(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice = await gw.user("alice")
    comp = await gw.ready_competition(host)
    assert await last_unranked(gw, comp, 1) == []

    hosts_run = await gw.submit(host)  # the host's solo team is made on the way
    assert hosts_run.status_code == 202, hosts_run.text
    host_team = hosts_run.json()["team_id"]
    assert await last_unranked(gw, comp, 2) == [host_team]

    participant = await gw.client.post(TEAMS, json={"name": "alpha"}, headers=alice)
    assert participant.status_code == 201
    admins = await gw.submit(gw.admin)
    assert await last_unranked(gw, comp, 3) == sorted([host_team, admins.json()["team_id"]])
    # the host still sees their own run
    mine = await gw.client.get("/api/v1/competitions/titanic/submissions", headers=host)
    assert hosts_run.json()["id"] in [s["id"] for s in mine.json()["items"]]

    # a competition may rank them after all
    r = await gw.client.patch(
        "/api/v1/competitions/titanic", json={"rank_host_submissions": True}, headers=host
    )
    assert r.status_code == 200 and r.json()["rank_host_submissions"] is True
    assert await last_unranked(gw, comp, 4) == []
