"""``/api/v1/.../submissions``: upload a solution, list, read, cancel, read its log."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import PlainTextResponse

from services.gateway import proxy
from services.gateway.auth.dependencies import CurrentUser
from services.gateway.competitions import service as competitions
from services.gateway.deps import HttpDep, PageDep, RuntimeDep, SessionDep, SettingsDep
from services.gateway.files import serving
from services.gateway.openapi import API_PREFIX, LOCATION, QUOTA_HEADERS, Page, binary_body, problems
from services.gateway.stages import scope
from services.gateway.submissions import quota, review, service
from services.gateway.submissions.queue import with_queue
from services.gateway.submissions.schemas import QuotaRead, SubmissionRead
from services.gateway.teams import repository as teams_repo
from services.gateway.uploads import SUBMISSION_TYPES, check_content_length, check_content_type
from shared.events import utcnow
from shared.web import Forbidden, NotFound

router = APIRouter(tags=["submissions"])


@router.post(
    "/competitions/{competition}/submissions",
    operation_id="create_submission",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=SubmissionRead,
    responses={
        202: {"description": "Queued.", "headers": {**LOCATION, **QUOTA_HEADERS}},
        **problems(401, 403, 404, 409, 413, 422, 429, 503),
    },
    openapi_extra=binary_body("The solution: a zip with main.py at its root.", SUBMISSION_TYPES),
)
async def create_submission(
    competition: str,
    request: Request,
    response: Response,
    user: CurrentUser,
    rt: RuntimeDep,
    settings: SettingsDep,
    smoke: Annotated[bool, Query(description="A smoke run on the public sample (its own quota).")] = False,
) -> SubmissionRead:
    """Upload a zipped solution; it is queued to run against the hidden test data.

    `X-Quota-Limit`, `X-Quota-Remaining` and `X-Quota-Reset` tell what is left today
    of this kind of run (real or smoke) for the team, and when it resets.
    """
    check_content_type(request, "submission", SUBMISSION_TYPES)
    check_content_length(request, "submission", settings.max_submission_bytes)
    result = await service.submit(rt, settings, user, competition, request.stream(), smoke=smoke)
    response.headers["Location"] = f"{API_PREFIX}/submissions/{result.submission.id}"
    response.headers.update(quota.headers(result.quota, result.resets_at))
    return result.submission


@router.get(
    "/competitions/{competition}/quota",
    operation_id="get_my_quota",
    response_model=QuotaRead,
    responses=problems(401, 404),
)
async def get_my_quota(competition: str, user: CurrentUser, session: SessionDep) -> QuotaRead:
    """What your team has left today (UTC) of real and of smoke runs in the stage open now
    (else the latest that has opened), and when it resets."""
    found = await competitions.get(session, competition)
    team = await teams_repo.team_of(session, found.id, user.id)
    now = utcnow()
    stage = scope.active(await scope.all_stages(session, found), now)
    return await quota.status(session, stage, team, now)


@router.get(
    "/competitions/{competition}/submissions",
    operation_id="list_submissions",
    response_model=Page[SubmissionRead],
    responses=problems(401, 404),
)
async def list_submissions(
    competition: str,
    user: CurrentUser,
    session: SessionDep,
    page: PageDep,
    http: HttpDep,
    settings: SettingsDep,
) -> Page[SubmissionRead]:
    """Your team's submissions, newest first (the host sees every team's); a queued one
    tells its place in the queue (`queue`)."""
    found = await competitions.get(session, competition)
    items, total = await service.page(session, found, user, page.offset, page.limit)
    await session.close()  # no connection held while the orchestrator answers
    items = await with_queue(http, settings, items)
    return Page(items=items, total=total, offset=page.offset, limit=page.limit)


@router.get(
    "/submissions/{submission_id}",
    operation_id="get_submission",
    response_model=SubmissionRead,
    responses=problems(401, 404),
)
async def get_submission(
    submission_id: uuid.UUID, user: CurrentUser, session: SessionDep, http: HttpDep, settings: SettingsDep
) -> SubmissionRead:
    """One submission of your team (or of a competition you host). While it is queued,
    `queue` tells its place in the fair-share order and its estimated start; poll this to
    follow it."""
    submission, _ = await service.get_visible(session, submission_id, user)
    read = await service.read_many(session, [submission])
    await session.close()  # no connection held while the orchestrator answers
    return (await with_queue(http, settings, read))[0]


@router.post(
    "/submissions/{submission_id}/cancel",
    operation_id="cancel_submission",
    response_model=SubmissionRead,
    responses=problems(401, 404, 409),
)
async def cancel_submission(
    submission_id: uuid.UUID, user: CurrentUser, session: SessionDep
) -> SubmissionRead:
    """Cancel a queued or running submission."""
    submission, _ = await service.get_visible(session, submission_id, user, for_update=True)
    await service.cancel(session, submission)
    return (await service.read_many(session, [submission]))[0]


@router.get(
    "/submissions/{submission_id}/log",
    operation_id="get_submission_log",
    response_class=PlainTextResponse,
    responses={
        200: {
            "content": {"text/plain": {"schema": {"type": "string"}}},
            "description": "The log's tail; with `full=true`, the whole stored log as a download.",
        },
        206: {"description": "`full=true`: the requested byte range."},
        304: {"description": "`full=true`: not modified (`If-None-Match` matched the ETag)."},
        307: {"description": "`full=true`: where the storage serves it, a short-lived read-only URL."},
        **problems(401, 403, 404, 416, 503),
    },
)
async def get_submission_log(
    submission_id: uuid.UUID,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    http: HttpDep,
    rt: RuntimeDep,
    settings: SettingsDep,
    full: Annotated[
        bool, Query(description="The whole stored log, streamed as a file (hosts only).")
    ] = False,
) -> Response:
    """The captured stdout and stderr of the run (a bounded tail); the host downloads the
    whole stored log with `full=true`."""
    submission, competition = await service.get_visible(session, submission_id, user)
    if full:
        if not competitions.is_host(competition, user):
            raise Forbidden(
                "only the host downloads the whole log (full=true); read the tail without it",
                code="full-log-host-only",
            )
        key = submission.log_key
        await session.close()
        download = await review.output_download(
            rt, key, f"log-{submission_id}.txt", f"submission {submission_id} has no stored log yet"
        )
        ttl = timedelta(seconds=settings.download_url_ttl_s)
        return serving.respond(request, rt.storage, download, ttl, container=review.OUTPUTS)
    if not (submission.is_smoke or competition.show_logs or competitions.is_host(competition, user)):
        raise Forbidden(
            "the host has hidden the logs of real runs; smoke runs show theirs", code="logs-hidden"
        )
    await session.close()
    url = f"{settings.orchestrator_url.rstrip('/')}/internal/v1/executions/{submission_id}/log"
    upstream = await proxy.get(http, "orchestrator", url)
    if upstream.status_code == 404:
        raise NotFound("no log yet: the run has not started", code="log-not-found")
    if upstream.status_code != 200:
        raise proxy.ServiceUnavailable(f"the orchestrator answered {upstream.status_code} for the log")
    return PlainTextResponse(upstream.text)
