"""Internal HTTP API: for the gateway, an execution's state, its log, its place in the
queue, and a replay of the event its state caused (for the gateway's reconciler when a
message was lost); for the scorer and the gateway, scoring runs (a host's program run
in the sandbox)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel

from services.orchestrator import repository
from services.orchestrator.models import ExecutionStatus, outbox
from services.orchestrator.queue import Snapshot, Snapshots
from services.orchestrator.records import replayed_event
from services.orchestrator.scoring_runs import ScoringRuns
from shared.db import add_event, as_aware, transaction
from shared.events import FailureReason, Resources
from shared.runtime import ServiceRuntime
from shared.scoring_runs import SCORING_RUNS_PATH, ScoringRunRequest, ScoringRunResult
from shared.storage.base import BlobNotFound
from shared.web import NotFound, ProblemError

PREFIX = "/internal/v1"
router = APIRouter(prefix=PREFIX, tags=["executions"])

MAX_LOG_BYTES = 4 * 1024 * 1024


class ExecutionView(BaseModel):
    submission_id: uuid.UUID
    status: ExecutionStatus
    attempt: int
    failure_reason: FailureReason | None
    detail: str
    exit_code: int | None
    resources: Resources
    queued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    # the execution record of the finished attempt (empty until it finished)
    runtime: str = ""
    runtime_digest: str = ""
    machine: str = ""
    gpu_used: bool = False


class Replay(BaseModel):
    submission_id: uuid.UUID
    status: ExecutionStatus
    # the event type published again; None when the state caused none (queued, cancelled)
    republished: str | None


def get_runtime(request: Request) -> ServiceRuntime:
    rt: ServiceRuntime = request.app.state.runtime
    return rt


RuntimeDep = Annotated[ServiceRuntime, Depends(get_runtime)]


async def _load(rt: ServiceRuntime, submission_id: uuid.UUID) -> Any:
    async with rt.sessionmaker() as session:
        row = await repository.get(session, str(submission_id))
    if row is None:
        raise NotFound(f"no execution for submission {submission_id}")
    return row


@router.get("/executions/{submission_id}", operation_id="getExecution", response_model=ExecutionView)
async def get_execution(submission_id: uuid.UUID, rt: RuntimeDep) -> ExecutionView:
    row = await _load(rt, submission_id)
    return ExecutionView(
        submission_id=row.submission_id,
        status=row.status,
        attempt=row.attempt,
        failure_reason=row.failure_reason,
        detail=row.detail or "",
        exit_code=row.exit_code,
        resources=Resources(**(row.resources or {})),
        queued_at=as_aware(row.queued_at),
        started_at=as_aware(row.started_at) if row.started_at else None,
        finished_at=as_aware(row.finished_at) if row.finished_at else None,
        runtime=row.runtime or "",
        runtime_digest=row.runtime_digest or "",
        machine=row.machine or "",
        gpu_used=bool(row.gpu_used),
    )


@router.get(
    "/executions/{submission_id}/log",
    operation_id="getExecutionLog",
    response_class=PlainTextResponse,
)
async def get_execution_log(submission_id: uuid.UUID, rt: RuntimeDep) -> PlainTextResponse:
    row = await _load(rt, submission_id)
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


MAX_QUEUE_IDS = 200


class QueuePlace(BaseModel):
    """Where a submission stands in the queue (``position`` and the rest null unless queued)."""

    submission_id: uuid.UUID
    status: ExecutionStatus
    position: int | None  # 1: the next run to start, in fair-share order
    ahead: int | None  # runs that will start before it
    estimated_start_at: datetime | None
    running: int  # runs going now, on the whole platform
    updated_at: datetime  # when the queue was looked at


class QueuePlaces(BaseModel):
    items: list[QueuePlace]  # the ids asked for that the orchestrator knows, in that order
    running: int
    queued: int
    updated_at: datetime


def get_queue(request: Request) -> Snapshots:
    snapshots: Snapshots = request.app.state.queue
    return snapshots


QueueDep = Annotated[Snapshots, Depends(get_queue)]


def _place(submission_id: str, status: str, snapshot: Snapshot) -> QueuePlace:
    place = snapshot.places.get(submission_id) if status == ExecutionStatus.QUEUED else None
    return QueuePlace(
        submission_id=uuid.UUID(submission_id),
        status=ExecutionStatus(status),
        position=place.position if place else None,
        ahead=place.position - 1 if place else None,
        estimated_start_at=place.estimated_start_at if place else None,
        running=snapshot.running,
        updated_at=snapshot.taken_at,
    )


@router.get("/queue/{submission_id}", operation_id="getQueuePlace", response_model=QueuePlace)
async def get_queue_place(submission_id: uuid.UUID, rt: RuntimeDep, queue: QueueDep) -> QueuePlace:
    """The submission's position in the fair-share order and its estimated start."""
    row = await _load(rt, submission_id)
    return _place(row.submission_id, row.status, await queue.get())


@router.get("/queue", operation_id="getQueuePlaces", response_model=QueuePlaces)
async def get_queue_places(
    rt: RuntimeDep,
    queue: QueueDep,
    submission_ids: Annotated[
        list[str], Query(description="Submission ids: repeated, or comma-separated, at most 200.")
    ],
) -> QueuePlaces:
    """The queue places of many submissions at once (a page of them); unknown ids are left out."""
    ids: list[str] = []
    for value in submission_ids:
        for part in filter(None, (p.strip() for p in value.split(","))):
            try:
                ids.append(str(uuid.UUID(part)))
            except ValueError:
                raise ProblemError(
                    f"submission_ids: {part[:60]!r} is not a submission id (a UUID was expected)",
                    status=422,
                    code="invalid-submission-id",
                ) from None
    if len(ids) > MAX_QUEUE_IDS:
        raise ProblemError(
            f"submission_ids: {len(ids)} ids asked for, at most {MAX_QUEUE_IDS} at once",
            status=422,
            code="too-many-submission-ids",
        )
    async with rt.sessionmaker() as session:
        statuses = await repository.statuses(session, ids)
    snapshot = await queue.get()
    return QueuePlaces(
        items=[_place(i, statuses[i], snapshot) for i in dict.fromkeys(ids) if i in statuses],
        running=snapshot.running,
        queued=snapshot.queued,
        updated_at=snapshot.taken_at,
    )


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


@router.post(
    SCORING_RUNS_PATH.removeprefix(PREFIX),
    operation_id="runScoringProgram",
    response_model=ScoringRunResult,
    tags=["scoring-runs"],
)
async def run_scoring_program(
    body: ScoringRunRequest, runs: Annotated[ScoringRuns, Depends(get_scoring_runs)]
) -> ScoringRunResult:
    """Run a host's scoring program in the sandbox and answer once it has ended (a queue
    of its own: at most ``HOLDOUT_SCORING_RUN_CONCURRENCY`` at once). A failing program is
    a 200 with ``status: program_failed``; only a bad request is a 4xx."""
    return await runs.run(body)
