"""Work that one gateway replica at a time does, however many run on one database.

The gateway's background loops (``app.py`` starts them in every replica) make sure of it
in one of two ways:

- row claims: a conditional ``UPDATE`` that only one replica's transaction can change
  (the stage clock's ``opened_at`` / ``closed_at``, a webhook delivery's lease);
- ``exclusive(engine, name)`` below, where the work is a pass over many rows that asks
  another service before it writes (the stuck-submission reconciler): on PostgreSQL,
  ``pg_try_advisory_xact_lock`` in a transaction of its own, held for the pass; a
  replica that does not get it skips the pass (the holder does it). The lock goes with
  the transaction, so a replica that dies mid-pass frees it at once.

SQLite is the embedded, single-replica database: there the block always runs.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine


def lock_key(name: str) -> int:
    """The advisory lock's 64-bit key for ``name`` (stable across processes and releases)."""
    return int.from_bytes(hashlib.sha256(f"holdout.gateway.{name}".encode()).digest()[:8], "big", signed=True)


@asynccontextmanager
async def exclusive(engine: AsyncEngine, name: str) -> AsyncIterator[bool]:
    """Yield True while this replica holds the lock ``name``, False when another does.

    The lock's transaction writes nothing and holds no snapshot between statements (READ
    COMMITTED), so holding it for a pass costs one pooled connection, nothing else.
    """
    if engine.dialect.name != "postgresql":
        yield True
        return
    async with engine.connect() as conn, conn.begin():
        held = bool(await conn.scalar(select(func.pg_try_advisory_xact_lock(lock_key(name)))))
        yield held
