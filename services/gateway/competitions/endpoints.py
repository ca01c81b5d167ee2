"""``/api/v1/competitions``: create, edit and read competitions; upload test data, the
smoke sample and labels (of the first stage; ``stages.endpoints`` uploads any stage's
through the same handlers); rescore."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status

from services.gateway.auth.dependencies import CurrentUser, HostUser, OptionalUser
from services.gateway.competitions import rescoring, runtime_pins, service, uploads, views
from services.gateway.competitions.schemas import (
    CompetitionCreate,
    CompetitionRead,
    CompetitionUpdate,
    DataFileRead,
    LabelsRead,
    RescoreRead,
    RuntimeChangeRead,
    RuntimePin,
)
from services.gateway.deps import PageDep, RuntimeDep, SessionDep, SettingsDep, release
from services.gateway.openapi import Page, binary_body, problems
from services.gateway.stages import scope as scopes
from services.gateway.uploads import DATA_TYPES, LABELS_TYPES, check_content_length, check_content_type, spool

router = APIRouter(prefix="/competitions", tags=["competitions"])


async def put_data(
    competition: str,
    position: int,
    filename: str,
    subset: Literal["test", "smoke"],
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    rt: RuntimeDep,
    settings: SettingsDep,
) -> DataFileRead:
    """One data file (test data or smoke sample) of the stage at ``position``, streamed to
    storage with no transaction open (``uploads``), then recorded."""
    found = await service.get(session, competition)
    service.require_host(found, user)
    stage = await scopes.get(session, found, position)
    service.check_filename(filename)
    check_content_type(request, "data file", DATA_TYPES)
    check_content_length(request, "data file", settings.max_data_bytes)
    plan = await uploads.plan_data(session, stage, filename, subset)
    await release(session)
    plan = await uploads.reserve_data(rt.sessionmaker, stage, plan)
    stored = await uploads.store_data(rt.storage, stage, plan, request.stream(), settings.max_data_bytes)
    return await uploads.record_data(session, found, stage, plan, stored)


async def put_labels(
    competition: str,
    position: int,
    smoke: bool,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    rt: RuntimeDep,
    settings: SettingsDep,
) -> LabelsRead:
    """The labels (or the smoke sample's) of the stage at ``position``: spooled, checked
    and stored with no transaction open (``uploads``), then recorded."""
    found = await service.get(session, competition)
    service.require_host(found, user)
    stage = await scopes.get(session, found, position)
    check_content_type(request, "labels file", LABELS_TYPES)
    check_content_length(request, "labels file", settings.max_labels_bytes)
    await release(session)
    async with spool(
        request.stream(), settings.uploads_tmp_dir, "labels file", settings.max_labels_bytes
    ) as up:
        summary = await uploads.check_labels(found, stage, up, smoke=smoke)
        plan = await uploads.reserve_labels(rt.sessionmaker, stage, smoke=smoke)
        await uploads.store_labels(rt.storage, stage, plan, up)
        return await uploads.record_labels(session, found, stage, plan, up, summary)


@router.post(
    "",
    operation_id="create_competition",
    status_code=status.HTTP_201_CREATED,
    response_model=CompetitionRead,
    responses=problems(401, 403, 409, 422),
)
async def create_competition(
    body: CompetitionCreate, host: HostUser, session: SessionDep, settings: SettingsDep
) -> CompetitionRead:
    """Create a competition; the caller becomes its host."""
    competition = await service.create(session, settings, host, body)
    return await views.read(session, competition, host)


@router.get("", operation_id="list_competitions", response_model=Page[CompetitionRead])
async def list_competitions(user: OptionalUser, session: SessionDep, page: PageDep) -> Page[CompetitionRead]:
    """All competitions, newest first."""
    items, total = await views.page(session, page.offset, page.limit, user)
    return Page(items=items, total=total, offset=page.offset, limit=page.limit)


@router.get(
    "/{competition}",
    operation_id="get_competition",
    response_model=CompetitionRead,
    responses=problems(404),
)
async def get_competition(competition: str, user: OptionalUser, session: SessionDep) -> CompetitionRead:
    """One competition, by id or slug: its overview (`description`), rules, files and settings."""
    return await views.read(session, await service.get(session, competition), user)


@router.patch(
    "/{competition}",
    operation_id="update_competition",
    response_model=CompetitionRead,
    responses=problems(401, 403, 404, 409, 422),
)
async def update_competition(
    competition: str,
    body: CompetitionUpdate,
    user: CurrentUser,
    session: SessionDep,
    rt: RuntimeDep,
    settings: SettingsDep,
) -> CompetitionRead:
    """Edit a competition (host): only the fields sent change. Queued runs keep their settings."""
    found = await service.get(session, competition)
    service.require_host(found, user)
    before = (found.runtime, found.runtime_digest)
    await service.update(session, settings, rt.storage, found, body)
    await runtime_pins.follow_edit(session, settings, found, user, before)
    return await views.read(session, found, user)


@router.put(
    "/{competition}/data/{filename}",
    operation_id="upload_competition_data",
    response_model=DataFileRead,
    responses=problems(401, 403, 404, 413, 422, 503),
    openapi_extra=binary_body("The file's bytes (a test-features file).", DATA_TYPES, "id,x\n1,0.5\n"),
)
async def upload_data(
    competition: str,
    filename: str,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    rt: RuntimeDep,
    settings: SettingsDep,
) -> DataFileRead:
    """Upload (or replace) one test-data file; runs see it in `/code_execution/data`."""
    return await put_data(competition, 1, filename, "test", request, user, session, rt, settings)


@router.put(
    "/{competition}/labels",
    operation_id="upload_competition_labels",
    response_model=LabelsRead,
    responses=problems(401, 403, 404, 413, 422, 503),
    openapi_extra=binary_body(
        "The hidden labels: the id column, every target column and Usage (Public/Private).",
        LABELS_TYPES,
        "id,target,Usage\n1,0,Public\n2,1,Private\n",
    ),
)
async def upload_labels(
    competition: str,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    rt: RuntimeDep,
    settings: SettingsDep,
) -> LabelsRead:
    """Upload the hidden labels; each upload becomes a new labels version."""
    return await put_labels(competition, 1, False, request, user, session, rt, settings)


@router.put(
    "/{competition}/smoke/data/{filename}",
    operation_id="upload_competition_smoke_data",
    response_model=DataFileRead,
    responses=problems(401, 403, 404, 413, 422),
    openapi_extra=binary_body(
        "The file's bytes (a smoke-sample features file).", DATA_TYPES, "id,x\n1,0.5\n"
    ),
)
async def upload_smoke_data(
    competition: str,
    filename: str,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    rt: RuntimeDep,
    settings: SettingsDep,
) -> DataFileRead:
    """Upload (or replace) one file of the smoke sample: smoke runs see it instead of the test data."""
    return await put_data(competition, 1, filename, "smoke", request, user, session, rt, settings)


@router.put(
    "/{competition}/smoke/labels",
    operation_id="upload_competition_smoke_labels",
    response_model=LabelsRead,
    responses=problems(401, 403, 404, 413, 422),
    openapi_extra=binary_body(
        "The smoke sample's labels: the id column and every target column (Usage optional).",
        LABELS_TYPES,
        "id,target\n1,0\n2,1\n",
    ),
)
async def upload_smoke_labels(
    competition: str,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    rt: RuntimeDep,
    settings: SettingsDep,
) -> LabelsRead:
    """Upload the smoke sample's labels (public: smoke scores are shown to the participant)."""
    return await put_labels(competition, 1, True, request, user, session, rt, settings)


@router.post(
    "/{competition}/rescore",
    operation_id="rescore_competition",
    response_model=RescoreRead,
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        200: {"description": "This rescoring was already requested.", "model": RescoreRead},
        **problems(401, 403, 404, 409),
    },
)
async def rescore_competition(
    competition: str,
    response: Response,
    user: CurrentUser,
    session: SessionDep,
    stage: Annotated[
        int, Query(ge=1, le=10_000, description="The stage to rescore, by position (default: the first).")
    ] = 1,
) -> RescoreRead:
    """Score every scored submission of a stage again with its current labels and scoring (host).

    Asking again with nothing changed returns the same rescoring (200) and starts nothing.
    """
    found = await service.get(session, competition)
    service.require_host(found, user)
    result = await rescoring.request(session, found, user, await scopes.get(session, found, stage))
    if not result.created:
        response.status_code = status.HTTP_200_OK
    return result


@router.get(
    "/{competition}/rescores",
    operation_id="list_competition_rescores",
    response_model=Page[RescoreRead],
    responses=problems(401, 403, 404),
)
async def list_rescores(
    competition: str, user: CurrentUser, session: SessionDep, page: PageDep
) -> Page[RescoreRead]:
    """The rescorings asked for, newest first (host)."""
    found = await service.get(session, competition)
    service.require_host(found, user)
    items, total = await rescoring.page(session, found, page.offset, page.limit)
    return Page(items=items, total=total, offset=page.offset, limit=page.limit)


@router.put(
    "/{competition}/runtime",
    operation_id="pin_competition_runtime",
    response_model=CompetitionRead,
    responses=problems(401, 403, 404, 422),
)
async def pin_runtime(
    competition: str, body: RuntimePin, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> CompetitionRead:
    """Set the runtime and pin it to its current lock (host): recorded and listed to participants.

    Sending the runtime it has pins it again to the runtime's lock as it is now; when
    neither the name nor the lock changed, nothing is recorded.
    """
    found = await service.get(session, competition)
    service.require_host(found, user)
    await runtime_pins.pin(session, settings, found, user, body)
    return await views.read(session, found, user)


@router.get(
    "/{competition}/runtime/changes",
    operation_id="list_competition_runtime_changes",
    response_model=Page[RuntimeChangeRead],
    responses=problems(404),
)
async def list_runtime_changes(
    competition: str, session: SessionDep, page: PageDep
) -> Page[RuntimeChangeRead]:
    """Every change of the competition's runtime or its pinned version, newest first."""
    found = await service.get(session, competition)
    items, total = await runtime_pins.changes(session, found, page.offset, page.limit)
    return Page(items=items, total=total, offset=page.offset, limit=page.limit)
