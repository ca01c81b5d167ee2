"""``/api/v1/competitions/{competition}/files`` and ``/smoke-sample``: a host attaches
participant files; a participant who accepted the rules lists and downloads them,
and downloads the smoke sample packaged for ``holdout test-submission``."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status

from services.gateway.auth.dependencies import CurrentUser
from services.gateway.competitions import service as competitions
from services.gateway.deps import PageDep, RuntimeDep, SessionDep, SettingsDep, after_commit, release
from services.gateway.files import service, serving, smoke_sample
from services.gateway.files.schemas import FileKind, ParticipantFileRead
from services.gateway.files.serving import CONTAINER
from services.gateway.openapi import (
    CONTENT_DISPOSITION,
    CONTENT_RANGE,
    ETAG,
    LOCATION,
    Page,
    binary_body,
    problems,
)
from services.gateway.rules import service as rules
from services.gateway.uploads import ANY_TYPE, check_content_length, check_content_type
from shared.storage import StorageError

router = APIRouter(prefix="/competitions/{competition}", tags=["files"])

_DOWNLOAD: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The file's bytes (`Content-Length`, `ETag`, `Accept-Ranges: bytes`).",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        "headers": {**ETAG, **CONTENT_DISPOSITION},
    },
    206: {
        "description": "The byte range asked for with `Range` (`Content-Range` says which).",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        "headers": {**ETAG, **CONTENT_RANGE},
    },
    304: {"description": "Not modified: `If-None-Match` names the current `ETag`.", "headers": ETAG},
    307: {
        "description": "Where the storage serves it: a short-lived read-only URL of this file alone.",
        "headers": LOCATION,
    },
}


async def _remove_blob(rt: RuntimeDep, key: str | None) -> None:
    # after the commit; a failure leaves only an orphan blob that nothing points to
    if key is not None:
        with contextlib.suppress(StorageError):
            await rt.storage.delete(CONTAINER, key)


@router.put(
    "/files/{filename}",
    operation_id="upload_participant_file",
    status_code=status.HTTP_201_CREATED,
    response_model=ParticipantFileRead,
    responses=problems(401, 403, 404, 413, 422, 503),
    openapi_extra=binary_body("The file's bytes.", ANY_TYPE, "id,x,target\n1,0.5,0\n"),
)
async def upload_file(
    competition: str,
    filename: str,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    rt: RuntimeDep,
    settings: SettingsDep,
    kind: Annotated[FileKind, Query(description="What the file is, for participants.")] = FileKind.OTHER,
) -> ParticipantFileRead:
    """Attach (or replace) a file participants download: training data, a submission
    format example, documentation (host). Never seen by runs; test data goes to `data/`."""
    found = await competitions.get(session, competition)
    competitions.require_host(found, user)
    competitions.check_filename(filename)
    check_content_type(request, "participant file", ANY_TYPE)
    check_content_length(request, "participant file", settings.max_participant_file_bytes)
    await release(session)  # no transaction open while the bytes stream to storage
    result, replaced = await service.upload(
        session, rt.storage, found, filename, kind, request.stream(), settings.max_participant_file_bytes
    )
    after_commit(session, lambda: _remove_blob(rt, replaced))
    return result


@router.delete(
    "/files/{filename}",
    operation_id="delete_participant_file",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(401, 403, 404, 422),
)
async def delete_file(
    competition: str, filename: str, user: CurrentUser, session: SessionDep, rt: RuntimeDep
) -> None:
    """Remove a participant file (host)."""
    found = await competitions.get(session, competition)
    competitions.require_host(found, user)
    key = await service.delete(session, found, filename)
    after_commit(session, lambda: _remove_blob(rt, key))


@router.get(
    "/files",
    operation_id="list_participant_files",
    response_model=Page[ParticipantFileRead],
    responses=problems(404),
)
async def list_files(competition: str, session: SessionDep, page: PageDep) -> Page[ParticipantFileRead]:
    """The files participants may download, by name (downloading needs the rules accepted)."""
    found = await competitions.get(session, competition)
    items, total = await service.page(session, found, page.offset, page.limit)
    return Page(items=items, total=total, offset=page.offset, limit=page.limit)


@router.get(
    "/files/{filename}",
    operation_id="download_participant_file",
    response_class=Response,
    responses={**_DOWNLOAD, **problems(401, 403, 404, 416, 422)},
)
async def download_file(
    competition: str,
    filename: str,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    rt: RuntimeDep,
    settings: SettingsDep,
) -> Response:
    """Download a participant file (after accepting the rules). Supports `Range` and
    `If-None-Match`; on Azure storage the answer is a redirect to the file itself."""
    found = await competitions.get(session, competition)
    await rules.require_accepted(session, found, user)
    download = await service.download(session, found, filename)
    await session.close()  # no connection held while the bytes stream
    return serving.respond(request, rt.storage, download, timedelta(seconds=settings.download_url_ttl_s))


@router.get(
    "/smoke-sample",
    operation_id="download_smoke_sample",
    response_class=Response,
    responses={
        **_DOWNLOAD,
        200: {
            "description": "A zip of `competition.json`, `data/` and `labels.csv`: what "
            "`holdout test-submission ZIP --competition <this zip>` takes.",
            "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
        },
        **problems(401, 403, 404, 416),
    },
)
async def download_smoke_sample(
    competition: str,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    rt: RuntimeDep,
    settings: SettingsDep,
) -> Response:
    """Download the smoke sample (features and public labels) with the competition's
    settings, to try a submission locally with `holdout test-submission` (after
    accepting the rules)."""
    found = await competitions.get(session, competition)
    await rules.require_accepted(session, found, user)
    plan = await smoke_sample.plan(session, found)
    await session.close()  # none held while the zip is built or streamed
    download = await smoke_sample.prepare(rt.storage, plan, settings.uploads_tmp_dir)
    return serving.respond(request, rt.storage, download, timedelta(seconds=settings.download_url_ttl_s))
