"""``/api/v1/competitions/{competition}/stages``: list, add, read and edit a competition's
stages, and upload each stage's test data, smoke sample and labels (the handlers of the
competition-level uploads, which are stage 1's)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, status

from services.gateway.auth.dependencies import CurrentUser, OptionalUser
from services.gateway.competitions import service as competitions
from services.gateway.competitions.endpoints import put_data, put_labels
from services.gateway.competitions.schemas import DataFileRead, LabelsRead
from services.gateway.deps import PageDep, RuntimeDep, SessionDep, SettingsDep
from services.gateway.openapi import Page, binary_body, problems
from services.gateway.stages import scope as scopes
from services.gateway.stages import service
from services.gateway.stages.schemas import StageCreate, StageRead, StageUpdate
from services.gateway.uploads import DATA_TYPES, LABELS_TYPES

router = APIRouter(prefix="/competitions/{competition}/stages", tags=["stages"])

# bounded so that no number reaches the database that its integers cannot hold
Position = Annotated[int, Path(ge=1, le=10_000, description="The stage's position: 1 is the first.")]


@router.get(
    "",
    operation_id="list_stages",
    response_model=Page[StageRead],
    responses=problems(404),
)
async def list_stages(
    competition: str, _user: OptionalUser, session: SessionDep, page: PageDep
) -> Page[StageRead]:
    """A competition's stages in order: schedule, scoring, limits, quotas and data of each."""
    found = await competitions.get(session, competition)
    stages = await scopes.all_stages(session, found)
    chosen = stages[page.offset : page.offset + page.limit]
    items = [await service.read(session, s) for s in chosen]
    return Page(items=items, total=len(stages), offset=page.offset, limit=page.limit)


@router.post(
    "",
    operation_id="create_stage",
    status_code=status.HTTP_201_CREATED,
    response_model=StageRead,
    responses=problems(401, 403, 404, 409, 422),
)
async def create_stage(
    competition: str,
    body: StageCreate,
    user: CurrentUser,
    session: SessionDep,
    rt: RuntimeDep,
    settings: SettingsDep,
) -> StageRead:
    """Add a stage after the last one (host); the settings left out are the previous stage's.

    The new stage starts without data or labels (upload them under its position).
    """
    found = await competitions.get(session, competition)
    competitions.require_host(found, user)
    stage = await service.create(session, settings, rt.storage, found, body)
    return await service.read(session, stage)


@router.get(
    "/{position}",
    operation_id="get_stage",
    response_model=StageRead,
    responses=problems(404, 422),
)
async def get_stage(
    competition: str, position: Position, _user: OptionalUser, session: SessionDep
) -> StageRead:
    """One stage of a competition, by position."""
    found = await competitions.get(session, competition)
    return await service.read(session, await scopes.get(session, found, position))


@router.patch(
    "/{position}",
    operation_id="update_stage",
    response_model=StageRead,
    responses=problems(401, 403, 404, 409, 422),
)
async def update_stage(
    competition: str,
    position: Position,
    body: StageUpdate,
    user: CurrentUser,
    session: SessionDep,
    rt: RuntimeDep,
    settings: SettingsDep,
) -> StageRead:
    """Edit a stage (host): only the fields sent change. Stage 1's settings are the competition's own.

    Runs already queued keep the settings they were queued with.
    """
    found = await competitions.get(session, competition)
    competitions.require_host(found, user)
    stage = await scopes.get(session, found, position)
    stage = await service.update(session, settings, rt.storage, found, stage, body)
    return await service.read(session, stage)


@router.put(
    "/{position}/data/{filename}",
    operation_id="upload_stage_data",
    response_model=DataFileRead,
    responses=problems(401, 403, 404, 413, 422, 503),
    openapi_extra=binary_body("The file's bytes (a test-features file).", DATA_TYPES, "id,x\n1,0.5\n"),
)
async def upload_stage_data(
    competition: str,
    position: Position,
    filename: str,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    rt: RuntimeDep,
    settings: SettingsDep,
) -> DataFileRead:
    """Upload (or replace) one test-data file of a stage; its runs see it in `/code_execution/data`."""
    return await put_data(competition, position, filename, "test", request, user, session, rt, settings)


@router.put(
    "/{position}/labels",
    operation_id="upload_stage_labels",
    response_model=LabelsRead,
    responses=problems(401, 403, 404, 413, 422, 503),
    openapi_extra=binary_body(
        "The stage's hidden labels: the id column, every target column and Usage (Public/Private).",
        LABELS_TYPES,
        "id,target,Usage\n1,0,Public\n2,1,Private\n",
    ),
)
async def upload_stage_labels(
    competition: str,
    position: Position,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    rt: RuntimeDep,
    settings: SettingsDep,
) -> LabelsRead:
    """Upload a stage's hidden labels; every metric of its board columns must be able to score them."""
    return await put_labels(competition, position, False, request, user, session, rt, settings)


@router.put(
    "/{position}/smoke/data/{filename}",
    operation_id="upload_stage_smoke_data",
    response_model=DataFileRead,
    responses=problems(401, 403, 404, 413, 422),
    openapi_extra=binary_body(
        "The file's bytes (a smoke-sample features file).", DATA_TYPES, "id,x\n1,0.5\n"
    ),
)
async def upload_stage_smoke_data(
    competition: str,
    position: Position,
    filename: str,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    rt: RuntimeDep,
    settings: SettingsDep,
) -> DataFileRead:
    """Upload (or replace) one file of a stage's smoke sample."""
    return await put_data(competition, position, filename, "smoke", request, user, session, rt, settings)


@router.put(
    "/{position}/smoke/labels",
    operation_id="upload_stage_smoke_labels",
    response_model=LabelsRead,
    responses=problems(401, 403, 404, 413, 422),
    openapi_extra=binary_body(
        "The smoke sample's labels: the id column and every target column (Usage optional).",
        LABELS_TYPES,
        "id,target\n1,0\n2,1\n",
    ),
)
async def upload_stage_smoke_labels(
    competition: str,
    position: Position,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    rt: RuntimeDep,
    settings: SettingsDep,
) -> LabelsRead:
    """Upload the labels of a stage's smoke sample."""
    return await put_labels(competition, position, True, request, user, session, rt, settings)
