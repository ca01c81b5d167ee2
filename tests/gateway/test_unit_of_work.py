"""The request's unit of work (``deps.unit_of_work``) and uploads that hold no
transaction open while their bytes move.

- an endpoint that returns is committed before its answer is sent, and the outbox relay
  is woken when it wrote; one that raises keeps nothing it wrote; ``after_commit`` work
  runs only after a commit; ``release`` after a write is refused;
- on PostgreSQL, while each upload's body is still arriving (test data, labels, a
  participant file, a submission), no connection of the database is idle in a
  transaction; the probe does see one that is;
- two uploads to one stage that cross never write to one version's keys: the later one
  to be recorded is refused (409) and the stored objects are the winner's.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI, HTTPException
from sqlalchemy import func, select

from services.gateway.deps import SessionDep, after_commit, release
from services.gateway.models import DataFile, outbox
from shared.db import add_event
from shared.events import SubmissionCancelled
from shared.storage import LocalStorage
from shared.storage.base import StoredObject
from tests.gateway.conftest import LABELS, Gateway, make_zip

# --- the unit of work itself, on a small app over the gateway's runtime ---------------


def uow_app(gw: Gateway, ran: list[str]) -> FastAPI:
    app = FastAPI()
    app.state.runtime = gw.runtime

    @app.post("/events")
    async def stage_one(session: SessionDep, fail: bool = False, then: bool = False) -> dict[str, str]:
        event = SubmissionCancelled(submission_id=uuid.uuid4())
        await add_event(session, outbox, event)
        if then:

            async def seen_committed() -> None:
                ran.append("then:" + ("committed" if await stored(gw, str(event.event_id)) else "not yet"))

            after_commit(session, seen_committed)
        if fail:
            raise HTTPException(status_code=409, detail="refused after a write")
        return {"event_id": str(event.event_id)}

    @app.get("/read")
    async def read(session: SessionDep) -> dict[str, int]:
        return {"outbox": int(await session.scalar(select(func.count()).select_from(outbox)) or 0)}

    @app.post("/release-after-write")
    async def release_after_write(session: SessionDep) -> None:
        await add_event(session, outbox, SubmissionCancelled(submission_id=uuid.uuid4()))
        await release(session)

    return app


async def stored(gw: Gateway, event_id: str) -> bool:
    async with gw.runtime.sessionmaker() as session:
        found = await session.scalar(select(outbox.c.id).where(outbox.c.event_id == event_id))
    return found is not None


async def outbox_count(gw: Gateway) -> int:
    async with gw.runtime.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(outbox)) or 0)


async def test_the_unit_of_work_commits_returns_and_rolls_back_raises(
    gw: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[str] = []
    wakes: list[int] = []
    assert gw.runtime.relay is not None
    monkeypatch.setattr(gw.runtime.relay, "notify", lambda: wakes.append(1))
    transport = httpx.ASGITransport(app=uow_app(gw, ran))
    async with httpx.AsyncClient(transport=transport, base_url="http://uow.test") as client:
        r = await client.post("/events")
        assert r.status_code == 200
        assert await stored(gw, r.json()["event_id"])  # committed before the answer came
        assert len(wakes) == 1

        before = await outbox_count(gw)
        r = await client.post("/events", params={"fail": True, "then": True})
        assert r.status_code == 409
        assert await outbox_count(gw) == before  # the write before the error is gone
        assert ran == [] and len(wakes) == 1  # no after-commit work, no wake

        r = await client.post("/events", params={"then": True})
        assert r.status_code == 200 and ran == ["then:committed"]
        assert len(wakes) == 2

        r = await client.get("/read")
        assert r.status_code == 200 and len(wakes) == 2  # a read-only request wakes nothing

        with pytest.raises(RuntimeError, match="after a write"):
            await client.post("/release-after-write")


# --- no transaction open while an upload's bytes arrive (PostgreSQL) ------------------


async def open_transactions(url: str) -> int:
    """Connections to the database idle in a transaction, in the fewest of three looks
    (a background loop's own short transaction may be caught in one look; a request's
    transaction held open for the upload is seen in all three)."""
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        counts = []
        for _ in range(3):
            counts.append(
                await conn.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'"
                )
            )
            await asyncio.sleep(0.03)
        return int(min(counts))
    finally:
        await conn.close()


async def halfway(first: bytes, rest: bytes, during: Callable[[], Awaitable[None]]) -> AsyncIterator[bytes]:
    yield first
    await during()
    yield rest


@pytest.mark.timeout(120)
async def test_no_transaction_is_open_while_an_upload_arrives(
    make_gateway: Callable[..., Any], pg_database: Any
) -> None:
    url = await pg_database("gateway")
    quiet = {"reconcile_interval_s": 0, "webhook_poll_interval_s": 0}
    async with make_gateway(gateway_database_url=url, **quiet) as gw:
        host, alice = await gw.user("hana", is_host=True), await gw.user("alice")
        await gw.ready_competition(host)

        # the probe sees a transaction held open
        async with gw.runtime.sessionmaker() as session:
            await session.execute(select(1))
            assert await open_transactions(url) == 1
        assert await open_transactions(url) == 0

        seen: dict[str, int] = {}

        async def upload(name: str, path: str, body: bytes, who: dict[str, str], **headers: str) -> None:
            async def during() -> None:
                seen[name] = await open_transactions(url)

            half = len(body) // 2
            r = await gw.client.put(
                path, content=halfway(body[:half], body[half:], during), headers={**who, **headers}
            )
            assert r.status_code in (200, 201), r.text

        base = "/api/v1/competitions/titanic"
        await upload("data", f"{base}/data/train.csv", b"id,x\n1,2\n3,4\n", host)
        await upload("labels", f"{base}/labels", LABELS.encode(), host)
        await upload("smoke labels", f"{base}/smoke/labels", b"id,target\n1,0\n2,1\n", host)
        await upload("participant file", f"{base}/files/notes.txt", b"read me, please\n", host)

        archive = make_zip()

        async def during_submission() -> None:
            seen["submission"] = await open_transactions(url)

        r = await gw.client.post(
            f"{base}/submissions",
            content=halfway(archive[:50], archive[50:], during_submission),
            headers={**alice, "Content-Type": "application/zip"},
        )
        assert r.status_code == 202, r.text
        assert seen == {k: 0 for k in ("data", "labels", "smoke labels", "participant file", "submission")}


# --- uploads to one stage that cross ---------------------------------------------------


class HookedStorage(LocalStorage):
    """Local storage that runs ``hook`` once, the next time a file is put."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.hook: Callable[[], Awaitable[None]] | None = None

    async def put_file(self, container: str, key: str, path: Path) -> StoredObject:
        hook, self.hook = self.hook, None
        if hook is not None:
            await hook()
        return await super().put_file(container, key, path)


async def test_two_labels_uploads_that_cross_never_share_a_version(
    make_gateway: Callable[..., Any], data_dir: Path
) -> None:
    storage = HookedStorage(data_dir / "storage")
    async with make_gateway(storage=storage) as gw:
        host = await gw.user("hana", is_host=True)
        await gw.ready_competition(host)  # labels version 1
        second = LABELS.replace("3,1,Public", "3,0,Public").encode()
        answers: list[httpx.Response] = []
        path = "/api/v1/competitions/titanic/labels"

        async def the_other_upload() -> None:  # arrives while the first is being stored
            answers.append(await gw.client.put(path, content=second, headers=host))

        storage.hook = the_other_upload
        first = await gw.client.put(path, content=LABELS.encode(), headers=host)
        (other,) = answers
        assert other.status_code == 200 and other.json()["labels_version"] == 3, other.text
        assert first.status_code == 409 and first.json()["code"] == "upload-raced", first.text
        comp = (await gw.client.get("/api/v1/competitions/titanic", headers=host)).json()
        assert comp["labels_version"] == 3
        competition_id = comp["id"]
        # each upload had its own key: the one recorded holds the bytes it was checked on
        assert await gw.storage.get_bytes("labels", f"{competition_id}/3.csv") == second
        assert await gw.storage.get_bytes("labels", f"{competition_id}/2.csv") == LABELS.encode()


async def test_two_replacements_of_a_used_file_that_cross_never_share_a_version(gw: Gateway) -> None:
    host, alice = await gw.user("hana", is_host=True), await gw.user("alice")
    comp = await gw.ready_competition(host)
    assert (await gw.submit(alice)).status_code == 202  # data version 1 is used now
    path = "/api/v1/competitions/titanic/data/test.csv"
    answers: list[httpx.Response] = []

    async def the_other_upload() -> None:
        answers.append(await gw.client.put(path, content=b"id,x\n1,9\n", headers=host))

    first = await gw.client.put(path, content=halfway(b"id,x\n", b"1,5\n", the_other_upload), headers=host)
    (other,) = answers
    assert other.status_code == 200, other.text
    assert first.status_code == 409 and first.json()["code"] == "upload-raced", first.text
    read = (await gw.client.get("/api/v1/competitions/titanic", headers=host)).json()
    assert read["data_version"] == 3  # 2 was taken by the first upload, refused
    async with gw.runtime.sessionmaker() as session:
        rows = (await session.scalars(select(DataFile).where(DataFile.data_version == 3))).all()
    assert [(r.filename, r.size_bytes) for r in rows] == [("test.csv", 9)]
    assert await gw.storage.get_bytes("data", f"{comp['id']}/3/test.csv") == b"id,x\n1,9\n"
    # the first upload's bytes went to the version it took (2), which nothing uses
    assert await gw.storage.get_bytes("data", f"{comp['id']}/2/test.csv") == b"id,x\n1,5\n"
    assert await gw.storage.get_bytes("data", f"{comp['id']}/1/test.csv") == b"id,x\n1,2\n"
