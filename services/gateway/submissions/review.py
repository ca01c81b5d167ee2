"""``/api/v1/submissions/{id}/{archive,predictions,execution}``: reviewing a run.

A host (or an admin) downloads any submission of their competition: the zip as uploaded,
the predictions as the run wrote them, the whole stored log (``.../log?full=true``, in
``endpoints``), and reads its execution record (what it ran on, what it used, how many
attempts it took). A team reads its own submissions' record, and downloads their zips
and predictions only where the competition allows it (``participants_download_own``).
Anyone else learns nothing, not even that the submission exists (404).

Downloads stream from storage with ranges and validators (``files.serving``); on Azure
Blob they are a redirect to a short-lived read-only URL of the one blob instead.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway import proxy
from services.gateway.auth.dependencies import CurrentUser
from services.gateway.competitions import service as competitions
from services.gateway.config import GatewaySettings
from services.gateway.deps import HttpDep, RuntimeDep, SessionDep, SettingsDep
from services.gateway.files import serving
from services.gateway.models import Competition, Submission, User
from services.gateway.openapi import CONTENT_DISPOSITION, ETAG, UtcDatetime, problems
from services.gateway.submissions import service
from services.gateway.submissions.schemas import SubmissionStatus
from shared.events import Resources
from shared.runtime import ServiceRuntime
from shared.web import Forbidden, NotFound

router = APIRouter(tags=["submissions"])

OUTPUTS = "outputs"
ARCHIVES = "submissions"


class ExecutionRecord(BaseModel):
    """What a submission's run ran on and used: enough for a host to re-run it the same way."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "submission_id": "c4e1f7a2-9b3d-4e8f-a1c2-5d6e7f8a9b0c",
                    "status": "scored",
                    "runtime": "default",
                    "runtime_digest": "sha256:5f1c" + "0" * 60,
                    "pinned_runtime_digest": "sha256:5f1c" + "0" * 60,
                    "machine": "cpu-standard-4",
                    "gpu_used": False,
                    "resources": {
                        "wall_seconds": 2.1,
                        "cpu_seconds": 1.7,
                        "peak_memory_mb": 101.0,
                        "gpu_seconds": 0.0,
                    },
                    "attempts": 1,
                    "started_at": "2026-12-01T10:00:02+00:00",
                    "finished_at": "2026-12-01T10:00:04+00:00",
                    "sha256": "5d41" + "0" * 60,
                    "has_predictions": True,
                    "has_log": True,
                }
            ]
        }
    )

    submission_id: uuid.UUID
    status: SubmissionStatus
    runtime: str | None = Field(description="The runtime's name (null until the run finished).")
    runtime_digest: str | None = Field(
        description="A content digest of the runtime it ran in: `sha256:...` of a local runtime's "
        "locked environment, or the container image's digest (its reference where the cluster "
        "reported none)."
    )
    pinned_runtime_digest: str | None = Field(
        description="The runtime version the competition is pinned to now, for a run of its first stage "
        "(null otherwise, or when none is pinned): a `runtime_digest` that differs ran in another version."
    )
    machine: str | None = Field(description="The machine kind (or host) it ran on.")
    gpu_used: bool | None = Field(description="Whether a GPU was given to the run.")
    resources: Resources | None = Field(description="What the run used (null until it finished).")
    attempts: int | None = Field(
        description="How many times it was started (a platform fault is retried); null if it never was."
    )
    started_at: UtcDatetime | None
    finished_at: UtcDatetime | None
    sha256: str = Field(description="The sha256 of the uploaded zip (the archive download's ETag).")
    has_predictions: bool = Field(description="Whether the run wrote predictions to download.")
    has_log: bool = Field(description="Whether the run's log is stored.")


def _forbid_unless_allowed(competition: Competition, user: User, what: str) -> None:
    if competitions.is_host(competition, user):
        return
    if not competition.participants_download_own:
        raise Forbidden(
            f"the host of {competition.slug!r} does not let teams download their submissions' {what}; "
            "only the host may (participants_download_own is off)",
            code="downloads-not-allowed",
        )


async def _reviewable(
    session: AsyncSession, submission_id: uuid.UUID, user: User, what: str
) -> tuple[Submission, Competition]:
    """404 for anyone outside the team and the host; 403 for the team where downloads are off."""
    submission, competition = await service.get_visible(session, submission_id, user)
    _forbid_unless_allowed(competition, user, what)
    return submission, competition


def _ttl(settings: GatewaySettings) -> timedelta:
    return timedelta(seconds=settings.download_url_ttl_s)


async def output_download(
    rt: ServiceRuntime, key: str | None, filename: str, missing: str
) -> serving.Download:
    """A run output (written once under its run's own key: the key and the size tell it apart)."""
    if key is None or not await rt.storage.exists(OUTPUTS, key):
        raise NotFound(missing, code="output-not-found")
    size = await rt.storage.size(OUTPUTS, key)
    etag = '"' + hashlib.sha256(f"{key}:{size}".encode()).hexdigest()[:32] + '"'
    return serving.Download(key=key, size=size, etag=etag, filename=filename)


_DOWNLOAD_RESPONSES = {
    206: {"description": "The requested byte range."},
    304: {"description": "Not modified (`If-None-Match` matched the ETag)."},
    307: {"description": "Where the storage serves it: a short-lived read-only URL of this one file."},
    **problems(401, 403, 404, 416),
}


@router.get(
    "/submissions/{submission_id}/archive",
    operation_id="download_submission_archive",
    response_class=Response,
    responses={
        200: {
            "description": "The zip exactly as it was uploaded.",
            "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            "headers": {**ETAG, **CONTENT_DISPOSITION},
        },
        **_DOWNLOAD_RESPONSES,
    },
)
async def download_submission_archive(
    submission_id: uuid.UUID,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    rt: RuntimeDep,
    settings: SettingsDep,
) -> Response:
    """Download a submission's zip (the host: any team's; a team: its own, where the
    competition allows it)."""
    submission, _ = await _reviewable(session, submission_id, user, "zips")
    key, sha256, size = submission.archive_key, submission.sha256, submission.size_bytes
    await session.close()
    if not await rt.storage.exists(ARCHIVES, key):
        raise NotFound(f"the zip of submission {submission_id} is no longer stored", code="archive-not-found")
    name = f"submission-{submission_id}.zip"
    download = serving.Download(key=key, size=size, etag=f'"{sha256}"', filename=name)
    return serving.respond(request, rt.storage, download, _ttl(settings), container=ARCHIVES)


@router.get(
    "/submissions/{submission_id}/predictions",
    operation_id="download_submission_predictions",
    response_class=Response,
    responses={
        200: {
            "description": "The predictions file exactly as the run wrote it.",
            "content": {"text/csv": {"schema": {"type": "string", "format": "binary"}}},
            "headers": {**ETAG, **CONTENT_DISPOSITION},
        },
        **_DOWNLOAD_RESPONSES,
    },
)
async def download_submission_predictions(
    submission_id: uuid.UUID,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    rt: RuntimeDep,
    settings: SettingsDep,
) -> Response:
    """Download the predictions a submission's run wrote (the host: any team's; a team:
    its own, where the competition allows it)."""
    submission, competition = await _reviewable(session, submission_id, user, "predictions")
    key, name = submission.predictions_key, competition.predictions_filename
    await session.close()
    download = await output_download(
        rt,
        key,
        f"{submission_id}-{name}",
        f"submission {submission_id} has no predictions: its run has not finished or wrote none",
    )
    return serving.respond(request, rt.storage, download, _ttl(settings), container=OUTPUTS)


@router.get(
    "/submissions/{submission_id}/execution",
    operation_id="get_submission_execution",
    response_model=ExecutionRecord,
    responses=problems(401, 404, 503),
)
async def get_submission_execution(
    submission_id: uuid.UUID, user: CurrentUser, session: SessionDep, http: HttpDep, settings: SettingsDep
) -> ExecutionRecord:
    """The execution record of a submission of your team (or of a competition you host):
    the runtime and its content digest, the machine, the GPU, the resources and attempts."""
    submission, competition = await service.get_visible(session, submission_id, user)
    pinned = competition.runtime_digest if submission.stage_id == competition.id else None
    await session.close()
    url = f"{settings.orchestrator_url.rstrip('/')}/internal/v1/executions/{submission_id}"
    upstream = await proxy.get(http, "orchestrator", url)
    if upstream.status_code not in (200, 404):
        raise proxy.ServiceUnavailable(f"the orchestrator answered {upstream.status_code} for the execution")
    # 404: the orchestrator never saw it run (cancelled first, or still on its way)
    view = upstream.json() if upstream.status_code == 200 else {}
    return ExecutionRecord(
        submission_id=submission.id,
        status=SubmissionStatus(submission.status),
        runtime=submission.runtime or view.get("runtime") or None,
        runtime_digest=submission.runtime_digest or view.get("runtime_digest") or None,
        pinned_runtime_digest=pinned,
        machine=submission.machine or view.get("machine") or None,
        gpu_used=submission.gpu_used if submission.gpu_used is not None else view.get("gpu_used"),
        resources=Resources(**submission.resources) if submission.resources else None,
        attempts=_attempts(view),
        started_at=_when(view.get("started_at")) or submission.started_at,
        finished_at=_when(view.get("finished_at")),
        sha256=submission.sha256,
        has_predictions=submission.predictions_key is not None,
        has_log=submission.log_key is not None,
    )


def _attempts(view: dict[str, object]) -> int | None:
    """Times started: the current attempt once it runs or ran; one fewer while a retry
    waits in the queue (or was cancelled there)."""
    attempt = view.get("attempt")
    if not isinstance(attempt, int):
        return None
    started = view.get("status") in ("running", "finished") or view.get("started_at") is not None
    count = attempt if started else attempt - 1
    return count or None


def _when(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None
