"""The scorer's ASGI app: lifespan wiring (database, bus, storage, the orchestrator client for
scoring programs, the judge and its claims, consumers, relay, rescoring worker)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from services.scorer.api import router
from services.scorer.claims import Claims
from services.scorer.config import ScorerSettings
from services.scorer.consumers import ExecutionFinishedConsumer
from services.scorer.judging import Judge
from services.scorer.models import outbox
from services.scorer.programs import ScoringPrograms
from services.scorer.rescoring import RescoreRequestedConsumer, RescoreWorker
from shared.bus.base import Bus
from shared.runtime import ServiceRuntime, install_service_plumbing
from shared.storage import Storage

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def create_app(
    settings: ScorerSettings | None = None,
    *,
    bus: Bus | None = None,
    storage: Storage | None = None,
) -> FastAPI:
    settings = settings or ScorerSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rt = ServiceRuntime.create(
            "scorer", settings, settings.database_url, MIGRATIONS_DIR, outbox, bus=bus, storage=storage
        )
        await rt.start()
        app.state.runtime = rt
        programs = ScoringPrograms(settings)
        app.state.programs = programs
        claims = Claims(rt.sessionmaker, settings.scoring_claim_ttl_s)
        judge = Judge(rt, settings, programs, claims)
        app.state.judge = judge
        try:
            worker = RescoreWorker(rt, settings, judge)
            app.state.rescore_worker = worker
            rescores = RescoreRequestedConsumer(rt, worker)
            consumer = ExecutionFinishedConsumer(judge, settings)
            await rt.bus.subscribe(consumer.subscription(also=rescores.handle))
            await rt.start_relay()
            worker.start()
            try:
                yield
            finally:
                # first nothing of this replica judges any more, then what it still holds
                # is freed (a crash lets it expire): freed earlier, another replica could
                # take a submission this one is still judging
                await consumer.stop()
                await worker.stop()
                await claims.release_all()
        finally:
            await rt.stop()
            await programs.aclose()

    app = FastAPI(title="Holdout scorer", version="1", lifespan=lifespan)
    app.state.settings = settings
    install_service_plumbing(app, "scorer", internal_token=settings.internal_token)
    app.include_router(router)
    return app
