"""Builds the gateway's FastAPI app; its lifespan opens and closes every client it owns."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import httpx
from fastapi import FastAPI

from services.gateway import proxy
from services.gateway.api import api_router
from services.gateway.auth.passwords import Passwords
from services.gateway.auth.service import ensure_admin
from services.gateway.config import GatewaySettings
from services.gateway.consumers import DEAD_LETTER_QUEUE, GatewayConsumers
from services.gateway.models import outbox
from services.gateway.openapi import TAGS
from services.gateway.openapi_doc import install_document
from services.gateway.stages.clock import StageClock
from services.gateway.submissions.reconciler import Reconciler
from services.gateway.webapp import install_web_app
from services.gateway.webhooks import enqueue as webhook_outbox
from services.gateway.webhooks.delivery import WebhookSender
from shared.bus.base import Bus
from shared.runtime import ServiceRuntime, install_service_plumbing
from shared.storage import Storage

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _version() -> str:
    try:
        return version("holdout")
    except PackageNotFoundError:
        return "0.0.0"


def create_app(
    settings: GatewaySettings | None = None,
    *,
    bus: Bus | None = None,
    storage: Storage | None = None,
    http_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """``http_transport`` replaces the network for calls to the other services (tests)."""
    settings = settings or GatewaySettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rt = ServiceRuntime.create(
            "gateway", settings, settings.database_url, MIGRATIONS_DIR, outbox, bus=bus, storage=storage
        )
        await rt.start()
        webhook_outbox.install(rt.sessionmaker)
        app.state.runtime = rt
        app.state.settings = settings
        app.state.passwords = Passwords.from_settings(settings)
        app.state.http = proxy.internal_http(settings, http_transport)
        try:
            settings.uploads_tmp_dir.mkdir(parents=True, exist_ok=True)
            if settings.admin_token:
                await ensure_admin(rt.sessionmaker, settings.admin_token)
            consumers = GatewayConsumers(rt)
            await rt.bus.subscribe(consumers.subscription())
            await rt.bus.subscribe_dead_letters(DEAD_LETTER_QUEUE, consumers.on_dead_letter)
            await rt.start_relay()
            app.state.reconciler = Reconciler(rt, settings, app.state.http)
            app.state.reconciler.start()
            app.state.stage_clock = StageClock(rt, settings)
            app.state.stage_clock.start()
            app.state.webhooks = WebhookSender(rt, settings)
            app.state.webhooks.start()
            yield
        finally:
            if getattr(app.state, "webhooks", None) is not None:
                await app.state.webhooks.stop()
            if getattr(app.state, "stage_clock", None) is not None:
                await app.state.stage_clock.stop()
            if getattr(app.state, "reconciler", None) is not None:
                await app.state.reconciler.stop()
            await app.state.http.aclose()
            await rt.stop()

    app = FastAPI(
        title="Holdout",
        version=_version(),
        summary="Code-execution competitions: upload a model, it runs against hidden data, it is ranked.",
        openapi_tags=TAGS,
        lifespan=lifespan,
    )
    install_service_plumbing(app, "gateway", faces_users=True)
    app.include_router(api_router())
    install_document(app)
    install_web_app(app, settings.web_dir)
    return app
