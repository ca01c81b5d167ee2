"""FastAPI dependencies of the orchestrator's internal API (``api.py``): the runtime,
a database session per request, the queue snapshots and the scoring runs, all from
what the lifespan put on ``app.state`` (``app.py``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from services.orchestrator.queue import Snapshots
from services.orchestrator.scoring_runs import ScoringRuns
from shared.runtime import ServiceRuntime
from shared.web import ProblemError


def get_runtime(request: Request) -> ServiceRuntime:
    rt: ServiceRuntime = request.app.state.runtime
    return rt


RuntimeDep = Annotated[ServiceRuntime, Depends(get_runtime)]


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request, for the routes that only read (a write goes through
    ``shared.db.transaction``, which commits and wakes the outbox relay)."""
    async with request.app.state.runtime.sessionmaker() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


def get_queue(request: Request) -> Snapshots:
    snapshots: Snapshots = request.app.state.queue
    return snapshots


QueueDep = Annotated[Snapshots, Depends(get_queue)]


class ScoringUnavailable(ProblemError):
    status, code = 503, "scoring-programs-unavailable"


def get_scoring_runs(request: Request) -> ScoringRuns:
    runs: ScoringRuns | None = getattr(request.app.state, "scoring_runs", None)
    if runs is None:
        raise ScoringUnavailable(
            "scoring programs need the local sandbox executor: this orchestrator runs submissions on "
            "Kubernetes (HOLDOUT_EXECUTOR=kubernetes); point the scorer at an orchestrator with "
            "HOLDOUT_EXECUTOR=local"
        )
    return runs


ScoringRunsDep = Annotated[ScoringRuns, Depends(get_scoring_runs)]
