"""FastAPI dependencies every router uses: the runtime, settings, a database session,
the outgoing HTTP client. Authentication lives in ``auth.dependencies``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import httpx
from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

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


async def get_session(rt: RuntimeDep) -> AsyncIterator[AsyncSession]:
    """One session per request; the endpoint commits (``commit``) at its boundary."""
    async with rt.sessionmaker() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def commit(session: AsyncSession, rt: ServiceRuntime) -> None:
    """Commit the request's unit of work, then wake the outbox relay."""
    await session.commit()
    if rt.relay is not None:
        rt.relay.notify()
