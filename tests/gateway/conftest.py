"""Fixtures for the gateway: the app over HTTP (lifespan started), an in-process bus
with an observer on every event, local storage, and fake upstream services."""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from services.gateway.app import create_app
from services.gateway.config import GatewaySettings
from services.gateway.models import inbox
from shared.bus.base import Subscription
from shared.bus.memory import InProcessBus
from shared.events import BaseEvent, Event
from shared.runtime import ServiceRuntime
from shared.storage import LocalStorage, Storage
from tests.conftest import INTERNAL_HEADERS, INTERNAL_TOKEN
from tests.support import eventually  # the suite's one polling helper; gateway tests import it from here

ADMIN_TOKEN = "hdt_test-admin-token"
# Argon2 at its cheapest, so tests that log in many times stay quick (the production
# cost is tested on its own in test_accounts.py)
CHEAP_PASSWORD_HASHING = {"argon2_time_cost": 1, "argon2_memory_kib": 8, "argon2_parallelism": 1}
LABELS = "id,target,Usage\n1,0,Public\n2,1,Private\n3,1,Public\n"

T = TypeVar("T")

UpstreamHandler = Callable[[httpx.Request], httpx.Response]


def make_zip(files: dict[str, bytes] | None = None) -> bytes:
    files = {"main.py": b"print('hello')\n"} if files is None else files
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


@dataclass
class Upstreams:
    """Fake leaderboard and orchestrator; a missing handler means "unreachable". Like the
    real ones, they refuse a request without the service credential."""

    leaderboard: UpstreamHandler | None = None
    orchestrator: UpstreamHandler | None = None
    seen: list[httpx.Request] = field(default_factory=list)

    def transport(self) -> httpx.MockTransport:
        def route(request: httpx.Request) -> httpx.Response:
            self.seen.append(request)
            if request.headers.get("authorization") != INTERNAL_HEADERS["Authorization"]:
                # as the real services do: nothing without the service credential
                return httpx.Response(401, json={"detail": "internal credential required"})
            handler = {"leaderboard.test": self.leaderboard, "orchestrator.test": self.orchestrator}.get(
                request.url.host
            )
            if handler is None:
                raise httpx.ConnectError("connection refused", request=request)
            return handler(request)

        return httpx.MockTransport(route)


@dataclass
class Gateway:
    client: httpx.AsyncClient
    bus: InProcessBus
    storage: Storage
    runtime: ServiceRuntime
    settings: GatewaySettings
    upstreams: Upstreams
    events: list[Event]
    app: FastAPI | None = None
    # Every user made with user() accepts the rules of every competition made with
    # competition(), whichever comes first, so that tests of other behaviour need not
    # repeat it; the tests of the rules gate opt out with user(..., accept_rules=False).
    accepting: list[dict[str, str]] = field(default_factory=list)
    slugs: list[str] = field(default_factory=list)

    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}

    def browser(self, address: str = "127.0.0.1", base_url: str = "http://gateway.test") -> httpx.AsyncClient:
        """Another client of the same app, with its own cookie jar and client address."""
        assert self.app is not None
        transport = httpx.ASGITransport(app=self.app, client=(address, 50000))
        return httpx.AsyncClient(transport=transport, base_url=base_url)

    async def user(
        self, username: str, *, is_host: bool = False, accept_rules: bool = True
    ) -> dict[str, str]:
        r = await self.client.post(
            "/api/v1/users", json={"username": username, "is_host": is_host}, headers=self.admin
        )
        assert r.status_code == 201, r.text
        who = {"Authorization": f"Bearer {r.json()['token']}"}
        if accept_rules:
            self.accepting.append(who)
            for slug in self.slugs:
                await self.accept_rules(who, slug)
        return who

    async def accept_rules(self, who: dict[str, str], slug: str = "titanic") -> dict[str, Any]:
        r = await self.client.post(f"/api/v1/competitions/{slug}/rules/acceptance", headers=who)
        assert r.status_code in (200, 201), r.text
        return dict(r.json())

    async def competition(self, host: dict[str, str], slug: str = "titanic", **extra: Any) -> dict[str, Any]:
        body = {
            "slug": slug,
            "title": "Titanic",
            "metric": "accuracy",
            "id_column": "id",
            "target_columns": ["target"],
        }
        r = await self.client.post("/api/v1/competitions", json={**body, **extra}, headers=host)
        assert r.status_code == 201, r.text
        self.slugs.append(slug)
        for who in self.accepting:
            await self.accept_rules(who, slug)
        return dict(r.json())

    async def ready_competition(
        self, host: dict[str, str], slug: str = "titanic", **extra: Any
    ) -> dict[str, Any]:
        comp = await self.competition(host, slug, **extra)
        r = await self.client.put(
            f"/api/v1/competitions/{slug}/data/test.csv", content=b"id,x\n1,2\n", headers=host
        )
        assert r.status_code == 200, r.text
        r = await self.client.put(
            f"/api/v1/competitions/{slug}/labels", content=LABELS.encode(), headers=host
        )
        assert r.status_code == 200, r.text
        return comp

    async def submit(
        self, who: dict[str, str], slug: str = "titanic", body: bytes | None = None, **params: Any
    ) -> httpx.Response:
        return await self.client.post(
            f"/api/v1/competitions/{slug}/submissions",
            content=make_zip() if body is None else body,
            params=params,
            headers={**who, "Content-Type": "application/zip"},
        )

    async def status_of(self, submission_id: str, who: dict[str, str]) -> dict[str, Any]:
        r = await self.client.get(f"/api/v1/submissions/{submission_id}", headers=who)
        assert r.status_code == 200, r.text
        return dict(r.json())

    async def wait_status(self, submission_id: str, who: dict[str, str], status: str) -> dict[str, Any]:
        async def probe() -> dict[str, Any] | None:
            body = await self.status_of(submission_id, who)
            return body if body["status"] == status else None

        return await eventually(probe)

    async def consumed(self, event: BaseEvent) -> None:
        """Wait until the gateway's inbox holds ``event`` (it was handled)."""

        async def probe() -> bool:
            async with self.runtime.sessionmaker() as session:
                found = await session.scalar(
                    select(inbox.c.event_id).where(inbox.c.event_id == str(event.event_id))
                )
            return found is not None

        await eventually(probe)

    async def raw_get(self, raw_path: str, headers: dict[str, str]) -> tuple[int, bytes]:
        """GET a path exactly as written, as a client that does not normalise URLs sends it
        (httpx removes dot segments); the server decodes it as uvicorn does."""
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": unquote(raw_path),
            "raw_path": raw_path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
            "server": ("gateway.test", 80),
            "client": ("127.0.0.1", 50000),
        }
        assert self.app is not None
        status, body = 0, bytearray()

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))

        await self.app(scope, receive, send)
        return status, bytes(body)

    def of_type(self, kind: str) -> list[Any]:
        return [e for e in self.events if e.type == kind]


@pytest.fixture
def upstreams() -> Upstreams:
    return Upstreams()


@pytest.fixture
def make_gateway(data_dir: Path, upstreams: Upstreams) -> Callable[..., Any]:
    @asynccontextmanager
    async def make(storage: Storage | None = None, **overrides: Any) -> AsyncIterator[Gateway]:
        settings = GatewaySettings(
            data_dir=data_dir,
            admin_token=ADMIN_TOKEN,
            leaderboard_url="http://leaderboard.test",
            orchestrator_url="http://orchestrator.test",
            # the stage clock is driven by its tick in the tests about it (test_stage_clock.py)
            **{
                "internal_token": INTERNAL_TOKEN,
                "stage_clock_interval_s": 0,
                **CHEAP_PASSWORD_HASHING,
                **overrides,
            },
        )
        bus = InProcessBus()
        storage = storage or LocalStorage(data_dir / "storage")
        events: list[Event] = []

        async def observe(event: Event) -> None:
            events.append(event)

        await bus.subscribe(Subscription(queue="observer", routing_keys=["#"], handler=observe, prefetch=1))
        app = create_app(settings, bus=bus, storage=storage, http_transport=upstreams.transport())
        try:
            async with app.router.lifespan_context(app):
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
                    yield Gateway(client, bus, storage, app.state.runtime, settings, upstreams, events, app)
        finally:
            await bus.close()

    return make


@pytest.fixture
async def gw(make_gateway: Callable[..., Any]) -> AsyncIterator[Gateway]:
    async with make_gateway() as gateway:
        yield gateway


def new_id() -> str:
    return str(uuid.uuid4())
