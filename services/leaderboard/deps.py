"""FastAPI dependencies of the leaderboard's routes (``api.py``): a database session per
request, and the query parameters every board read takes (paging, the stage)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request; the routes only read (the consumer writes the boards)."""
    async with request.app.state.runtime.sessionmaker() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]
Offset = Annotated[int, Query(ge=0, description="number of teams to skip")]
Limit = Annotated[int, Query(ge=1, le=500, description="number of teams to return (at most 500)")]
StageQuery = Annotated[
    uuid.UUID | None,
    Query(description="the stage's id (default: the first stage, whose id is the competition's)"),
]
