"""FastAPI dependencies every router uses: the runtime, settings, the request's unit of
work (a database session committed at the request boundary), the outgoing HTTP client.
Authentication lives in ``auth.dependencies``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

import httpx
from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState

from services.gateway.config import GatewaySettings
from services.gateway.openapi import PageParams, page_params
from shared.runtime import ServiceRuntime


def get_runtime(request: Request) -> ServiceRuntime:
    rt: ServiceRuntime = request.app.state.runtime
    return rt


def get_settings(request: Request) -> GatewaySettings:
    settings: GatewaySettings = request.app.state.settings
    return settings


def get_http(request: Request) -> httpx.AsyncClient:
    client: httpx.AsyncClient = request.app.state.http
    return client


RuntimeDep = Annotated[ServiceRuntime, Depends(get_runtime)]
SettingsDep = Annotated[GatewaySettings, Depends(get_settings)]
HttpDep = Annotated[httpx.AsyncClient, Depends(get_http)]
PageDep = Annotated[PageParams, Depends(page_params)]


# the session's info key under which work that must follow the commit waits
_AFTER_COMMIT = "holdout.after_commit"
_WROTE = "holdout.wrote"


async def unit_of_work(rt: RuntimeDep) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: one session, committed at the request boundary.

    Function-scoped (``SessionDep``): it ends when the endpoint returns, before the
    response is sent, so a client that has its answer sees its change, and a download or
    a stream holds no connection. The endpoint returned: commit, wake the outbox relay
    if anything was written, then run what waits for the commit (``after_commit``). The
    endpoint raised: roll back, whatever it wrote (a problem answer changes nothing).
    An endpoint may end the transaction sooner itself (``session.commit()`` to keep a
    failure's record, ``session.close()`` before a slow call to another service).
    """
    async with rt.sessionmaker() as session:
        _watch_writes(session)
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        if session.in_transaction():
            await session.commit()
        if session.info.pop(_WROTE, False) and rt.relay is not None:
            rt.relay.notify()
        for then in session.info.pop(_AFTER_COMMIT, []):
            await then()


def after_commit(session: AsyncSession, then: Callable[[], Awaitable[None]]) -> None:
    """Run ``then`` once the request's unit of work has committed (never if it rolls
    back): what must not happen unless the change was kept, such as removing the blob a
    replaced file used."""
    session.info.setdefault(_AFTER_COMMIT, []).append(then)


async def release(session: AsyncSession) -> None:
    """End the request's read-only transaction before bytes move (an upload streamed to
    storage): no transaction stays open, and no pooled connection is held, for the length
    of an upload. The session goes on after it, in a new (short) transaction. Only reads
    may come before: a write would be committed apart from the rest of the request."""
    if session.info.get(_WROTE) or session.new or session.dirty or session.deleted:
        raise RuntimeError("release() after a write: the write would be committed apart from its request")
    if session.in_transaction():
        await session.commit()


def _watch_writes(session: AsyncSession) -> None:
    """Mark the session when it writes (an ORM flush, or a Core INSERT / UPDATE / DELETE
    such as ``add_event``'s), so a read-only request does not wake the relay."""
    sync = session.sync_session

    def flushed(*_: object) -> None:
        sync.info[_WROTE] = True

    def executed(state: ORMExecuteState) -> None:
        if state.is_insert or state.is_update or state.is_delete:
            sync.info[_WROTE] = True

    event.listen(sync, "after_flush", flushed)
    event.listen(sync, "do_orm_execute", executed)


SessionDep = Annotated[AsyncSession, Depends(unit_of_work, scope="function")]
