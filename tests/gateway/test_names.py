"""Team names and usernames cannot impersonate: normalised, no invisible or
direction-changing characters, unique ignoring case and compatibility forms."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from services.gateway.auth import service as auth
from services.gateway.models import Team, User
from services.gateway.names import key, normalise
from shared.web import ProblemError
from tests.gateway.conftest import Gateway

TEAMS = "/api/v1/competitions/titanic/teams"


def fullwidth(text: str) -> str:
    """The full-width forms of ASCII letters (written out, they would look like ASCII)."""
    return "".join("\u3000" if c == " " else chr(ord(c) + 0xFEE0) for c in text)


@pytest.mark.parametrize(
    ("name", "code_point"),
    [
        ("alice\u202egnp.exe", "U+202E"),  # RIGHT-TO-LEFT OVERRIDE
        ("al\u200bice", "U+200B"),  # ZERO WIDTH SPACE
        ("\u2067alice\u2069", "U+2067"),  # RIGHT-TO-LEFT ISOLATE
        ("alice\u200f", "U+200F"),  # RIGHT-TO-LEFT MARK
        ("ali\u00adce", "U+00AD"),  # SOFT HYPHEN (Cf)
        ("ali\x07ce", "U+0007"),  # BELL (Cc)
        ("two\nlines", "U+000A"),  # a line break (Cc)
        ("ali\u2028ce", "U+2028"),  # LINE SEPARATOR
        ("\u3164", "U+3164"),  # HANGUL FILLER (looks like nothing)
    ],
)
async def test_invisible_and_direction_characters_are_refused(
    gw: Gateway, name: str, code_point: str
) -> None:
    host = await gw.user("hana", is_host=True)
    alice = await gw.user("alice")
    await gw.competition(host)
    r = await gw.client.post(TEAMS, json={"name": name}, headers=alice)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["type"].endswith("/invalid-name") and problem["character"] == code_point
    assert code_point in problem["detail"]
    assert (await gw.client.get(TEAMS)).json()["total"] == 0


async def test_team_names_are_normalised_and_unique_ignoring_case(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice, bob, carol = await gw.user("alice"), await gw.user("bob"), await gw.user("carol")
    await gw.competition(host)
    created = await gw.client.post(
        TEAMS, json={"name": fullwidth("Team") + " Rocket  "}, headers=alice
    )  # full-width
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "Team Rocket"
    for same in ("team rocket", "TEAM ROCKET", fullwidth("Team rocket")):
        r = await gw.client.post(TEAMS, json={"name": same}, headers=bob)
        assert r.status_code == 409, (same, r.text)
        assert r.json()["type"].endswith("/team-name-taken")
    # another competition may have its own "team rocket"
    await gw.competition(host, "other")
    elsewhere = await gw.client.post(
        "/api/v1/competitions/other/teams", json={"name": "team rocket"}, headers=carol
    )
    assert elsewhere.status_code == 201, elsewhere.text
    # the solo team made on a first submission steps around a name taken in another case
    await gw.client.put("/api/v1/competitions/titanic/data/test.csv", content=b"id,x\n1,2\n", headers=host)
    await gw.client.put(
        "/api/v1/competitions/titanic/labels",
        content=b"id,target,Usage\n1,0,Public\n2,1,Public\n",
        headers=host,
    )
    await gw.client.post(TEAMS, json={"name": "CAROL"}, headers=bob)
    sub = await gw.submit(carol)
    assert sub.status_code == 202, sub.text
    assert sub.json()["team_name"] == "carol-2"


async def test_usernames_are_unique_ignoring_case(gw: Gateway) -> None:
    await gw.user("alice")
    for same in ("Alice", "ALICE"):
        r = await gw.client.post("/api/v1/users", json={"username": same}, headers=gw.admin)
        assert r.status_code == 409, r.text
        assert r.json()["type"].endswith("/username-taken")
    # create_user is what every way of making a user calls (the CLI, sign-up)
    async with gw.runtime.sessionmaker() as session:
        with pytest.raises(ProblemError) as refused:
            await auth.create_user(session, "al\u200bice", is_host=False, is_admin=False)
        assert refused.value.status == 422 and "U+200B" in refused.value.detail
        with pytest.raises(ProblemError) as taken:
            await auth.create_user(session, fullwidth("alice"), is_host=False, is_admin=False)
        assert taken.value.status == 409


async def test_the_database_enforces_the_name_keys(gw: Gateway) -> None:
    """Even a writer that skips the service's check cannot store a second ``alice``."""
    await gw.user("alice")
    async with gw.runtime.sessionmaker() as session:
        stored = await session.scalar(select(User).where(User.username == "alice"))
        assert stored is not None and stored.username_key == "alice"
        session.add(User(username="Alice", username_key=key("Alice"), token_hash="x" * 64))
        with pytest.raises(IntegrityError):
            await session.flush()
    host = await gw.user("hana", is_host=True)
    comp = await gw.competition(host)
    await gw.client.post(TEAMS, json={"name": "Alpha"}, headers=host)
    async with gw.runtime.sessionmaker() as session:
        session.add(Team(competition_id=uuid.UUID(comp["id"]), name="ALPHA", name_key=key("ALPHA")))
        with pytest.raises(IntegrityError):
            await session.flush()


def test_normalise_and_key() -> None:
    assert normalise("  \ufb01nal  ", "team name") == "final"  # the fi ligature, trimmed
    assert key("Straße") == key("STRASSE") == "strasse"
    assert key(fullwidth("Alice")) == key("alice")
