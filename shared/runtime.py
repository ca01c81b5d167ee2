"""What every service's lifespan opens and closes: database, bus, storage, outbox relay.

``holdout up`` builds one in-process bus and one storage and hands them to all four
services; ``holdout serve`` lets each service build its own from the settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shared.bus.base import Bus
from shared.bus.memory import InProcessBus
from shared.db import OutboxRelay, SqliteSynchronous, make_engine, make_sessionmaker
from shared.docs import install_offline_docs
from shared.internal_auth import InternalAuthMiddleware
from shared.migrations import upgrade
from shared.settings import CommonSettings
from shared.storage import LocalStorage, Storage
from shared.web import (
    CorrelationIdMiddleware,
    Drain,
    ReadinessCheck,
    install_problem_handlers,
    ops_router,
)


def build_bus(settings: CommonSettings) -> Bus:
    if settings.amqp_url:
        from shared.bus.rabbitmq import RabbitBus

        return RabbitBus(settings.amqp_url, namespace=settings.bus_namespace)
    return InProcessBus()


def build_storage(settings: CommonSettings) -> Storage:
    if settings.storage_backend == "azure":
        from shared.storage.azure import AzureBlobStorage

        assert settings.azure_storage_connection_string is not None  # the settings validate it
        return AzureBlobStorage(
            settings.azure_storage_connection_string.get_secret_value(),
            container_prefix=settings.azure_container_prefix,
            retries=settings.azure_storage_retries,
            retry_backoff=settings.azure_storage_retry_backoff_seconds,
        )
    return LocalStorage(settings.storage_root)


@dataclass
class ServiceRuntime:
    """The clients one service owns for its lifetime."""

    name: str
    database_url: str
    migrations_dir: Path
    outbox: Table | None
    bus: Bus
    storage: Storage
    owns_bus: bool
    owns_storage: bool
    migrate_on_start: bool = True
    # SQLite only: what a commit survives (``shared.db.make_engine``)
    sqlite_synchronous: SqliteSynchronous = "FULL"
    # PostgreSQL only: the connection pool (``shared.db.make_engine``)
    pool_size: int = 10
    pool_timeout: float = 30.0
    engine: AsyncEngine = field(init=False)
    sessionmaker: async_sessionmaker[AsyncSession] = field(init=False)
    relay: OutboxRelay | None = field(init=False, default=None)

    @classmethod
    def create(
        cls,
        name: str,
        settings: CommonSettings,
        database_url: str,
        migrations_dir: Path,
        outbox: Table | None,
        *,
        bus: Bus | None = None,
        storage: Storage | None = None,
        migrate_on_start: bool = True,
        sqlite_synchronous: SqliteSynchronous = "FULL",
    ) -> ServiceRuntime:
        return cls(
            name=name,
            database_url=database_url,
            migrations_dir=migrations_dir,
            outbox=outbox,
            bus=bus if bus is not None else build_bus(settings),
            storage=storage if storage is not None else build_storage(settings),
            owns_bus=bus is None,
            owns_storage=storage is None,
            migrate_on_start=migrate_on_start,
            sqlite_synchronous=sqlite_synchronous,
            pool_size=settings.database_pool_size,
            pool_timeout=settings.database_pool_timeout_s,
        )

    async def start(self) -> None:
        if self.database_url.startswith("sqlite"):
            Path(self.database_url.split("///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
        if self.migrate_on_start:
            await upgrade(self.migrations_dir, self.database_url)
        self.engine = make_engine(
            self.database_url,
            pool_size=self.pool_size,
            pool_timeout=self.pool_timeout,
            sqlite_synchronous=self.sqlite_synchronous,
        )
        self.sessionmaker = make_sessionmaker(self.engine)
        if self.owns_bus:
            await self.bus.start()
        if self.outbox is not None:
            self.relay = OutboxRelay(self.sessionmaker, self.outbox, self.bus)

    async def start_relay(self) -> None:
        """Start publishing; call after the service has subscribed its consumers."""
        if self.relay is not None:
            await self.relay.start()

    async def stop(self) -> None:
        if self.relay is not None:
            await self.relay.stop()
        if self.owns_bus:
            await self.bus.close()
        if self.owns_storage:
            await self.storage.close()
        await self.engine.dispose()

    async def database_ready(self) -> bool:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return True

    def readiness_checks(self) -> dict[str, ReadinessCheck]:
        return {"database": self.database_ready, "bus": self.bus.ready, "storage": self.storage.ready}


def install_service_plumbing(
    app: FastAPI, service: str, *, internal_token: SecretStr | None = None, faces_users: bool = False
) -> None:
    """What every service's app has: problem+json errors, the correlation id,
    ``/healthz``, ``/readyz``, ``/metrics``, and API docs that work offline. Readiness
    looks the runtime up when asked, since it exists only while the lifespan runs, and
    answers 503 once ``app.state.drain`` has begun (shutdown).

    Unless it ``faces_users`` (the gateway alone), every other route answers only a
    caller presenting ``internal_token``; with none, it answers no one."""

    def check(name: str) -> ReadinessCheck:
        async def run() -> bool:
            rt: ServiceRuntime | None = getattr(app.state, "runtime", None)
            return rt is not None and await rt.readiness_checks()[name]()

        return run

    # set by the server on SIGTERM (holdout/server.py): readiness goes off while requests finish
    drain = app.state.drain = Drain()
    install_problem_handlers(app)
    if not faces_users:
        # added first, so it runs inside the correlation middleware (refusals are counted)
        app.add_middleware(InternalAuthMiddleware, token=internal_token, service=service)
    app.add_middleware(CorrelationIdMiddleware, service=service)
    app.include_router(ops_router({name: check(name) for name in ("database", "bus", "storage")}, drain))
    install_offline_docs(app)
