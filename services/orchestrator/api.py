"""Internal HTTP API: for the gateway, an execution's state, its log, its place in the
queue, and a replay of the event its state caused (for the gateway's reconciler when a
message was lost); for the scorer and the gateway, scoring runs (a host's program run
in the sandbox). Routes only: response models in ``schemas.py``, dependencies in
``deps.py``, what a route answers made in ``views.py``."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse
from sqlalchemy.ext.asyncio import AsyncSession

from services.orchestrator import repository, views
from services.orchestrator.deps import QueueDep, RuntimeDep, ScoringRunsDep, SessionDep
from services.orchestrator.models import ExecutionStatus, outbox
from services.orchestrator.records import replayed_event
from services.orchestrator.schemas import ExecutionView, QueuePlace, QueuePlaces, Replay
from shared.db import add_event, transaction
from shared.scoring_runs import SCORING_RUNS_PATH, ScoringRunRequest, ScoringRunResult
from shared.storage.base import BlobNotFound
from shared.web import NotFound

PREFIX = "/internal/v1"
router = APIRouter(prefix=PREFIX, tags=["executions"])

MAX_LOG_BYTES = 4 * 1024 * 1024


async def _load(session: AsyncSession, submission_id: uuid.UUID) -> Any:
    row = await repository.get(session, str(submission_id))
    # the read is done: the connection goes back to the pool before the route awaits
    # anything else (a log from storage; a queue snapshot, which takes a connection of
    # its own and would otherwise wait on those its waiting readers hold)
    await session.close()
    if row is None:
        raise NotFound(f"no execution for submission {submission_id}")
    return row


@router.get("/executions/{submission_id}", operation_id="getExecution", response_model=ExecutionView)
async def get_execution(submission_id: uuid.UUID, session: SessionDep) -> ExecutionView:
    return views.execution_view(await _load(session, submission_id))


@router.get(
    "/executions/{submission_id}/log",
    operation_id="getExecutionLog",
    response_class=PlainTextResponse,
)
async def get_execution_log(
    submission_id: uuid.UUID, session: SessionDep, rt: RuntimeDep
) -> PlainTextResponse:
    row = await _load(session, submission_id)
    if row.log_key is None:
        raise NotFound(
            f"submission {submission_id} has no log: it is {row.status}"
            + ("" if row.status != ExecutionStatus.FINISHED else " and it did not run (see its detail)")
        )
    try:
        data = await rt.storage.get_bytes("outputs", row.log_key, max_bytes=MAX_LOG_BYTES)
    except BlobNotFound:
        raise NotFound(f"the log of submission {submission_id} is no longer stored") from None
    return PlainTextResponse(data.decode("utf-8", errors="replace"))


@router.post(
    "/executions/{submission_id}/republish", operation_id="republishExecutionEvent", response_model=Replay
)
async def republish(submission_id: uuid.UUID, rt: RuntimeDep) -> Replay:
    """Publish again what the execution's state caused (``execution.started`` while
    running, ``execution.finished`` once finished), with a new event id."""
    async with transaction(rt.sessionmaker, rt.relay) as session:
        row = await repository.get(session, str(submission_id))
        if row is None:
            raise NotFound(f"no execution for submission {submission_id}")
        event = replayed_event(row)
        if event is not None:
            await add_event(session, outbox, event)
    return Replay(submission_id=submission_id, status=row.status, republished=event.type if event else None)


@router.get("/queue/{submission_id}", operation_id="getQueuePlace", response_model=QueuePlace)
async def get_queue_place(submission_id: uuid.UUID, session: SessionDep, queue: QueueDep) -> QueuePlace:
    """The submission's position in the fair-share order and its estimated start."""
    row = await _load(session, submission_id)
    return views.queue_place(row.submission_id, row.status, await queue.get())


@router.get("/queue", operation_id="getQueuePlaces", response_model=QueuePlaces)
async def get_queue_places(
    session: SessionDep,
    queue: QueueDep,
    submission_ids: Annotated[
        list[str], Query(description="Submission ids: repeated, or comma-separated, at most 200.")
    ],
) -> QueuePlaces:
    """The queue places of many submissions at once (a page of them); unknown ids are left out."""
    ids = views.parse_submission_ids(submission_ids)
    statuses = await repository.statuses(session, ids)
    await session.close()  # as in ``_load``: no connection held while the snapshot is taken
    return views.queue_places(ids, statuses, await queue.get())


@router.post(
    SCORING_RUNS_PATH.removeprefix(PREFIX),
    operation_id="runScoringProgram",
    response_model=ScoringRunResult,
    tags=["scoring-runs"],
)
async def run_scoring_program(body: ScoringRunRequest, runs: ScoringRunsDep) -> ScoringRunResult:
    """Run a host's scoring program in the sandbox and answer once it has ended (a queue
    of its own: at most ``HOLDOUT_SCORING_RUN_CONCURRENCY`` at once). A failing program is
    a 200 with ``status: program_failed``; only a bad request is a 4xx."""
    return await runs.run(body)
