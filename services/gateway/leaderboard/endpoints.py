"""``/api/v1/competitions/{competition}/leaderboard`` (proxied), its CSV export for
hosts (proxied) and ``/reveal``.

Boards are per stage: ``?stage=<position>`` names the stage as participants know it
(1, 2, ...); the gateway turns it into the stage's id (``_stage``) and the
leaderboard service is asked for that stage's board (``leaderboard_params``).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway import proxy
from services.gateway.auth.dependencies import CurrentUser, OptionalUser
from services.gateway.competitions import scoring
from services.gateway.competitions import service as competitions
from services.gateway.competitions import views as competition_views
from services.gateway.competitions.schemas import CompetitionRead
from services.gateway.deps import HttpDep, PageDep, SessionDep, SettingsDep
from services.gateway.leaderboard.schemas import Leaderboard, LeaderboardColumn
from services.gateway.models import Competition
from services.gateway.openapi import problems
from services.gateway.stages import scope
from shared.events import utcnow
from shared.web import PROBLEM_JSON, Forbidden

router = APIRouter(prefix="/competitions/{competition}", tags=["leaderboard"])

StageParam = Annotated[
    int | None,
    Query(
        ge=1,
        description="the stage's position, 1 for the first (default: the stage open now, else the "
        "latest that has opened)",
    ),
]


async def _stage(session: AsyncSession, competition: Competition, position: int | None) -> scope.Scope:
    """The competition's stage at ``position`` (None: the stage that matters now)."""
    if position is None:
        return scope.active(await scope.all_stages(session, competition), utcnow())
    return await scope.get(session, competition, position)


def leaderboard_params(stage_id: uuid.UUID | None, **params: object) -> dict[str, object]:
    """The leaderboard service's query for a stage's board (no stage: the first stage's)."""
    return {**params, **({"stage_id": str(stage_id)} if stage_id is not None else {})}


def _empty(
    competition: Competition,
    stage: scope.Scope,
    board: Literal["public", "private"],
    offset: int,
    limit: int,
) -> Leaderboard:
    """The board of a stage the leaderboard has not heard of yet (nothing scored): its
    columns as the host declared them (hidden ones left out until the reveal)."""
    revealed = competition.revealed_at is not None
    columns = [c for c in scoring.columns_of(stage) if revealed or not c.hidden]
    return Leaderboard(
        competition_id=competition.id,
        stage_id=stage.id,
        board=board,
        metric=stage.metric,
        higher_is_better=scoring.columns_of(stage)[0].higher_is_better,
        revealed=revealed,
        total=0,
        offset=offset,
        limit=limit,
        columns=[
            LeaderboardColumn(key=c.key, higher_is_better=c.higher_is_better, precision=c.precision)
            for c in columns
        ],
        entries=[],
    )


def _relay(upstream_status: int, content: bytes, content_type: str) -> Response:
    media = PROBLEM_JSON if "problem" in content_type else "application/json"
    return Response(content=content, status_code=upstream_status, media_type=media)


@router.get(
    "/leaderboard",
    operation_id="get_public_leaderboard",
    response_model=Leaderboard,
    responses=problems(404, 503),
)
async def get_public_leaderboard(
    competition: str,
    _user: OptionalUser,
    session: SessionDep,
    http: HttpDep,
    settings: SettingsDep,
    page: PageDep,
    stage: StageParam = None,
) -> Response:
    """The public leaderboard of a stage: each team's best public entry by the stage's
    columns (anyone may read it)."""
    found = await competitions.get(session, competition)
    chosen = await _stage(session, found, stage)
    stage_id = chosen.id
    await session.close()
    url = f"{settings.leaderboard_url.rstrip('/')}/api/v1/competitions/{found.id}/leaderboard"
    params = leaderboard_params(stage_id, offset=page.offset, limit=page.limit)
    upstream = await proxy.get(http, "leaderboard", url, params)
    if upstream.status_code == 404:
        empty = _empty(found, chosen, "public", page.offset, page.limit)
        return JSONResponse(empty.model_dump(mode="json"))
    return _relay(upstream.status_code, upstream.content, upstream.headers.get("content-type", ""))


@router.get(
    "/leaderboard/events",
    operation_id="stream_leaderboard_events",
    summary="Live updates: a server-sent `board` event now, then one each time the boards change",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}, **problems(404, 503)},
)
async def stream_leaderboard_events(
    competition: str,
    _user: OptionalUser,
    session: SessionDep,
    http: HttpDep,
    settings: SettingsDep,
    stage: StageParam = None,
) -> StreamingResponse:
    """Anyone may follow a stage's boards live; each `board` event carries the board's
    version and the stage's columns shown: re-read the board when one comes."""
    found = await competitions.get(session, competition)
    chosen = await _stage(session, found, stage)
    stage_id = chosen.id
    await session.close()  # the stream may last long: hold no database connection
    url = f"{settings.leaderboard_url.rstrip('/')}/api/v1/competitions/{found.id}/leaderboard/events"
    query = urlencode(leaderboard_params(stage_id))
    return await proxy.stream(http, "leaderboard", f"{url}?{query}" if query else url)


@router.get(
    "/leaderboard/private",
    operation_id="get_private_leaderboard",
    response_model=Leaderboard,
    responses=problems(403, 404, 503),
)
async def get_private_leaderboard(
    competition: str,
    user: OptionalUser,
    session: SessionDep,
    http: HttpDep,
    settings: SettingsDep,
    page: PageDep,
    stage: StageParam = None,
) -> Response:
    """The private leaderboard of a stage: hidden until the host reveals it (the host
    always sees it, hidden columns included)."""
    found = await competitions.get(session, competition)
    chosen = await _stage(session, found, stage)
    stage_id = chosen.id
    await session.close()
    base = settings.leaderboard_url.rstrip("/")
    if competitions.is_host(found, user):
        url = f"{base}/internal/v1/competitions/{found.id}/leaderboard/private"
    elif found.revealed_at is None:
        raise Forbidden("the private leaderboard is hidden until the host reveals it", code="not-revealed")
    else:
        url = f"{base}/api/v1/competitions/{found.id}/leaderboard/private"
    params = leaderboard_params(stage_id, offset=page.offset, limit=page.limit)
    upstream = await proxy.get(http, "leaderboard", url, params)
    if upstream.status_code == 404:
        empty = _empty(found, chosen, "private", page.offset, page.limit)
        return JSONResponse(empty.model_dump(mode="json"))
    return _relay(upstream.status_code, upstream.content, upstream.headers.get("content-type", ""))


@router.post(
    "/reveal",
    operation_id="reveal_private_leaderboard",
    response_model=CompetitionRead,
    responses=problems(401, 403, 404),
)
async def reveal(competition: str, user: CurrentUser, session: SessionDep) -> CompetitionRead:
    """Reveal the private leaderboard to everyone (host; revealing again changes nothing)."""
    found = await competitions.get(session, competition)
    competitions.require_host(found, user)
    await competitions.reveal(session, found)
    return await competition_views.read(session, found, user)


@router.get(
    "/leaderboard/{board}.csv",
    operation_id="export_leaderboard_csv",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "The whole board."},
        **problems(401, 403, 404, 503),
    },
)
async def export_leaderboard_csv(
    competition: str,
    board: Literal["public", "private"],
    user: CurrentUser,
    session: SessionDep,
    http: HttpDep,
    settings: SettingsDep,
    stage: StageParam = None,
) -> Response:
    """A stage's whole public or private board as CSV, every column shown with its full
    value (host; the private board before the reveal too, hidden columns after it)."""
    found = await competitions.get(session, competition)
    competitions.require_host(found, user)
    chosen = await _stage(session, found, stage)
    stage_id = chosen.id
    await session.close()
    url = (
        f"{settings.leaderboard_url.rstrip('/')}/internal/v1/competitions/{found.id}"
        f"/leaderboard/{board}/export.csv"
    )
    upstream = await proxy.get(http, "leaderboard", url, leaderboard_params(stage_id))
    content_type = upstream.headers.get("content-type", "")
    if upstream.status_code != 200:
        return _relay(upstream.status_code, upstream.content, content_type)
    name = found.slug if stage is None or stage == 1 else f"{found.slug}-stage-{stage}"
    return Response(
        content=upstream.content,
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}-{board}-leaderboard.csv"'},
    )
