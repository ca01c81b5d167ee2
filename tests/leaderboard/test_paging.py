"""Board pages read from anchors (``positions.py``) agree with the board's full order,
on SQLite and PostgreSQL: every page and every team's standing, with ties, on the
private board and on a later stage's, after changes; and a request that finds no free
database connection in time is answered 503 with ``Retry-After``.

The anchors are every third place here (the service's stride is 256), so that a few
dozen teams cross many of them.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from services.leaderboard.app import create_app
from services.leaderboard.config import LeaderboardSettings
from services.leaderboard.positions import BoardPositions
from shared.bus.memory import InProcessBus
from shared.events import CompetitionRevealed, ScoreColumn, SubmissionScored
from tests.conftest import INTERNAL_HEADERS, INTERNAL_TOKEN
from tests.leaderboard.test_boards import CID, Leaderboard, scored, start
from tests.leaderboard.test_columns import stages

STRIDE = 3
STAGE_2 = uuid.UUID(int=2)
TEAMS = 23  # not a multiple of the stride: the last anchor's stretch is short


@pytest.fixture
async def each_db_lb(data_dir: Path, database_url: str) -> AsyncIterator[Leaderboard]:
    async for board in start(data_dir, database_url):
        board.app.state.positions = BoardPositions(stride=STRIDE)
        yield board


def submissions(stage_id: uuid.UUID | None = None) -> list[SubmissionScored]:
    """Two or three submissions per team; many teams tie on their best score, some at the
    same minute too (then the smaller submission id is first)."""
    events = []
    for n in range(TEAMS):
        best = round((n % 5) / 10, 1)  # five distinct best scores among 23 teams
        for k, value in enumerate((best / 2, best, best / 3)[: 2 + n % 2]):
            events.append(
                scored(
                    n,
                    value,
                    1.0 - value if k else None,
                    minutes=(n % 4) if value == best else 100 + k,
                    submission_id=uuid.UUID(int=(n * 7919 + k * 104729) % 1_000_003 + 1),
                    stage_id=stage_id,
                )
            )
    return events


def expected_public(events: list[SubmissionScored]) -> list[str]:
    """The public order by the rules: best score, then earlier, then smaller submission id."""
    best: dict[uuid.UUID, SubmissionScored] = {}
    for e in events:
        held = best.get(e.team_id)
        if held is None or _key(e) < _key(held):
            best[e.team_id] = e
    return [str(e.submission_id) for e in sorted(best.values(), key=_key)]


def _key(e: SubmissionScored) -> tuple[float, Any, bytes]:
    return (-e.public_score, e.submitted_at, e.submission_id.bytes)


async def whole(lb: Leaderboard, path: str = "", **params: Any) -> list[dict[str, Any]]:
    return list((await lb.board(path, limit=500, **params))["entries"])


async def check_every_page(lb: Leaderboard, path: str = "", **params: Any) -> list[dict[str, Any]]:
    full = await whole(lb, path, **params)
    assert [e["rank"] for e in full] == list(range(1, len(full) + 1))
    for limit in (2, 3, 7):  # below, at and past the stride
        for offset in range(len(full) + 2):
            page = await lb.board(path, offset=offset, limit=limit, **params)
            assert page["entries"] == full[offset : offset + limit], (offset, limit)
            assert (page["total"], page["offset"], page["limit"]) == (len(full), offset, limit)
    return full


async def check_standings(lb: Leaderboard, full: list[dict[str, Any]], path: str = "", **params: Any) -> None:
    for entry in full:
        response = await lb.client.get(
            f"/api/v1/competitions/{CID}/leaderboard{path}/teams/{entry['team_id']}", params=params
        )
        assert response.status_code == 200, response.text
        standing = response.json()
        assert (standing["entry"], standing["total"]) == (entry, len(full))


async def test_every_page_agrees_with_the_full_order(each_db_lb: Leaderboard) -> None:
    events = submissions()
    await each_db_lb.feed(*events)
    full = await check_every_page(each_db_lb)
    assert [e["submission_id"] for e in full] == expected_public(events)
    assert len(full) == TEAMS
    await check_standings(each_db_lb, full)


async def test_private_board_pages_and_standings(each_db_lb: Leaderboard) -> None:
    await each_db_lb.feed(*submissions(), CompetitionRevealed(competition_id=CID))
    full = await check_every_page(each_db_lb, "/private")
    assert len(full) == TEAMS  # each team has a final with a private score
    await check_standings(each_db_lb, full, "/private")


async def test_a_later_stages_board_pages_on_its_own(each_db_lb: Leaderboard) -> None:
    column = [ScoreColumn(key="accuracy", higher_is_better=True)]
    await each_db_lb.feed(stages((CID, column), (STAGE_2, column)))
    first_stage = [scored(n, n / 100) for n in range(5)]
    await each_db_lb.feed(*first_stage, *submissions(STAGE_2))
    full = await check_every_page(each_db_lb, stage_id=str(STAGE_2))
    assert [e["submission_id"] for e in full] == expected_public(submissions(STAGE_2))
    await check_standings(each_db_lb, full, stage_id=str(STAGE_2))
    assert [e["submission_id"] for e in await whole(each_db_lb)] == expected_public(first_stage)


async def test_pages_follow_a_change_of_the_board(each_db_lb: Leaderboard) -> None:
    events = submissions()
    await each_db_lb.feed(*events)
    before = await check_every_page(each_db_lb)
    # the last team climbs to the top, and a new team enters in the middle
    climber = scored(22, 0.9, minutes=50)
    newcomer = scored(TEAMS, 0.25, minutes=51)
    await each_db_lb.feed(climber, newcomer)
    after = await check_every_page(each_db_lb)
    assert len(after) == len(before) + 1
    assert after[0]["submission_id"] == str(climber.submission_id)
    assert [e["submission_id"] for e in after] == expected_public([*events, climber, newcomer])
    await check_standings(each_db_lb, after)


async def test_an_empty_or_unknown_board_has_no_pages(each_db_lb: Leaderboard) -> None:
    board = await each_db_lb.board(offset=7, limit=3, competition_id=uuid.uuid4())
    assert (board["total"], board["entries"]) == (0, [])


async def test_no_free_database_connection_is_a_503_with_retry_after(
    data_dir: Path, pg_database: Any
) -> None:
    """A tiny pool, every connection held busy: the request waits the pool's timeout, then
    is told to come back (never a 500); once a connection is free it is answered."""
    url = await pg_database("leaderboard")
    settings = LeaderboardSettings(
        data_dir=data_dir,
        leaderboard_database_url=url,
        internal_token=INTERNAL_TOKEN,
        database_pool_size=1,  # and as many more at a peak: two connections
        database_pool_timeout_s=0.2,
        page_cache_seconds=0.0,
    )
    bus = InProcessBus()
    app = create_app(settings, bus=bus)
    board = f"/api/v1/competitions/{CID}/leaderboard"
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://leaderboard", headers=INTERNAL_HEADERS
        ) as client:
            engine = app.state.runtime.engine
            async with AsyncExitStack() as held:
                for _ in range(2):
                    conn = await held.enter_async_context(engine.connect())
                    await conn.execute(text("SELECT 1"))
                busy = await asyncio.wait_for(client.get(board), timeout=10)
            assert busy.status_code == 503, busy.text
            assert busy.headers["content-type"] == "application/problem+json"
            assert int(busy.headers["retry-after"]) > 0
            problem = busy.json()
            assert problem["code"] == "database-busy"
            assert "try again" in problem["detail"]
            free = await client.get(board)
            assert free.status_code == 200, free.text
            assert free.json()["total"] == 0
    await bus.close()
