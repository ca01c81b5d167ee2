"""Registration approval through the API: where a competition requires it, a team waits
for the host's decision before it may submit, and a refused team is told why."""

from __future__ import annotations

from typing import Any

from tests.gateway.conftest import Gateway

TEAMS = "/api/v1/competitions/titanic/teams"


async def decide(gw: Gateway, who: dict[str, str], team_id: str, **body: Any) -> Any:
    return await gw.client.post(f"{TEAMS}/{team_id}/approval", json=body, headers=who)


async def test_a_team_submits_once_the_host_approves_it(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice, bob = await gw.user("alice"), await gw.user("bob")
    comp = await gw.ready_competition(host, requires_approval=True)
    assert comp["requires_approval"] is True

    # a first upload makes alice's team, which waits for the host (no bytes are kept)
    r = await gw.submit(alice)
    assert r.status_code == 403, r.text
    problem = r.json()
    assert problem["code"] == "team-not-approved" and problem["approval"] == "pending"
    assert problem["reason"] is None and "waiting for the host" in problem["detail"]
    mine = (await gw.client.get(f"{TEAMS}/mine", headers=alice)).json()
    assert mine["approval"] == {"state": "pending", "reason": None, "decided_by": None, "decided_at": None}
    # bob registers a team by name
    r = await gw.client.post(TEAMS, json={"name": "bobcats"}, headers=bob)
    assert r.status_code == 201 and r.json()["approval"]["state"] == "pending"
    bobcats = r.json()["id"]
    assert (await gw.submit(bob, smoke="true")).status_code == 403  # smoke runs wait too

    # the host's own team is approved when made
    assert (await gw.submit(host)).status_code == 202
    listed = (await gw.client.get(TEAMS, params={"approval": "pending"}, headers=host)).json()
    assert sorted(t["name"] for t in listed["items"]) == ["alice", "bobcats"] and listed["total"] == 2
    approved = (await gw.client.get(TEAMS, params={"approval": "approved"}, headers=host)).json()
    assert [t["name"] for t in approved["items"]] == ["hana"]
    # others see the teams, not their approval states, and cannot filter by them
    public = (await gw.client.get(TEAMS, headers=bob)).json()
    assert {t["name"]: t["approval"] is not None for t in public["items"]} == {
        "alice": False,
        "bobcats": True,
        "hana": False,
    }
    r = await gw.client.get(TEAMS, params={"approval": "pending"}, headers=bob)
    assert r.status_code == 403 and r.json()["code"] == "host-only"
    assert (await gw.client.get(TEAMS, params={"approval": "pending"})).status_code == 401
    r = await gw.client.get(TEAMS, params={"approval": "maybe"}, headers=host)
    assert r.status_code == 422

    alice_team = next(t for t in listed["items"] if t["name"] == "alice")["id"]
    r = await decide(gw, host, alice_team, approved=True)
    assert r.status_code == 200, r.text
    decided = r.json()["approval"]
    assert decided["state"] == "approved" and decided["decided_by"] == "hana" and decided["decided_at"]
    assert (await gw.submit(alice)).status_code == 202
    listed = (await gw.client.get(TEAMS, params={"approval": "pending"}, headers=host)).json()
    assert [t["id"] for t in listed["items"]] == [bobcats]


async def test_a_refused_team_is_told_the_reason(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice, mallory = await gw.user("alice"), await gw.user("mallory")
    await gw.ready_competition(host, requires_approval=True)
    team = (await gw.client.post(TEAMS, json={"name": "alpha"}, headers=alice)).json()["id"]

    # a refusal needs a reason; only the host decides
    r = await decide(gw, host, team, approved=False)
    assert r.status_code == 422 and "reason" in r.text
    r = await decide(gw, host, team, approved=False, reason="   ")
    assert r.status_code == 422
    r = await decide(gw, mallory, team, approved=True)
    assert r.status_code == 403 and r.json()["code"] == "host-only"
    r = await decide(gw, host, "00000000-0000-0000-0000-000000000000", approved=True)
    assert r.status_code == 404 and r.json()["code"] == "team-not-found"

    r = await decide(gw, host, team, approved=False, reason="the university affiliation is missing")
    assert r.status_code == 200, r.text
    assert r.json()["approval"]["state"] == "refused"
    r = await gw.submit(alice)
    assert r.status_code == 403, r.text
    problem = r.json()
    assert problem["code"] == "team-not-approved" and problem["approval"] == "refused"
    assert problem["reason"] == "the university affiliation is missing"
    assert "refused team 'alpha': the university affiliation is missing" in problem["detail"]
    mine = (await gw.client.get(f"{TEAMS}/mine", headers=alice)).json()
    assert mine["approval"]["state"] == "refused"
    assert mine["approval"]["reason"] == "the university affiliation is missing"

    # the host may change their mind
    r = await decide(gw, host, team, approved=True, reason="affiliation received")
    assert r.status_code == 200 and r.json()["approval"]["reason"] == "affiliation received"
    assert (await gw.submit(alice)).status_code == 202


async def test_without_approval_teams_are_approved_and_stay_so_when_it_is_turned_on(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice, bob = await gw.user("alice"), await gw.user("bob")
    comp = await gw.ready_competition(host)
    assert comp["requires_approval"] is False
    assert (await gw.submit(alice)).status_code == 202
    mine = (await gw.client.get(f"{TEAMS}/mine", headers=alice)).json()
    assert mine["approval"]["state"] == "approved"

    r = await gw.client.patch("/api/v1/competitions/titanic", json={"requires_approval": True}, headers=host)
    assert r.status_code == 200 and r.json()["requires_approval"] is True
    assert (await gw.submit(alice)).status_code == 202
    r = await gw.submit(bob)
    assert r.status_code == 403 and r.json()["approval"] == "pending"

    # turned off again: nobody waits
    r = await gw.client.patch("/api/v1/competitions/titanic", json={"requires_approval": False}, headers=host)
    assert r.status_code == 200
    assert (await gw.submit(bob)).status_code == 202
