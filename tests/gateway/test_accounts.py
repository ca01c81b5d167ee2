"""Accounts in the browser: sign-up, log-in, log-out, the session cookie and its CSRF
protection, the login rate limit, and passwords kept out of the logs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from services.gateway.auth.passwords import Passwords
from services.gateway.config import GatewaySettings
from tests.gateway.conftest import Gateway

PASSWORD = "correct horse battery staple"


async def sign_up(
    client: httpx.AsyncClient, username: str = "alice", email: str | None = None, password: str = PASSWORD
) -> httpx.Response:
    body = {"username": username, "email": email or f"{username}@example.org", "password": password}
    return await client.post("/api/v1/auth/signup", json=body)


async def log_in(client: httpx.AsyncClient, name: str = "alice", password: str = PASSWORD) -> httpx.Response:
    return await client.post("/api/v1/auth/login", json={"username_or_email": name, "password": password})


def csrf(client: httpx.AsyncClient) -> dict[str, str]:
    return {"X-CSRF-Token": client.cookies["holdout_csrf"]}


async def me_with_session(gw: Gateway, session_id: str) -> httpx.Response:
    """``GET /users/me`` from a fresh client that sends only this session cookie."""
    async with gw.browser() as other:
        return await other.get("/api/v1/users/me", headers={"Cookie": f"holdout_session={session_id}"})


def set_cookies(response: httpx.Response) -> dict[str, str]:
    """Each Set-Cookie header by cookie name, attributes lower-cased."""
    return {h.split("=", 1)[0]: h.lower() for h in response.headers.get_list("set-cookie")}


async def test_sign_up_starts_a_session_that_authenticates(gw: Gateway) -> None:
    r = await sign_up(gw.client, email="Alice@Example.ORG")
    assert r.status_code == 201, r.text
    assert r.json()["username"] == "alice" and r.json()["email"] == "alice@example.org"
    assert r.json()["is_host"] is False and r.json()["is_disabled"] is False
    cookies = set_cookies(r)
    session, token = cookies["holdout_session"], cookies["holdout_csrf"]
    assert "httponly" in session and "samesite=lax" in session and "path=/" in session
    assert "httponly" not in token and "samesite=lax" in token
    assert "secure" not in session  # plain HTTP here; see the HTTPS test

    me = await gw.client.get("/api/v1/users/me")
    assert me.status_code == 200 and me.json()["username"] == "alice"


async def test_cookies_are_secure_over_https(gw: Gateway) -> None:
    async with gw.browser(base_url="https://gateway.test") as browser:
        r = await sign_up(browser)
        assert r.status_code == 201
        assert all("; secure" in c for c in set_cookies(r).values())
        assert (await browser.get("/api/v1/users/me")).status_code == 200


async def test_log_in_by_name_or_email_then_log_out(gw: Gateway) -> None:
    await sign_up(gw.client)
    gw.client.cookies.clear()
    assert (await gw.client.get("/api/v1/users/me")).status_code == 401

    for name in ("alice", "ALICE", "Alice@Example.org"):
        r = await log_in(gw.client, name)
        assert r.status_code == 200, (name, r.text)
        assert r.json()["username"] == "alice"
    session_id = gw.client.cookies["holdout_session"]

    out = await gw.client.post("/api/v1/auth/logout", headers=csrf(gw.client))
    assert out.status_code == 204
    assert 'holdout_session=""' in out.headers.get_list("set-cookie")[0]
    assert "holdout_session" not in gw.client.cookies
    # the server forgot the session: the old id is refused even if a client kept it
    stale = await me_with_session(gw, session_id)
    assert stale.status_code == 401 and stale.json()["type"].endswith("/invalid-session")


async def test_unknown_user_and_wrong_password_get_the_same_answer(gw: Gateway) -> None:
    await sign_up(gw.client)
    gw.client.cookies.clear()
    wrong = await log_in(gw.client, "alice", "not the password")
    unknown = await log_in(gw.client, "nobody", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["type"].endswith("/invalid-credentials")
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert "set-cookie" not in wrong.headers
    # a user made by an administrator has no password: no password opens it
    await gw.user("bob")
    assert (await log_in(gw.client, "bob", "")).status_code == 422
    assert (await log_in(gw.client, "bob", "anything at all")).status_code == 401


async def test_a_session_id_from_before_log_in_is_not_valid_after_it(gw: Gateway) -> None:
    await sign_up(gw.client)
    before, csrf_before = gw.client.cookies["holdout_session"], gw.client.cookies["holdout_csrf"]
    r = await log_in(gw.client)  # sent with the old cookie
    assert r.status_code == 200
    after = gw.client.cookies["holdout_session"]
    assert after != before and gw.client.cookies["holdout_csrf"] != csrf_before
    assert (await me_with_session(gw, after)).status_code == 200
    old = await me_with_session(gw, before)
    assert old.status_code == 401
    # the CSRF value rotated with the session: the old one no longer passes
    refused = await gw.client.post(
        "/api/v1/users/me/tokens", json={"name": "x"}, headers={"X-CSRF-Token": csrf_before}
    )
    assert refused.status_code == 403 and refused.json()["type"].endswith("/csrf-failed")
    assert (await gw.client.get("/api/v1/users/me")).status_code == 200


async def test_a_cross_site_form_post_with_the_session_cookie_is_refused(gw: Gateway) -> None:
    await sign_up(gw.client)
    # what a page on another site can make the browser send: a form post, cookies attached
    forged = await gw.client.post(
        "/api/v1/users/me/tokens",
        content=b"name=stolen",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": "https://evil.example"},
    )
    assert forged.status_code == 403, forged.text
    assert forged.headers["content-type"] == "application/problem+json"
    assert forged.json()["type"].endswith("/csrf-failed")
    assert "X-CSRF-Token" in forged.json()["detail"]
    no_header = await gw.client.post("/api/v1/users/me/tokens", json={"name": "stolen"})
    wrong = await gw.client.post(
        "/api/v1/users/me/tokens", json={"name": "x"}, headers={"X-CSRF-Token": "guess"}
    )
    assert no_header.status_code == wrong.status_code == 403
    listed = await gw.client.get("/api/v1/users/me/tokens")  # reading needs no CSRF value
    assert listed.status_code == 200 and listed.json()["total"] == 0

    made = await gw.client.post("/api/v1/users/me/tokens", json={"name": "cli"}, headers=csrf(gw.client))
    assert made.status_code == 201
    # a bearer token needs no CSRF value (a cross-site page cannot set the header)
    bearer = {"Authorization": f"Bearer {made.json()['token']}"}
    async with gw.browser() as cli:
        assert (
            await cli.post("/api/v1/users/me/tokens", json={"name": "y"}, headers=bearer)
        ).status_code == 201
    # logging out from another site is refused too
    assert (await gw.client.post("/api/v1/auth/logout")).status_code == 403


async def test_a_cross_site_form_cannot_log_anyone_in(gw: Gateway) -> None:
    await sign_up(gw.client)
    gw.client.cookies.clear()
    r = await gw.client.post(
        "/api/v1/auth/login",
        content=b"username_or_email=alice&password=correct+horse+battery+staple",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": "https://evil.example"},
    )
    assert r.status_code == 422 and "set-cookie" not in r.headers


async def test_sign_up_can_be_turned_off(make_gateway: Callable[..., Any]) -> None:
    async with make_gateway(signup_enabled=False) as gw:
        r = await sign_up(gw.client)
        assert r.status_code == 403 and r.json()["type"].endswith("/signup-disabled")
        assert "ask an administrator" in r.json()["detail"]
        assert "set-cookie" not in r.headers


async def test_sign_up_can_be_restricted_to_email_domains(make_gateway: Callable[..., Any]) -> None:
    async with make_gateway(signup_email_domains="uni.example, lab.example") as gw:
        outside = await sign_up(gw.client, "eve", "eve@elsewhere.example")
        assert outside.status_code == 403 and outside.json()["type"].endswith("/signup-domain-not-allowed")
        assert "uni.example, lab.example" in outside.json()["detail"]
        sub = await sign_up(gw.client, "sub", "sub@mail.uni.example")  # exact domains only
        assert sub.status_code == 403
        assert (await sign_up(gw.client, "ana", "ana@UNI.example")).status_code == 201


async def test_sign_up_refuses_taken_names_and_addresses_and_weak_passwords(gw: Gateway) -> None:
    assert (await sign_up(gw.client, "alice")).status_code == 201
    taken = await sign_up(gw.client, "alice", "other@example.org")
    assert taken.status_code == 409 and taken.json()["type"].endswith("/username-taken")
    email = await sign_up(gw.client, "alice2", "ALICE@example.org")
    assert email.status_code == 409 and email.json()["type"].endswith("/email-taken")
    await gw.user("admin-made")
    assert (await sign_up(gw.client, "admin-made", "am@example.org")).status_code == 409

    for password, why in (
        ("short", "at least 8"),
        ("password123", "common"),
        ("bobby-the-builder", "username"),
        ("aaaaaaaaaaaa", "too few"),
    ):
        r = await sign_up(gw.client, "bobby", "bobby@example.org", password)
        assert r.status_code == 422, (password, r.text)
        assert r.json()["errors"][0]["loc"] == ["body", "password"], password
        assert why in r.json()["errors"][0]["msg"], (password, r.json())
    bad_email = await sign_up(gw.client, "carol", "carol-at-example.org")
    assert bad_email.status_code == 422 and bad_email.json()["errors"][0]["loc"] == ["body", "email"]
    bad_name = await sign_up(gw.client, "-carol", "carol@example.org")
    assert bad_name.status_code == 422 and bad_name.json()["errors"][0]["loc"] == ["body", "username"]


async def test_log_in_is_rate_limited_per_account_and_per_address(make_gateway: Callable[..., Any]) -> None:
    limits = {"login_max_failures_per_account": 3, "login_max_failures_per_address": 5}
    async with make_gateway(**limits, login_failure_window_s=600) as gw:
        await sign_up(gw.client)
        await sign_up(gw.client, "bob")
        async with gw.browser("192.0.2.1") as attacker, gw.browser("198.51.100.7") as elsewhere:
            for _ in range(3):
                assert (await log_in(attacker, "alice", "guess")).status_code == 401
            blocked = await log_in(attacker, "alice")  # even the right password, while blocked
            assert blocked.status_code == 429, blocked.text
            assert blocked.json()["type"].endswith("/too-many-attempts")
            assert 0 < int(blocked.headers["retry-after"]) <= 600
            assert blocked.headers["retry-after"] in blocked.json()["detail"]
            # the account limit holds from any address, and by e-mail as by name
            assert (await log_in(elsewhere, "alice@example.org")).status_code == 429
            # other accounts are not locked by alice's
            assert (await log_in(elsewhere, "bob")).status_code == 200

            # the address limit: guessing at many accounts from one address
            for name in ("bob", "carol"):
                assert (await log_in(attacker, name, "guess")).status_code == 401
            by_address = await log_in(attacker, "dave", "guess")
            assert by_address.status_code == 429 and "address" in by_address.json()["detail"]
            assert (await log_in(elsewhere, "bob")).status_code == 200


async def test_a_good_log_in_forgets_the_accounts_failures(make_gateway: Callable[..., Any]) -> None:
    async with make_gateway(login_max_failures_per_account=3) as gw:
        await sign_up(gw.client)
        for _ in range(2):
            assert (await log_in(gw.client, "alice", "guess")).status_code == 401
        assert (await log_in(gw.client)).status_code == 200
        for _ in range(2):
            assert (await log_in(gw.client, "alice", "guess")).status_code == 401
        assert (await log_in(gw.client)).status_code == 200


async def test_the_password_never_appears_in_the_logs(
    gw: Gateway, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "a very Secret passphrase 42"
    assert (await sign_up(gw.client, password=secret)).status_code == 201
    assert (await log_in(gw.client, "alice", secret + "!")).status_code == 401
    assert (await log_in(gw.client, "alice", secret)).status_code == 200
    weak = await sign_up(gw.client, "bob", password="password123")
    assert weak.status_code == 422 and "password123" not in weak.text
    out = capsys.readouterr()
    logged = out.out + out.err + caplog.text
    assert "user.signed_up" in logged and "user.login_failed" in logged and "user.logged_in" in logged
    for word in (secret, "Secret passphrase", "password123"):
        assert word not in logged


async def test_passwords_are_stored_as_argon2id_at_the_production_cost(gw: Gateway) -> None:
    from sqlalchemy import select

    from services.gateway.models import User

    await sign_up(gw.client)
    async with gw.runtime.sessionmaker() as session:
        stored = await session.scalar(select(User.password_hash).where(User.username == "alice"))
    assert stored is not None and stored.startswith("$argon2id$") and PASSWORD not in stored
    # the defaults (RFC 9106's low-memory profile), which tests turn down to stay quick
    production = Passwords.from_settings(GatewaySettings())
    made = await production.hash(PASSWORD)
    assert made.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert await production.verify(made, PASSWORD) and not await production.verify(made, "nope")
    # a hash made at another cost still verifies, and is redone at the next log-in
    assert await production.verify(stored, PASSWORD) and production.needs_rehash(stored)


async def test_a_session_ends_when_it_expires(make_gateway: Callable[..., Any]) -> None:
    from sqlalchemy import update

    from services.gateway.models import UserSession
    from shared.events import utcnow

    async with make_gateway(session_ttl_s=3600) as gw:
        r = await sign_up(gw.client)
        assert all("max-age=3600" in c for c in set_cookies(r).values())
        assert (await gw.client.get("/api/v1/users/me")).status_code == 200
        async with gw.runtime.sessionmaker() as session:
            await session.execute(update(UserSession).values(expires_at=utcnow()))
            await session.commit()
        expired = await gw.client.get("/api/v1/users/me")
        assert expired.status_code == 401 and expired.json()["type"].endswith("/invalid-session")
