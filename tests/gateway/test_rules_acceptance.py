"""A competition's rules (Markdown, versioned) and their acceptance: the gate before
creating or joining a team, downloading files and submitting."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from tests.gateway.conftest import Gateway

COMP = "/api/v1/competitions/titanic"


async def test_a_participant_must_accept_the_current_rules_before_taking_part(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice = await gw.user("alice", accept_rules=False)
    comp = await gw.ready_competition(host, rules="# Rules\n\nOne account per person.")
    assert (comp["rules"], comp["rules_version"]) == ("# Rules\n\nOne account per person.", 1)
    await gw.client.put(f"{COMP}/files/train.csv", content=b"id,x,target\n", headers=host)

    seen = (await gw.client.get(COMP, headers=alice)).json()
    assert seen["rules_accepted"] is False
    assert (await gw.client.get(COMP)).json()["rules_accepted"] is None  # anonymous

    for refused in (
        await gw.client.post(f"{COMP}/teams", json={"name": "alpha"}, headers=alice),
        await gw.client.post(f"{COMP}/teams/join", json={"invite_code": "hdi_x"}, headers=alice),
        await gw.client.get(f"{COMP}/files/train.csv", headers=alice),
        await gw.client.get(f"{COMP}/smoke-sample", headers=alice),
        await gw.submit(alice),
    ):
        assert refused.status_code == 403, refused.text
        problem = refused.json()
        assert problem["type"].endswith("/rules-not-accepted")
        assert problem["rules_version"] == 1
        assert "rules/acceptance" in problem["detail"]
    assert gw.of_type("submission.queued") == []

    accepted = await gw.client.post(f"{COMP}/rules/acceptance", headers=alice)
    assert accepted.status_code == 201
    assert accepted.json()["rules_version"] == 1 and accepted.json()["created"] is True
    again = await gw.client.post(f"{COMP}/rules/acceptance", headers=alice)
    assert again.status_code == 200
    assert again.json()["accepted_at"] == accepted.json()["accepted_at"]
    assert (await gw.client.get(COMP, headers=alice)).json()["rules_accepted"] is True
    listed = (await gw.client.get("/api/v1/competitions", headers=alice)).json()
    assert listed["items"][0]["rules_accepted"] is True

    assert (await gw.client.post(f"{COMP}/teams", json={"name": "alpha"}, headers=alice)).status_code == 201
    assert (await gw.client.get(f"{COMP}/files/train.csv", headers=alice)).status_code == 200
    assert (await gw.submit(alice)).status_code == 202


async def test_changing_the_rules_bumps_the_version_and_asks_for_a_new_acceptance(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice = await gw.user("alice")  # accepts version 1 (the fixture)
    await gw.ready_competition(host, rules="Be nice.")
    assert (await gw.submit(alice)).status_code == 202

    same = await gw.client.patch(COMP, json={"rules": "Be nice.", "title": "Titanic!"}, headers=host)
    assert same.json()["rules_version"] == 1  # the text did not change
    changed = await gw.client.patch(COMP, json={"rules": "Be nice. No private sharing."}, headers=host)
    assert changed.status_code == 200
    assert changed.json()["rules_version"] == 2

    assert (await gw.client.get(COMP, headers=alice)).json()["rules_accepted"] is False
    refused = await gw.submit(alice)
    assert refused.status_code == 403 and refused.json()["rules_version"] == 2
    accepted = await gw.client.post(f"{COMP}/rules/acceptance", headers=alice)
    assert accepted.status_code == 201 and accepted.json()["rules_version"] == 2
    assert (await gw.submit(alice)).status_code == 202


async def test_the_host_and_admins_need_not_accept_their_competitions_rules(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True, accept_rules=False)
    other_host = await gw.user("otto", is_host=True, accept_rules=False)
    await gw.ready_competition(host, rules="Hosts write these.")
    assert (await gw.client.get(COMP, headers=host)).json()["rules_accepted"] is True
    assert (await gw.client.get(COMP, headers=gw.admin)).json()["rules_accepted"] is True
    assert (await gw.submit(host)).status_code == 202
    assert (
        await gw.client.post(f"{COMP}/teams", json={"name": "staff"}, headers=gw.admin)
    ).status_code == 201
    # another competition's host is a participant here
    refused = await gw.client.post(f"{COMP}/teams", json={"name": "otto"}, headers=other_host)
    assert refused.status_code == 403


async def test_accepting_needs_a_user_and_an_existing_competition(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    await gw.competition(host)
    assert (await gw.client.post(f"{COMP}/rules/acceptance")).status_code == 401
    alice = await gw.user("alice", accept_rules=False)
    missing = await gw.client.post("/api/v1/competitions/nope/rules/acceptance", headers=alice)
    assert missing.status_code == 404


async def test_rules_are_markdown_text_and_bounded(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    script = "<script>alert(1)</script>\n\n**bold**"
    comp = await gw.competition(host, rules=script)
    # stored and returned as the host wrote it; the web app renders it as text
    assert comp["rules"] == script
    too_long = await gw.client.patch(COMP, json={"rules": "x" * 100_001}, headers=host)
    assert too_long.status_code == 422


async def test_concurrent_acceptances_record_one_and_files_work_on_both_databases(
    make_gateway: Callable[..., Any], database_url: str
) -> None:
    async with make_gateway(gateway_database_url=database_url) as gw:
        host = await gw.user("hana", is_host=True)
        alice = await gw.user("alice", accept_rules=False)
        await gw.competition(host, rules="v1")
        results = await asyncio.gather(
            *(gw.client.post(f"{COMP}/rules/acceptance", headers=alice) for _ in range(6))
        )
        assert sorted(r.status_code for r in results) == [200] * 5 + [201], [r.text for r in results]
        assert len({r.json()["accepted_at"] for r in results}) == 1

        put = await gw.client.put(
            f"{COMP}/files/train.csv", params={"kind": "training"}, content=b"a,b\n", headers=host
        )
        assert put.status_code == 201, put.text
        got = await gw.client.get(f"{COMP}/files/train.csv", headers=alice)
        assert got.status_code == 200 and got.content == b"a,b\n"
        await gw.client.patch(COMP, json={"rules": "v2"}, headers=host)
        assert (await gw.client.get(f"{COMP}/files/train.csv", headers=alice)).status_code == 403
        await gw.accept_rules(alice)
        assert (await gw.client.get(f"{COMP}/files/train.csv", headers=alice)).status_code == 200
