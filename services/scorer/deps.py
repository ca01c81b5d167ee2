"""FastAPI dependencies of the scorer's internal API (``api.py``): a database session
per request, from the runtime the lifespan put on ``app.state``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request; the scorer's routes only read."""
    async with request.app.state.runtime.sessionmaker() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]
