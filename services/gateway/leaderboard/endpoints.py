"""``/api/v1/competitions/{competition}/leaderboard`` (proxied), its CSV export for
hosts (proxied) and ``/reveal``."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse, StreamingResponse

from services.gateway import proxy
from services.gateway.auth.dependencies import CurrentUser, OptionalUser
from services.gateway.competitions import service as competitions
from services.gateway.competitions.schemas import CompetitionRead
from services.gateway.deps import HttpDep, PageDep, RuntimeDep, SessionDep, SettingsDep, commit
from services.gateway.leaderboard.schemas import Leaderboard
from services.gateway.models import Competition
from services.gateway.openapi import problems
from shared.metrics_catalog import METRICS
from shared.web import PROBLEM_JSON, Forbidden

router = APIRouter(prefix="/competitions/{competition}", tags=["leaderboard"])


def _empty(
    competition: Competition, board: Literal["public", "private"], offset: int, limit: int
) -> Leaderboard:
    """The board of a competition the leaderboard has not heard of yet (nothing scored)."""
    info = METRICS.get(competition.metric)
    return Leaderboard(
        competition_id=competition.id,
        board=board,
        metric=competition.metric,
        higher_is_better=info.higher_is_better if info else True,
        revealed=competition.revealed_at is not None,
        total=0,
        offset=offset,
        limit=limit,
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
) -> Response:
    """The public leaderboard: each team's best public score (anyone may read it)."""
    found = await competitions.get(session, competition)
    await session.close()
    url = f"{settings.leaderboard_url.rstrip('/')}/api/v1/competitions/{found.id}/leaderboard"
    upstream = await proxy.get(http, "leaderboard", url, {"offset": page.offset, "limit": page.limit})
    if upstream.status_code == 404:
        return JSONResponse(_empty(found, "public", page.offset, page.limit).model_dump(mode="json"))
    return _relay(upstream.status_code, upstream.content, upstream.headers.get("content-type", ""))


@router.get(
    "/leaderboard/events",
    operation_id="stream_leaderboard_events",
    summary="Live updates: a server-sent `board` event now, then one each time the boards change",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}, **problems(404, 503)},
)
async def stream_leaderboard_events(
    competition: str, _user: OptionalUser, session: SessionDep, http: HttpDep, settings: SettingsDep
) -> StreamingResponse:
    """Anyone may follow the boards live; re-read the board when a `board` event comes."""
    found = await competitions.get(session, competition)
    await session.close()  # the stream may last long: hold no database connection
    url = f"{settings.leaderboard_url.rstrip('/')}/api/v1/competitions/{found.id}/leaderboard/events"
    return await proxy.stream(http, "leaderboard", url)


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
) -> Response:
    """The private leaderboard: hidden until the host reveals it (the host always sees it)."""
    found = await competitions.get(session, competition)
    await session.close()
    base = settings.leaderboard_url.rstrip("/")
    if competitions.is_host(found, user):
        url = f"{base}/internal/v1/competitions/{found.id}/leaderboard/private"
    elif found.revealed_at is None:
        raise Forbidden("the private leaderboard is hidden until the host reveals it", code="not-revealed")
    else:
        url = f"{base}/api/v1/competitions/{found.id}/leaderboard/private"
    upstream = await proxy.get(http, "leaderboard", url, {"offset": page.offset, "limit": page.limit})
    if upstream.status_code == 404:
        return JSONResponse(_empty(found, "private", page.offset, page.limit).model_dump(mode="json"))
    return _relay(upstream.status_code, upstream.content, upstream.headers.get("content-type", ""))


@router.post(
    "/reveal",
    operation_id="reveal_private_leaderboard",
    response_model=CompetitionRead,
    responses=problems(401, 403, 404),
)
async def reveal(competition: str, user: CurrentUser, session: SessionDep, rt: RuntimeDep) -> CompetitionRead:
    """Reveal the private leaderboard to everyone (host; revealing again changes nothing)."""
    found = await competitions.get(session, competition)
    competitions.require_host(found, user)
    await competitions.reveal(session, found)
    await commit(session, rt)
    return await competitions.read(session, found, user)


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
) -> Response:
    """The whole public or private board as CSV (host; the private one before the reveal too)."""
    found = await competitions.get(session, competition)
    competitions.require_host(found, user)
    await session.close()
    url = (
        f"{settings.leaderboard_url.rstrip('/')}/internal/v1/competitions/{found.id}"
        f"/leaderboard/{board}/export.csv"
    )
    upstream = await proxy.get(http, "leaderboard", url)
    content_type = upstream.headers.get("content-type", "")
    if upstream.status_code != 200:
        return _relay(upstream.status_code, upstream.content, content_type)
    return Response(
        content=upstream.content,
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{found.slug}-{board}-leaderboard.csv"'},
    )
