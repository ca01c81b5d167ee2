"""The leaderboard's ASGI app: lifespan wiring (database, bus, consumer, the replicas'
fan-out listener)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from services.leaderboard.api import internal_router, router
from services.leaderboard.cache import PageCache
from services.leaderboard.config import LeaderboardSettings
from services.leaderboard.consumers import LeaderboardConsumer
from services.leaderboard.fanout import BoardChangeListener, is_postgres
from services.leaderboard.live import BoardNotifier
from services.leaderboard.positions import BoardPositions
from shared.bus.base import Bus
from shared.runtime import ServiceRuntime, install_service_plumbing
from shared.storage import Storage

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def create_app(
    settings: LeaderboardSettings | None = None, *, bus: Bus | None = None, storage: Storage | None = None
) -> FastAPI:
    settings = settings or LeaderboardSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rt = ServiceRuntime.create(
            "leaderboard", settings, settings.database_url, MIGRATIONS_DIR, None, bus=bus, storage=storage
        )
        await rt.start()
        app.state.runtime = rt
        pages = app.state.pages = PageCache(ttl=settings.page_cache_seconds)
        app.state.positions = BoardPositions()
        notifier = app.state.notifier = BoardNotifier(on_change=pages.drop, on_reset=pages.clear)
        # draining (SIGTERM): live streams end now, and their clients reconnect to a ready replica
        app.state.drain.on_drain(notifier.close)
        # changes applied by the other replicas (SQLite: the embedded single process has none)
        url = settings.database_url
        listener = app.state.listener = BoardChangeListener(url, notifier) if is_postgres(url) else None
        try:
            if listener is not None:
                listener.start()
            await rt.bus.subscribe(LeaderboardConsumer(rt, notifier).subscription())
            yield
        finally:
            notifier.close()  # live streams end, so the server can stop
            if listener is not None:
                await listener.stop()
            await rt.stop()

    app = FastAPI(title="Holdout leaderboard", version="1", lifespan=lifespan)
    app.state.settings = settings
    install_service_plumbing(app, "leaderboard", internal_token=settings.internal_token)
    app.include_router(router)
    app.include_router(internal_router)
    return app
