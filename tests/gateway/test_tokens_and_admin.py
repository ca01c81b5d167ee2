"""Personal access tokens (many, named, expiring, revoked) and an administrator's
changes to users: the host role, and disabling (which stops sessions and tokens at once)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import update

from services.gateway.models import AccessToken
from shared.events import utcnow
from tests.gateway.conftest import Gateway
from tests.gateway.test_accounts import csrf, log_in, sign_up

TOKENS = "/api/v1/users/me/tokens"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def user_id(gw: Gateway, who: dict[str, str]) -> str:
    return str((await gw.client.get("/api/v1/users/me", headers=who)).json()["id"])


async def test_tokens_are_named_listed_without_their_value_and_revoked(gw: Gateway) -> None:
    alice = await gw.user("alice")
    made = []
    for name, days in (("laptop", None), ("ci", 30)):
        r = await gw.client.post(TOKENS, json={"name": name, "expires_in_days": days}, headers=alice)
        assert r.status_code == 201, r.text
        made.append(r.json())
    laptop, ci = made
    assert laptop["token"].startswith("hdt_") and laptop["expires_at"] is None
    assert ci["expires_at"] is not None

    me = await gw.client.get("/api/v1/users/me", headers=bearer(laptop["token"]))
    assert me.status_code == 200 and me.json()["username"] == "alice"

    listed = (await gw.client.get(TOKENS, headers=alice)).json()
    assert listed["total"] == 3  # the first token, made with the account, and the two new ones
    assert [t["name"] for t in listed["items"]] == ["default", "laptop", "ci"]
    assert all("token" not in t for t in listed["items"])
    assert laptop["token"] not in str(listed)
    by_name = {t["name"]: t for t in listed["items"]}
    assert laptop["token"].startswith(by_name["laptop"]["prefix"]) and len(by_name["laptop"]["prefix"]) == 12
    assert by_name["laptop"]["last_used_at"] is not None and by_name["ci"]["last_used_at"] is None

    gone = await gw.client.delete(f"{TOKENS}/{laptop['id']}", headers=alice)
    assert gone.status_code == 204
    revoked = await gw.client.get("/api/v1/users/me", headers=bearer(laptop["token"]))
    assert revoked.status_code == 401 and revoked.json()["type"].endswith("/invalid-token")
    assert (await gw.client.get("/api/v1/users/me", headers=bearer(ci["token"]))).status_code == 200
    assert (await gw.client.delete(f"{TOKENS}/{laptop['id']}", headers=alice)).status_code == 404


async def test_nobody_lists_or_revokes_another_users_tokens(gw: Gateway) -> None:
    alice, bob = await gw.user("alice"), await gw.user("bob")
    theirs = (await gw.client.post(TOKENS, json={"name": "mine"}, headers=alice)).json()
    r = await gw.client.delete(f"{TOKENS}/{theirs['id']}", headers=bob)
    assert r.status_code == 404 and r.json()["type"].endswith("/token-not-found")
    assert (await gw.client.get("/api/v1/users/me", headers=bearer(theirs["token"]))).status_code == 200
    assert (await gw.client.get(TOKENS, headers=bob)).json()["total"] == 1


async def test_an_expired_token_fails(gw: Gateway) -> None:
    alice = await gw.user("alice")
    r = (await gw.client.post(TOKENS, json={"name": "short", "expires_in_days": 1}, headers=alice)).json()
    assert (await gw.client.get("/api/v1/users/me", headers=bearer(r["token"]))).status_code == 200
    async with gw.runtime.sessionmaker() as session:
        await session.execute(
            update(AccessToken)
            .where(AccessToken.name == "short")
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        await session.commit()
    expired = await gw.client.get("/api/v1/users/me", headers=bearer(r["token"]))
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]
    assert (await gw.client.get("/api/v1/users/me", headers=alice)).status_code == 200


async def test_a_signed_up_user_makes_a_token_for_the_cli_in_the_browser(gw: Gateway) -> None:
    assert (await sign_up(gw.client)).status_code == 201
    assert (await gw.client.get(TOKENS)).json()["total"] == 0  # sign-up hands out no token
    r = await gw.client.post(TOKENS, json={"name": "cli", "expires_in_days": 90}, headers=csrf(gw.client))
    assert r.status_code == 201
    async with gw.browser() as cli:
        me = await cli.get("/api/v1/users/me", headers=bearer(r.json()["token"]))
        assert me.json()["username"] == "alice" and me.json()["email"] == "alice@example.org"


async def test_disabling_a_user_stops_their_sessions_and_tokens_at_once(gw: Gateway) -> None:
    assert (await sign_up(gw.client)).status_code == 201
    token = (await gw.client.post(TOKENS, json={"name": "cli"}, headers=csrf(gw.client))).json()["token"]
    alice_id = (await gw.client.get("/api/v1/users/me")).json()["id"]

    r = await gw.client.patch(f"/api/v1/users/{alice_id}", json={"is_disabled": True}, headers=gw.admin)
    assert r.status_code == 200 and r.json()["is_disabled"] is True
    by_token = await gw.client.get("/api/v1/users/me", headers=bearer(token))
    assert by_token.status_code == 403 and by_token.json()["type"].endswith("/account-disabled")
    # the browser session was ended with the disabling
    assert (await gw.client.get("/api/v1/users/me")).status_code == 401
    made = await gw.client.post(TOKENS, json={"name": "more"}, headers=bearer(token))
    assert made.status_code == 403
    gw.client.cookies.clear()
    login = await log_in(gw.client)
    assert login.status_code == 403 and login.json()["type"].endswith("/account-disabled")
    assert "set-cookie" not in login.headers

    # enabled again: the tokens work again, the ended sessions stay ended
    r = await gw.client.patch(f"/api/v1/users/{alice_id}", json={"is_disabled": False}, headers=gw.admin)
    assert r.json()["is_disabled"] is False
    assert (await gw.client.get("/api/v1/users/me", headers=bearer(token))).status_code == 200
    assert (await log_in(gw.client)).status_code == 200


async def test_admins_grant_and_remove_the_host_role(gw: Gateway) -> None:
    alice = await gw.user("alice")
    alice_id = await user_id(gw, alice)
    body = {"slug": "x", "title": "X", "metric": "accuracy", "id_column": "id", "target_columns": ["y"]}
    assert (await gw.client.post("/api/v1/competitions", json=body, headers=alice)).status_code == 403

    r = await gw.client.patch(f"/api/v1/users/{alice_id}", json={"is_host": True}, headers=gw.admin)
    assert r.status_code == 200 and r.json()["is_host"] is True
    assert (await gw.client.post("/api/v1/competitions", json=body, headers=alice)).status_code == 201
    await gw.client.patch(f"/api/v1/users/{alice_id}", json={"is_host": False}, headers=gw.admin)
    again = {**body, "slug": "y"}
    assert (await gw.client.post("/api/v1/competitions", json=again, headers=alice)).status_code == 403


async def test_only_admins_list_and_change_users(gw: Gateway) -> None:
    alice, bob = await gw.user("alice"), await gw.user("bob")
    bob_id = await user_id(gw, bob)
    r = await gw.client.patch(f"/api/v1/users/{bob_id}", json={"is_disabled": True}, headers=alice)
    assert r.status_code == 403 and r.json()["type"].endswith("/admin-only")
    assert (await gw.client.get("/api/v1/users", headers=alice)).status_code == 403

    listed = (await gw.client.get("/api/v1/users", params={"limit": 2}, headers=gw.admin)).json()
    assert listed["total"] == 3 and [u["username"] for u in listed["items"]] == ["admin", "alice"]
    assert {"email", "is_disabled"} <= set(listed["items"][0])

    admin_id = await user_id(gw, gw.admin)
    own = await gw.client.patch(f"/api/v1/users/{admin_id}", json={"is_disabled": True}, headers=gw.admin)
    assert own.status_code == 409 and own.json()["type"].endswith("/cannot-disable-self")
    missing = "00000000-0000-0000-0000-000000000000"
    assert (
        await gw.client.patch(f"/api/v1/users/{missing}", json={"is_host": True}, headers=gw.admin)
    ).status_code == 404


async def test_the_openapi_document_offers_a_bearer_token_or_the_session_cookie(gw: Gateway) -> None:
    doc = (await gw.client.get("/openapi.json")).json()
    schemes = doc["components"]["securitySchemes"]
    assert schemes["HTTPBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schemes["HTTPBearer"]["description"],
    }
    assert schemes["SessionCookie"]["type"] == "apiKey" and schemes["SessionCookie"]["in"] == "cookie"
    assert schemes["SessionCookie"]["name"] == "holdout_session"
    assert "X-CSRF-Token" in schemes["SessionCookie"]["description"]
    me = doc["paths"]["/api/v1/users/me"]["get"]
    assert {"HTTPBearer": []} in me["security"] and {"SessionCookie": []} in me["security"]
    ops = {op["operationId"] for item in doc["paths"].values() for op in item.values()}
    assert {
        "sign_up",
        "log_in",
        "log_out",
        "list_users",
        "update_user",
        "list_my_tokens",
        "create_my_token",
        "revoke_my_token",
    } <= ops
    login = doc["paths"]["/api/v1/auth/login"]["post"]
    assert "Retry-After" in login["responses"]["429"]["headers"]


async def test_last_used_is_noted_while_requests_and_writes_run_concurrently(gw: Gateway) -> None:
    """Noting ``last_used_at`` is a write; on SQLite it must not make concurrent requests fail."""
    alice = await gw.user("alice")
    values = [
        (await gw.client.post(TOKENS, json={"name": f"t{i}"}, headers=alice)).json()["token"]
        for i in range(12)
    ]
    # first uses of fresh tokens, among other writers (token creation)
    answers = await asyncio.gather(
        *(gw.client.get("/api/v1/users/me", headers=bearer(v)) for v in values),
        *(gw.client.post(TOKENS, json={"name": f"more{i}"}, headers=bearer(v)) for i, v in enumerate(values)),
    )
    assert [r.status_code for r in answers] == [200] * 12 + [201] * 12, [r.text for r in answers]
    listed = (await gw.client.get(TOKENS, params={"limit": 13}, headers=alice)).json()["items"]
    assert all(t["last_used_at"] is not None for t in listed)


async def test_an_offset_past_any_list_is_a_422_not_a_500(gw: Gateway) -> None:
    for path in ("/api/v1/users", TOKENS, "/api/v1/competitions"):
        r = await gw.client.get(path, params={"offset": 10**20}, headers=gw.admin)
        assert r.status_code == 422, (path, r.text)
        assert r.json()["errors"][0]["loc"] == ["query", "offset"]
