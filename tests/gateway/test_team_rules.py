"""Teams and final selection through the HTTP API: invite codes, join, leave, the
shared quota, and choosing final submissions (with the authorization cases)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from services.gateway.teams import finals as teams_finals
from services.gateway.teams import repository as teams_repository
from shared.events import SubmissionScored
from tests.gateway.conftest import Gateway, eventually

TEAMS = "/api/v1/competitions/titanic/teams"


async def scored(gw: Gateway, submission: dict[str, Any], score: float) -> None:
    event = SubmissionScored(
        submission_id=submission["id"],
        competition_id=submission["competition_id"],
        team_id=submission["team_id"],
        team_name=submission["team_name"],
        submitted_at=submission["created_at"],
        is_smoke=submission["is_smoke"],
        metric="accuracy",
        higher_is_better=True,
        public_score=score,
        private_score=score,
    )
    await gw.bus.publish(event)
    await gw.consumed(event)


async def test_invite_join_leave_and_the_shared_quota(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice, bob, carol = await gw.user("alice"), await gw.user("bob"), await gw.user("carol")
    await gw.ready_competition(host, daily_quota=2)

    assert (await gw.client.post(TEAMS, json={"name": "alpha"})).status_code == 401
    created = await gw.client.post(TEAMS, json={"name": "alpha"}, headers=alice)
    assert created.status_code == 201
    code = created.json()["invite_code"]
    assert code and created.json()["members"] == ["alice"]

    listed = (await gw.client.get(TEAMS)).json()
    assert listed["total"] == 1 and listed["items"][0]["invite_code"] is None  # anonymous
    by_bob = (await gw.client.get(TEAMS, headers=bob)).json()
    assert by_bob["items"][0]["invite_code"] is None and by_bob["items"][0]["members"] == ["alice"]

    wrong = await gw.client.post(f"{TEAMS}/join", json={"invite_code": "hdi_nope"}, headers=bob)
    assert wrong.status_code == 404
    assert (await gw.client.post(f"{TEAMS}/join", json={"invite_code": code})).status_code == 401
    joined = await gw.client.post(f"{TEAMS}/join", json={"invite_code": code}, headers=bob)
    assert joined.status_code == 200 and joined.json()["members"] == ["alice", "bob"]
    assert joined.json()["invite_code"] == code

    # before the team submits, a member may leave (and come back)
    assert (await gw.client.post(f"{TEAMS}/mine/leave", headers=bob)).status_code == 204
    assert (await gw.client.get(f"{TEAMS}/mine", headers=bob)).status_code == 404
    await gw.client.post(f"{TEAMS}/join", json={"invite_code": code}, headers=bob)

    # the quota is the team's: alice and bob share 2 a day
    assert (await gw.submit(alice)).status_code == 202
    assert (await gw.submit(bob)).status_code == 202
    third = await gw.submit(alice)
    assert third.status_code == 429 and "'alpha'" in third.json()["detail"]
    quota = (await gw.client.get("/api/v1/competitions/titanic/quota", headers=bob)).json()
    assert quota["submissions"]["remaining"] == 0

    # once the team submitted, its members stay
    stay = await gw.client.post(f"{TEAMS}/mine/leave", headers=bob)
    assert stay.status_code == 409 and stay.json()["type"].endswith("/team-has-submissions")

    # carol's own solo team has submitted: she cannot move to alpha (a second quota)
    assert (await gw.submit(carol)).status_code == 202
    moving = await gw.client.post(f"{TEAMS}/join", json={"invite_code": code}, headers=carol)
    assert moving.status_code == 409 and moving.json()["type"].endswith("/already-in-team")

    # a rotated code replaces the old one
    rotated = await gw.client.post(f"{TEAMS}/mine/invite-code", headers=alice)
    new_code = rotated.json()["invite_code"]
    assert new_code != code
    dave = await gw.user("dave")
    stale = await gw.client.post(f"{TEAMS}/join", json={"invite_code": code}, headers=dave)
    assert stale.status_code == 404
    # dave's empty solo team (he made one and never submitted) is dissolved when he joins
    await gw.client.post(TEAMS, json={"name": "dave-solo"}, headers=dave)
    moved = await gw.client.post(f"{TEAMS}/join", json={"invite_code": new_code}, headers=dave)
    assert moved.status_code == 200 and moved.json()["members"] == ["alice", "bob", "dave"]
    names = [t["name"] for t in (await gw.client.get(TEAMS)).json()["items"]]
    assert "dave-solo" not in names

    # an invite code of one competition means nothing in another
    await gw.competition(host, "other")
    elsewhere = await gw.client.post(
        "/api/v1/competitions/other/teams/join", json={"invite_code": new_code}, headers=carol
    )
    assert elsewhere.status_code == 404


async def test_final_selection_rules(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice, bob = await gw.user("alice"), await gw.user("bob")
    comp = await gw.ready_competition(host, final_count=2, daily_quota=10)
    finals = f"{TEAMS}/mine/final-submissions"

    assert (await gw.client.get(finals)).status_code == 401
    assert (await gw.client.get(finals, headers=alice)).status_code == 404  # no team yet

    subs = [(await gw.submit(alice)).json() for _ in range(4)]
    for i, sub in enumerate(subs[:3]):
        await scored(gw, sub, 0.5 + i / 10)
    smoke = (await gw.submit(alice, smoke="true")).json()
    await scored(gw, smoke, 0.99)
    theirs = (await gw.submit(bob)).json()
    await scored(gw, theirs, 0.7)

    default = (await gw.client.get(finals, headers=alice)).json()
    assert default["default"] is True and default["submission_ids"] == [] and default["final_count"] == 2

    chosen = [subs[0]["id"], subs[2]["id"]]
    r = await gw.client.put(finals, json={"submission_ids": chosen}, headers=alice)
    assert r.status_code == 200, r.text
    assert sorted(r.json()["submission_ids"]) == sorted(chosen) and r.json()["default"] is False

    async def changes() -> list[Any] | None:
        found = [e for e in gw.of_type("final_selection.changed") if str(e.competition_id) == comp["id"]]
        return found or None

    (event,) = await eventually(changes)
    assert str(event.team_id) == subs[0]["team_id"]
    assert sorted(map(str, event.submission_ids)) == sorted(chosen)

    refused = {
        "too many": ([s["id"] for s in subs[:3]], "too-many-final-submissions"),
        "not scored": ([subs[3]["id"]], "invalid-final-selection"),
        "smoke": ([smoke["id"]], "invalid-final-selection"),
        "another team's": ([theirs["id"]], "invalid-final-selection"),
        "unknown": ([str(uuid.uuid4())], "invalid-final-selection"),
    }
    for why, (ids, code) in refused.items():
        r = await gw.client.put(finals, json={"submission_ids": ids}, headers=alice)
        assert r.status_code == 422, why
        assert r.json()["type"].endswith("/" + code), (why, r.json())
    # another team's submission and an unknown id read the same
    other = await gw.client.put(finals, json={"submission_ids": [theirs["id"]]}, headers=alice)
    assert "is not a submission of your team" in other.json()["detail"]

    # the host of the competition has no team: nothing to select
    assert (await gw.client.put(finals, json={"submission_ids": []}, headers=host)).status_code == 404

    # the same selection again publishes nothing new; empty goes back to the default
    await gw.client.put(finals, json={"submission_ids": list(reversed(chosen))}, headers=alice)
    back = await gw.client.put(finals, json={"submission_ids": []}, headers=alice)
    assert back.json()["default"] is True

    async def two() -> list[Any] | None:
        found = [e for e in gw.of_type("final_selection.changed") if str(e.competition_id) == comp["id"]]
        return found if len(found) >= 2 else None

    events = await eventually(two)
    assert len(events) == 2 and events[1].submission_ids == []

    # locked once the private board is revealed
    await gw.client.post("/api/v1/competitions/titanic/reveal", headers=host)
    locked = await gw.client.put(finals, json={"submission_ids": chosen}, headers=alice)
    assert locked.status_code == 409 and locked.json()["type"].endswith("/selection-locked")


async def test_final_selection_locks_when_submissions_close(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice = await gw.user("alice")
    await gw.ready_competition(host, final_count=2, daily_quota=10)
    finals = f"{TEAMS}/mine/final-submissions"
    subs = [(await gw.submit(alice)).json() for _ in range(2)]
    for sub in subs:
        await scored(gw, sub, 0.5)
    ok = await gw.client.put(finals, json={"submission_ids": [subs[0]["id"]]}, headers=alice)
    assert ok.status_code == 200, ok.text

    closed = await gw.client.patch(
        "/api/v1/competitions/titanic", json={"closes_at": "2020-01-01T00:00:00Z"}, headers=host
    )
    assert closed.status_code == 200, closed.text
    # closed, not yet revealed: locked already, and it says why
    locked = await gw.client.put(finals, json={"submission_ids": [subs[1]["id"]]}, headers=alice)
    assert locked.status_code == 409, locked.text
    assert locked.json()["type"].endswith("/selection-locked")
    assert "closed" in locked.json()["detail"]
    assert (await gw.client.get(finals, headers=alice)).json()["submission_ids"] == [subs[0]["id"]]


async def test_the_last_two_members_leaving_at_once_leave_no_empty_team(
    make_gateway: Callable[..., Any], database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each leave removes its member and then counts who is left, deleting the team at
    zero. Two side by side (on PostgreSQL) each count the other, who has not committed
    yet, and neither deletes the team: an empty team is left, its name taken. Here the
    first pauses after its count while the second leaves; once leaves of a team take
    turns, the second waits for the first and then counts zero."""
    async with make_gateway(gateway_database_url=database_url) as gw:
        host = await gw.user("hana", is_host=True)
        alice, bob = await gw.user("alice"), await gw.user("bob")
        await gw.ready_competition(host)
        code = (await gw.client.post(TEAMS, json={"name": "alpha"}, headers=alice)).json()["invite_code"]
        joined = await gw.client.post(f"{TEAMS}/join", json={"invite_code": code}, headers=bob)
        assert joined.status_code == 200, joined.text
        paused, second_done = asyncio.Event(), asyncio.Event()
        member_count = teams_repository.member_count

        async def slow_count(*args: Any) -> int:
            n = await member_count(*args)
            if not paused.is_set():
                paused.set()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(second_done.wait(), 1.0)
            return n

        monkeypatch.setattr(teams_repository, "member_count", slow_count)

        async def second() -> int:
            await paused.wait()
            r = await gw.client.post(f"{TEAMS}/mine/leave", headers=bob)
            second_done.set()
            return r.status_code

        first = gw.client.post(f"{TEAMS}/mine/leave", headers=alice)
        codes = await asyncio.gather(first, second())
        assert [c if isinstance(c, int) else c.status_code for c in codes] == [204, 204]
        listed = (await gw.client.get(TEAMS)).json()
        assert listed["total"] == 0, listed


async def test_two_members_choosing_finals_at_once_leave_one_selection(
    make_gateway: Callable[..., Any], database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A choice deletes the stage's finals and inserts the new ones. Two members side by
    side (on PostgreSQL) each delete without seeing the other's uncommitted rows and both
    insert: the team is left with both choices, more than ``final_count``, and the last
    ``final_selection.changed`` disagrees with what is stored. Here the first pauses after
    its replace while the second chooses; once a team's choices take turns, the second
    waits for the first and then replaces its picks."""
    async with make_gateway(gateway_database_url=database_url) as gw:
        host = await gw.user("hana", is_host=True)
        alice, bob = await gw.user("alice"), await gw.user("bob")
        comp = await gw.ready_competition(host, final_count=2, daily_quota=10)
        finals = f"{TEAMS}/mine/final-submissions"
        code = (await gw.client.post(TEAMS, json={"name": "alpha"}, headers=alice)).json()["invite_code"]
        joined = await gw.client.post(f"{TEAMS}/join", json={"invite_code": code}, headers=bob)
        assert joined.status_code == 200, joined.text
        subs = [(await gw.submit(alice)).json() for _ in range(4)]
        for i, sub in enumerate(subs):
            await scored(gw, sub, 0.5 + i / 10)
        by_alice, by_bob = [s["id"] for s in subs[:2]], [s["id"] for s in subs[2:]]

        paused, second_done = asyncio.Event(), asyncio.Event()
        add_event = teams_finals.add_event

        async def slow_add_event(*args: Any) -> None:
            await add_event(*args)
            if not paused.is_set():
                paused.set()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(second_done.wait(), 1.0)

        monkeypatch.setattr(teams_finals, "add_event", slow_add_event)

        async def second() -> int:
            await paused.wait()
            r = await gw.client.put(finals, json={"submission_ids": by_bob}, headers=bob)
            second_done.set()
            return r.status_code

        first = gw.client.put(finals, json={"submission_ids": by_alice}, headers=alice)
        codes = await asyncio.gather(first, second())
        assert [c if isinstance(c, int) else c.status_code for c in codes] == [200, 200]
        stored = (await gw.client.get(finals, headers=alice)).json()["submission_ids"]
        assert len(stored) <= comp["final_count"], (stored, by_alice, by_bob)
        assert sorted(stored) == sorted(by_bob), (stored, by_alice, by_bob)

        async def two() -> list[Any] | None:
            found = [e for e in gw.of_type("final_selection.changed") if str(e.competition_id) == comp["id"]]
            return found if len(found) >= 2 else None

        events = await eventually(two)
        assert [sorted(map(str, e.submission_ids)) for e in events] == [sorted(by_alice), sorted(by_bob)]
