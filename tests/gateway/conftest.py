"""Fixtures for the gateway: the app over HTTP (lifespan started), an in-process bus
with an observer on every event, local storage, and fake upstream services."""

from __future__ import annotations

import asyncio
import io
import time
import uuid
import zipfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy import select

from services.gateway.app import create_app
from services.gateway.config import GatewaySettings
from services.gateway.models import inbox
from shared.bus.base import Subscription
from shared.bus.memory import InProcessBus
from shared.events import BaseEvent, Event
from shared.service import ServiceRuntime
from shared.storage import LocalStorage
from tests.conftest import INTERNAL_HEADERS, INTERNAL_TOKEN

ADMIN_TOKEN = "hdt_test-admin-token"
LABELS = "id,target,Usage\n1,0,Public\n2,1,Private\n3,1,Public\n"

T = TypeVar("T")

UpstreamHandler = Callable[[httpx.Request], httpx.Response]


async def eventually(probe: Callable[[], Awaitable[T | None]], timeout: float = 5.0) -> T:
    """Poll ``probe`` until it returns something truthy (no fixed sleeps)."""
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last: {value!r})")
        await asyncio.sleep(0.02)


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
    storage: LocalStorage
    runtime: ServiceRuntime
    settings: GatewaySettings
    upstreams: Upstreams
    events: list[Event]

    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}

    async def user(self, username: str, *, is_host: bool = False) -> dict[str, str]:
        r = await self.client.post(
            "/api/v1/users", json={"username": username, "is_host": is_host}, headers=self.admin
        )
        assert r.status_code == 201, r.text
        return {"Authorization": f"Bearer {r.json()['token']}"}

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

    def of_type(self, kind: str) -> list[Any]:
        return [e for e in self.events if e.type == kind]


@pytest.fixture
def upstreams() -> Upstreams:
    return Upstreams()


@pytest.fixture
def make_gateway(data_dir: Path, upstreams: Upstreams) -> Callable[..., Any]:
    @asynccontextmanager
    async def make(**overrides: Any) -> AsyncIterator[Gateway]:
        settings = GatewaySettings(
            data_dir=data_dir,
            admin_token=ADMIN_TOKEN,
            leaderboard_url="http://leaderboard.test",
            orchestrator_url="http://orchestrator.test",
            **{"internal_token": INTERNAL_TOKEN, **overrides},
        )
        bus = InProcessBus()
        storage = LocalStorage(data_dir / "storage")
        events: list[Event] = []

        async def observe(event: Event) -> None:
            events.append(event)

        await bus.subscribe(Subscription(queue="observer", routing_keys=["#"], handler=observe, prefetch=1))
        app = create_app(settings, bus=bus, storage=storage, http_transport=upstreams.transport())
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
                yield Gateway(client, bus, storage, app.state.runtime, settings, upstreams, events)
        await bus.close()

    return make


@pytest.fixture
async def gw(make_gateway: Callable[..., Any]) -> AsyncIterator[Gateway]:
    async with make_gateway() as gateway:
        yield gateway


def new_id() -> str:
    return str(uuid.uuid4())
