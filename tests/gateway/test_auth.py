"""Authentication and the users API."""

from __future__ import annotations

from tests.gateway.conftest import Gateway


async def test_missing_token_is_401_problem(gw: Gateway) -> None:
    r = await gw.client.get("/api/v1/users/me")
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["www-authenticate"] == "Bearer"
    assert "Authorization: Bearer" in r.json()["detail"]


async def test_invalid_token_is_401(gw: Gateway) -> None:
    r = await gw.client.get("/api/v1/users/me", headers={"Authorization": "Bearer hdt_nope"})
    assert r.status_code == 401
    assert r.json()["type"].endswith("/invalid-token")


async def test_admin_from_environment_creates_users_with_a_token_shown_once(gw: Gateway) -> None:
    me = await gw.client.get("/api/v1/users/me", headers=gw.admin)
    assert me.json()["username"] == "admin" and me.json()["is_admin"]

    r = await gw.client.post("/api/v1/users", json={"username": "alice"}, headers=gw.admin)
    assert r.status_code == 201
    token = r.json()["token"]
    assert token.startswith("hdt_") and len(token) > 40
    alice = await gw.client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
    assert alice.json()["username"] == "alice"
    assert alice.json()["is_host"] is False
    assert "token" not in alice.json()

    again = await gw.client.post("/api/v1/users", json={"username": "alice"}, headers=gw.admin)
    assert again.status_code == 409


async def test_only_admins_create_users(gw: Gateway) -> None:
    alice = await gw.user("alice")
    r = await gw.client.post("/api/v1/users", json={"username": "mallory"}, headers=alice)
    assert r.status_code == 403
    assert r.headers["content-type"] == "application/problem+json"


async def test_only_hosts_create_competitions(gw: Gateway) -> None:
    alice = await gw.user("alice")
    body = {"slug": "x", "title": "X", "metric": "accuracy", "id_column": "id", "target_columns": ["y"]}
    r = await gw.client.post("/api/v1/competitions", json=body, headers=alice)
    assert r.status_code == 403
    assert "host" in r.json()["detail"]


async def test_tokens_are_stored_hashed(gw: Gateway) -> None:
    from sqlalchemy import select

    from services.gateway.models import AccessToken, User

    r = await gw.client.post("/api/v1/users", json={"username": "alice"}, headers=gw.admin)
    token = r.json()["token"]
    async with gw.runtime.sessionmaker() as session:
        stored = await session.scalar(
            select(AccessToken.token_hash).join(User).where(User.username == "alice")
        )
    assert stored is not None and token not in stored and len(stored) == 64
