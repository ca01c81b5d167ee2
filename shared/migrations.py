"""Alembic plumbing shared by every service's ``migrations/``.

Each service keeps its own migration scripts and its own version table
(``alembic_version_<service>``), so services may share one database or use one each.
``upgrade`` runs in a worker thread because Alembic's async env starts its own loop.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import async_engine_from_config

from shared.db import normalise_url


def alembic_config(migrations_dir: Path, url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def upgrade_sync(migrations_dir: Path, url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(migrations_dir, url), revision)


# Alembic keeps the running migration context in module globals, so two services
# migrating at once in one process (``holdout up``) would mix their scripts up.
_ONE_AT_A_TIME = threading.Lock()


def _upgrade_locked(migrations_dir: Path, url: str, revision: str) -> None:
    with _ONE_AT_A_TIME:
        upgrade_sync(migrations_dir, url, revision)


async def upgrade(migrations_dir: Path, url: str, revision: str = "head") -> None:
    await asyncio.to_thread(_upgrade_locked, migrations_dir, url, revision)


def run_env(metadata: MetaData, version_table: str) -> None:
    """Body of a service's ``env.py``: online migrations over the async engine."""
    from alembic import context

    config = context.config

    def do_run(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table=version_table,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # replicas starting together on a fresh database migrate one at a time: the
                # second waits here, then finds the schema at head and does nothing
                connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:t))"), {"t": version_table})
            context.run_migrations()

    async def run_async() -> None:
        engine = async_engine_from_config(
            config.get_section(config.config_ini_section, {}),
            prefix="sqlalchemy.",
            poolclass=pool.NullPool,
        )
        async with engine.connect() as connection:
            await connection.run_sync(do_run)
        await engine.dispose()

    if context.is_offline_mode():
        context.configure(
            url=config.get_main_option("sqlalchemy.url"),
            target_metadata=metadata,
            version_table=version_table,
            literal_binds=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    else:
        asyncio.run(run_async())
