"""Accounts on the production database and across versions: existing users keep their
tokens through migration 0005 (SQLite and PostgreSQL), the CLI's users keep working,
and sessions, the rate limit and disabling hold across two gateway replicas."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command

from services.gateway.app import MIGRATIONS_DIR
from shared.db import make_engine
from shared.events import utcnow
from shared.migrations import alembic_config, upgrade
from tests.gateway.conftest import ADMIN_TOKEN
from tests.gateway.test_accounts import csrf, log_in, sign_up
from tests.holdout.test_cli_admin import run

OLD_TOKEN = "hdt_alice-token-from-before-accounts"

users_0003 = sa.table(
    "users",
    sa.column("id", sa.Uuid()),
    sa.column("username", sa.String()),
    sa.column("is_host", sa.Boolean()),
    sa.column("is_admin", sa.Boolean()),
    sa.column("token_hash", sa.String()),
    sa.column("created_at", sa.DateTime(timezone=True)),
)


def sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def stored_token_hashes(url: str) -> dict[str, str]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(sa.select(users_0003.c.username, users_0003.c.token_hash))
            return {r.username: r.token_hash for r in rows}
    finally:
        await engine.dispose()


async def test_users_from_before_accounts_keep_their_tokens(
    make_gateway: Callable[..., Any], database_url: str
) -> None:
    url = database_url
    await upgrade(MIGRATIONS_DIR, url, "0003")
    engine = make_engine(url)
    async with engine.begin() as conn:
        for name, token, admin in (("admin", ADMIN_TOKEN, True), ("alice", OLD_TOKEN, False)):
            await conn.execute(
                users_0003.insert().values(
                    id=uuid.uuid4(),
                    username=name,
                    is_host=admin,
                    is_admin=admin,
                    token_hash=sha256(token),
                    created_at=utcnow(),
                )
            )
    await engine.dispose()

    async with make_gateway(gateway_database_url=url) as gw:  # migrates to the head on start
        alice = {"Authorization": f"Bearer {OLD_TOKEN}"}
        me = await gw.client.get("/api/v1/users/me", headers=alice)
        assert me.status_code == 200, me.text
        assert me.json()["username"] == "alice" and me.json()["email"] is None
        assert me.json()["is_disabled"] is False
        tokens = (await gw.client.get("/api/v1/users/me/tokens", headers=alice)).json()["items"]
        assert [(t["name"], t["prefix"]) for t in tokens] == [("default", "hdt_")]
        admin = (await gw.client.get("/api/v1/users/me/tokens", headers=gw.admin)).json()["items"]
        assert [t["name"] for t in admin] == ["HOLDOUT_ADMIN_TOKEN"]  # not doubled by the start-up
        # the migrated user makes a new token, and the old one can be revoked like any other
        new = (await gw.client.post("/api/v1/users/me/tokens", json={"name": "new"}, headers=alice)).json()
        assert (
            await gw.client.delete(f"/api/v1/users/me/tokens/{tokens[0]['id']}", headers=alice)
        ).status_code == 204
        assert (await gw.client.get("/api/v1/users/me", headers=alice)).status_code == 401
        assert (await sign_up(gw.client, "bob")).status_code == 201

    # and back: each user keeps their oldest token
    def downgrade() -> None:
        command.downgrade(alembic_config(MIGRATIONS_DIR, url), "0003")

    await asyncio.to_thread(downgrade)
    hashes = await stored_token_hashes(url)
    assert hashes["admin"] == sha256(ADMIN_TOKEN) and hashes["alice"] == sha256(new["token"])
    assert len(hashes["bob"]) == 64


async def test_a_user_made_by_the_cli_logs_in_with_the_printed_token(
    make_gateway: Callable[..., Any], data_dir: Path
) -> None:
    assert run("migrate", "gateway", data_dir=data_dir).returncode == 0
    created = run("admin", "create-user", "carol", "--host", data_dir=data_dir)
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    async with make_gateway() as gw:
        me = await gw.client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200 and me.json()["username"] == "carol" and me.json()["is_host"]


async def test_accounts_hold_across_two_gateway_replicas_on_postgresql(
    make_gateway: Callable[..., Any], pg_database: Any
) -> None:
    url = await pg_database("gateway")
    limits = {"login_max_failures_per_account": 2, "gateway_database_url": url}
    async with make_gateway(**limits) as one, make_gateway(**limits) as two:
        assert (await sign_up(one.client)).status_code == 201
        # the session started on one replica is known to the other
        two.client.cookies.update(one.client.cookies)
        assert (await two.client.get("/api/v1/users/me")).json()["username"] == "alice"
        made = await two.client.post(
            "/api/v1/users/me/tokens", json={"name": "cli"}, headers=csrf(two.client)
        )
        assert made.status_code == 201
        token = {"Authorization": f"Bearer {made.json()['token']}"}

        # failures counted on one replica block log-ins on the other
        async with one.browser("192.0.2.9") as a, two.browser("192.0.2.9") as b:
            assert (await log_in(a, "alice", "guess")).status_code == 401
            assert (await log_in(b, "alice", "guess")).status_code == 401
            blocked = await log_in(a, "alice")
            assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
            assert (await log_in(b, "alice")).status_code == 429

        # disabled on one replica: refused on the other at the next request
        alice_id = (await one.client.get("/api/v1/users/me")).json()["id"]
        r = await one.client.patch(f"/api/v1/users/{alice_id}", json={"is_disabled": True}, headers=one.admin)
        assert r.status_code == 200
        assert (await two.client.get("/api/v1/users/me", headers=token)).status_code == 403
        assert (await two.client.get("/api/v1/users/me")).status_code == 401
