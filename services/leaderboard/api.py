"""The leaderboard's HTTP routes: the boards, a team's standing, the host's CSV export,
and live updates as server-sent events (response models in ``schemas.py``, the session
and the query parameters in ``deps.py``).

Every route reads one stage's boards: ``?stage_id=`` (default: the first stage, whose id
is the competition's, so the URLs from before stages read what they always read).

Board reads carry an ``ETag`` made of the competition's board version and the query,
so a client (or a cache) that sends ``If-None-Match`` gets a 304 after at most one
primary-key lookup (``cache.PageCache`` serves fresh pages without any);
``Cache-Control`` lets shared caches keep the public board a few seconds, and keeps
private and internal reads out of shared caches.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse, StreamingResponse
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from services.leaderboard import boards, repository
from services.leaderboard.cache import PageCache
from services.leaderboard.deps import Limit, Offset, SessionDep, StageQuery
from services.leaderboard.live import BoardNotifier
from services.leaderboard.repository import BoardKind
from services.leaderboard.schemas import Board, TeamStanding
from shared.web import PROBLEM_JSON

PUBLIC_CACHE = "public, max-age=5, must-revalidate"
PRIVATE_CACHE = "private, no-cache"

_PROBLEM: dict[str, Any] = {"content": {PROBLEM_JSON: {}}}
_HIDDEN: dict[int | str, dict[str, Any]] = {
    403: {"description": "the private leaderboard is not revealed yet", **_PROBLEM}
}
_NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "unchanged since the ETag sent in If-None-Match"}
}

router = APIRouter(prefix="/api/v1", tags=["leaderboard"])
internal_router = APIRouter(prefix="/internal/v1", tags=["internal"])


async def _cached(
    request: Request,
    session: AsyncSession,
    competition_id: uuid.UUID,
    parts: tuple[object, ...],
    cache_control: str,
    build: Callable[[], Awaitable[BaseModel]],
) -> Response:
    """The page from the process's cache while fresh, else revalidated by the board's
    version (one primary-key read), else built; 304 when the client holds it already."""
    pages: PageCache = request.app.state.pages
    key = (competition_id, *parts)
    page = pages.fresh(key)
    if page is None:
        drops = pages.drops
        version = await boards.version(session, competition_id)
        page = pages.get(key)
        if page is not None and page.version == version:
            pages.touch(page)
        else:
            body = (await build()).model_dump_json().encode()
            etag = '"' + "-".join(str(p) for p in (version, *parts)) + '"'
            page = pages.put(key, version, etag, body, drops=drops)
    headers = {"ETag": page.etag, "Cache-Control": cache_control}
    if page.etag in _etags(request.headers.get("if-none-match", "")):
        return Response(status_code=304, headers=headers)
    return Response(page.body, media_type="application/json", headers=headers)


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def _board_route(board: BoardKind, internal: bool) -> Callable[..., Awaitable[Any]]:
    cache = PRIVATE_CACHE if internal or board == "private" else PUBLIC_CACHE

    async def read(
        competition_id: uuid.UUID,
        request: Request,
        session: SessionDep,
        offset: Offset = 0,
        limit: Limit = 50,
        stage_id: StageQuery = None,
    ) -> Response:
        stage = stage_id or competition_id

        async def build() -> Board:
            return await boards.get_board(
                session,
                competition_id,
                stage,
                board,
                offset=offset,
                limit=limit,
                positions=request.app.state.positions,
                internal=internal,
            )

        if board == "private" and not internal:
            # raises 403 before revealing anything, ETag included; a revealed board stays revealed
            await boards.check_revealed(session, competition_id)
        parts = (stage, board, "internal" if internal else "api", offset, limit)
        return await _cached(request, session, competition_id, parts, cache, build)

    return read


router.add_api_route(
    "/competitions/{competition_id}/leaderboard",
    _board_route("public", internal=False),
    methods=["GET"],
    operation_id="get_public_leaderboard",
    response_model=Board,
    summary="The public leaderboard: each team's best public score",
    responses=_NOT_MODIFIED,
)
router.add_api_route(
    "/competitions/{competition_id}/leaderboard/private",
    _board_route("private", internal=False),
    methods=["GET"],
    operation_id="get_private_leaderboard",
    response_model=Board,
    summary="The private leaderboard, once the host has revealed it",
    responses={**_HIDDEN, **_NOT_MODIFIED},
)
internal_router.add_api_route(
    "/competitions/{competition_id}/leaderboard/private",
    _board_route("private", internal=True),
    methods=["GET"],
    operation_id="get_private_leaderboard_internal",
    response_model=Board,
    responses=_NOT_MODIFIED,
)


@router.get(
    "/competitions/{competition_id}/leaderboard/teams/{team_id}",
    operation_id="get_team_standing",
    response_model=TeamStanding,
    summary="A team's own place on the public leaderboard",
    responses={404: {"description": "the team has no scored submission", **_PROBLEM}},
)
async def get_team_standing(
    competition_id: uuid.UUID,
    team_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    stage_id: StageQuery = None,
) -> TeamStanding:
    stage = stage_id or competition_id
    positions = request.app.state.positions
    return await boards.team_standing(session, competition_id, stage, "public", team_id, positions=positions)


@router.get(
    "/competitions/{competition_id}/leaderboard/private/teams/{team_id}",
    operation_id="get_private_team_standing",
    response_model=TeamStanding,
    summary="A team's own place on the private leaderboard, once revealed",
    responses={**_HIDDEN, 404: {"description": "the team is not on the private board", **_PROBLEM}},
)
async def get_private_team_standing(
    competition_id: uuid.UUID,
    team_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    stage_id: StageQuery = None,
) -> TeamStanding:
    stage = stage_id or competition_id
    positions = request.app.state.positions
    return await boards.team_standing(session, competition_id, stage, "private", team_id, positions=positions)


@internal_router.get(
    "/competitions/{competition_id}/leaderboard/{board}/export.csv",
    operation_id="export_leaderboard_csv",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "the whole board, one row per team"}},
)
async def export_leaderboard_csv(
    competition_id: uuid.UUID,
    board: Literal["public", "private"],
    session: SessionDep,
    stage_id: StageQuery = None,
) -> Response:
    stage = stage_id or competition_id
    body = await boards.export_csv(session, competition_id, stage, board)
    suffix = "" if stage == competition_id else f"-{stage}"
    filename = f"leaderboard-{competition_id}{suffix}-{board}.csv"
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": PRIVATE_CACHE},
    )


@router.get(
    "/competitions/{competition_id}/leaderboard/events",
    operation_id="stream_leaderboard_events",
    summary="Server-sent events: one `board` event now, then one each time the boards change",
    description="Each `board` event carries the board's version and the stage's columns shown "
    "(hidden ones only after the reveal); re-read the board to see the entries.",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream_leaderboard_events(
    competition_id: uuid.UUID, request: Request, stage_id: StageQuery = None
) -> StreamingResponse:
    app = request.app
    stage = stage_id or competition_id
    notifier: BoardNotifier = app.state.notifier
    settings = app.state.settings

    async def events() -> AsyncIterator[str]:
        yield f"retry: {int(settings.live_retry_ms)}\n\n"
        last: int | None = None
        quiet_since = time.monotonic()
        ends_at = time.monotonic() + settings.live_max_seconds
        while not notifier.closing.is_set() and time.monotonic() < ends_at:
            # before the read: a change from here on, even while the event is sent, ends the wait
            seen = notifier.mark(competition_id)
            async with app.state.runtime.sessionmaker() as session:
                # one primary-key read: the version, and the columns with their visibility
                competition = await repository.get_competition(session, competition_id)
            version = competition.version if competition else 0
            if version != last:
                data = json.dumps(
                    {
                        "competition_id": str(competition_id),
                        "stage_id": str(stage),
                        "version": version,
                        "columns": [c.describe() for c in boards.shown_columns(competition, stage)],
                    }
                )
                yield f"id: {version}\nevent: board\ndata: {data}\n\n"
                last, quiet_since = version, time.monotonic()
            elif time.monotonic() - quiet_since > settings.live_keepalive_seconds:
                yield ": keep-alive\n\n"
                quiet_since = time.monotonic()
            await notifier.wait(competition_id, seen, timeout=settings.live_poll_seconds)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
