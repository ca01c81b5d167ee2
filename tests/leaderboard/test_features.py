"""The leaderboard's competition-level rules through its HTTP API: settings from
``competition.updated``, final selections, rescoring, a team's standing, the CSV
export, ETags, and live updates over a real server."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import socket
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from services.leaderboard import repository
from services.leaderboard.app import create_app
from services.leaderboard.config import LeaderboardSettings
from services.leaderboard.consumers import LeaderboardConsumer
from services.leaderboard.live import BoardNotifier
from shared.bus.memory import InProcessBus
from shared.events import (
    CompetitionRevealed,
    CompetitionUpdated,
    FailureReason,
    FinalSelectionChanged,
    SubmissionScoringFailed,
)
from tests.conftest import INTERNAL_HEADERS, INTERNAL_TOKEN
from tests.leaderboard.test_boards import CID, Leaderboard, scored, standings, start, team
from tests.support import eventually


@pytest.fixture
async def lb(data_dir: Path) -> AsyncIterator[Leaderboard]:
    async for board in start(data_dir):
        yield board


BOARD = f"/api/v1/competitions/{CID}/leaderboard"


def updated(
    metric: str = "accuracy", higher: bool = True, final_count: int = 2, **extra: Any
) -> CompetitionUpdated:
    return CompetitionUpdated(
        competition_id=CID,
        slug="c",
        title="C",
        metric=metric,
        higher_is_better=higher,
        final_count=final_count,
        **extra,
    )


async def test_competition_settings_rank_and_a_metric_fix_reorders(lb: Leaderboard) -> None:
    await lb.feed(updated("rmse", higher=False), scored(1, 2.0), scored(2, 1.0, minutes=1))
    board = await lb.board()
    # the settings rule: rmse, lower is better, whatever the scores' events said
    assert standings(board) == [(1, "team-2", 1.0, 1), (2, "team-1", 2.0, 1)]
    assert (board["metric"], board["higher_is_better"]) == ("rmse", False)
    await lb.feed(updated("r2", higher=True))
    assert [e["team_name"] for e in (await lb.board())["entries"]] == ["team-1", "team-2"]


async def test_a_stale_competition_update_is_ignored(lb: Leaderboard) -> None:
    newer = updated("mae", higher=False)
    older = updated("accuracy", occurred_at=newer.occurred_at - timedelta(minutes=1))
    await lb.feed(newer, older)
    assert (await lb.board())["metric"] == "mae"


async def test_final_count_and_selection_drive_the_private_board(lb: Leaderboard) -> None:
    first = scored(1, 0.90, 0.50, minutes=1)
    second = scored(1, 0.80, 0.60, minutes=2)
    third = scored(1, 0.70, 0.99, minutes=3)
    await lb.feed(updated(final_count=2), first, second, third, scored(2, 0.60, 0.70, minutes=4))
    url = f"/internal/v1/competitions/{CID}/leaderboard/private"
    private = lambda: lb.client.get(url)  # noqa: E731

    assert standings((await private()).json()) == [(1, "team-2", 0.70, 1), (2, "team-1", 0.60, 3)]
    await lb.feed(updated(final_count=3))  # now the third submission is a default final
    assert standings((await private()).json())[0] == (1, "team-1", 0.99, 3)

    await lb.feed(
        FinalSelectionChanged(competition_id=CID, team_id=team(1), submission_ids=[first.submission_id])
    )
    board = (await private()).json()
    assert standings(board) == [(1, "team-2", 0.70, 1), (2, "team-1", 0.50, 3)]
    assert board["entries"][1]["submission_id"] == str(first.submission_id)

    # back to the default (best 3 by public score), and a stale selection changes nothing
    back = FinalSelectionChanged(competition_id=CID, team_id=team(1), submission_ids=[])
    stale = FinalSelectionChanged(
        competition_id=CID,
        team_id=team(1),
        submission_ids=[second.submission_id],
        occurred_at=back.occurred_at - timedelta(seconds=1),
    )
    await lb.feed(back, stale)
    assert standings((await private()).json())[0] == (1, "team-1", 0.99, 3)
    # the public board never depends on the selection
    assert standings(await lb.board())[0] == (1, "team-1", 0.90, 3)


async def test_rescored_submissions_move_on_both_boards(lb: Leaderboard) -> None:
    a = scored(1, 0.9, 0.9)
    b = scored(2, 0.8, 0.8, minutes=1)
    await lb.feed(a, b, CompetitionRevealed(competition_id=CID))
    later = a.occurred_at + timedelta(hours=1)
    await lb.feed(
        a.model_copy(
            update={"event_id": uuid.uuid4(), "occurred_at": later, "public_score": 0.1, "private_score": 0.2}
        ),
        SubmissionScoringFailed(
            submission_id=b.submission_id,
            competition_id=CID,
            reason=FailureReason.INVALID_PREDICTIONS,
            detail="x",
            occurred_at=later,
        ),
    )
    assert standings(await lb.board()) == [(1, "team-1", 0.1, 1)]
    assert standings(await lb.board("/private")) == [(1, "team-1", 0.2, 1)]


async def test_duplicate_events_of_every_kind_change_nothing(lb: Leaderboard) -> None:
    events = [
        updated(),
        scored(1, 0.5, 0.5),
        FinalSelectionChanged(competition_id=CID, team_id=team(1), submission_ids=[]),
    ]
    await lb.feed(*events)
    version = (await lb.board())["version"]
    await lb.feed(*events)
    board = await lb.board()
    assert (board["version"], standings(board)) == (version, [(1, "team-1", 0.5, 1)])


async def test_a_teams_own_standing(lb: Leaderboard) -> None:
    await lb.feed(*(scored(n, n / 10) for n in range(1, 8)))
    response = await lb.client.get(f"{BOARD}/teams/{team(3)}")
    assert response.status_code == 200
    body = response.json()
    assert (body["entry"]["rank"], body["entry"]["team_name"], body["total"]) == (5, "team-3", 7)

    missing = await lb.client.get(f"{BOARD}/teams/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert "has no scored submission on the public leaderboard" in missing.json()["detail"]
    hidden = await lb.client.get(f"{BOARD}/private/teams/{team(3)}")
    assert hidden.status_code == 403


async def test_extra_metrics_are_columns(lb: Leaderboard) -> None:
    await lb.feed(
        scored(1, 0.9, 0.8, public_extra_scores={"f1_macro": 0.7}, private_extra_scores={"f1_macro": 0.6})
    )
    board = await lb.board()
    assert (board["extra_metrics"], board["entries"][0]["extra_scores"]) == (["f1_macro"], {"f1_macro": 0.7})
    private = (await lb.client.get(f"/internal/v1/competitions/{CID}/leaderboard/private")).json()
    assert private["entries"][0]["extra_scores"] == {"f1_macro": 0.6}


async def test_csv_export_for_hosts(lb: Leaderboard) -> None:
    await lb.feed(scored(1, 0.9, 0.7, public_extra_scores={"mae": 0.25}), scored(2, 0.8, 0.95, minutes=1))
    for board, first in (("public", "team-1"), ("private", "team-2")):
        response = await lb.client.get(f"/internal/v1/competitions/{CID}/leaderboard/{board}/export.csv")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert f"leaderboard-{CID}-{board}.csv" in response.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert [(r["rank"], r["team_name"]) for r in rows] == [
            ("1", first),
            ("2", "team-1" if first == "team-2" else "team-2"),
        ]
    public = list(
        csv.DictReader(
            io.StringIO(
                (await lb.client.get(f"/internal/v1/competitions/{CID}/leaderboard/public/export.csv")).text
            )
        )
    )
    assert (public[0]["score"], public[0]["mae"], public[1]["mae"]) == ("0.9", "0.25", "")


async def test_etag_gives_304_until_the_board_changes(lb: Leaderboard) -> None:
    await lb.feed(scored(1, 0.5))
    first = await lb.client.get(BOARD)
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "public, max-age=5, must-revalidate"
    again = await lb.client.get(BOARD, headers={"If-None-Match": etag})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
    # another page is another representation
    assert (
        await lb.client.get(BOARD, params={"limit": 10}, headers={"If-None-Match": etag})
    ).status_code == 200

    await lb.feed(scored(2, 0.9))
    changed = await lb.client.get(BOARD, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    internal = await lb.client.get(f"/internal/v1/competitions/{CID}/leaderboard/private")
    assert internal.headers["cache-control"] == "private, no-cache"
    # a hidden private board answers 403 even to a client holding an ETag
    hidden = await lb.client.get(f"{BOARD}/private", headers={"If-None-Match": internal.headers["etag"]})
    assert hidden.status_code == 403


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def served(data_dir: Path) -> AsyncIterator[tuple[str, LeaderboardConsumer]]:
    bus = InProcessBus()
    settings = LeaderboardSettings(data_dir=data_dir, live_poll_seconds=30, internal_token=INTERNAL_TOKEN)
    app = create_app(settings, bus=bus)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    await eventually(lambda: server.started, 20, what="the server started")
    try:
        yield f"http://127.0.0.1:{port}", LeaderboardConsumer(app.state.runtime, app.state.notifier)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 20)
        await bus.close()


async def next_sse_event(lines: AsyncIterator[str]) -> dict[str, Any]:
    """The stream's next event with data: its fields and its JSON data, merged."""
    fields: dict[str, str] = {}
    async for line in lines:
        if not line:
            if "data" in fields:
                return {"event": fields.get("event"), "id": fields.get("id"), **json.loads(fields["data"])}
            continue
        name, _, value = line.partition(":")
        fields[name] = value.strip()
    raise AssertionError("the stream ended")


async def test_live_updates_stream_an_event_when_the_board_changes(data_dir: Path) -> None:
    async with (
        served(data_dir) as (base, consumer),
        httpx.AsyncClient(base_url=base, timeout=20, headers=INTERNAL_HEADERS) as client,
        client.stream("GET", f"{BOARD}/events") as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.aiter_lines()
        next_event = lambda: next_sse_event(lines)  # noqa: E731

        initial = await asyncio.wait_for(next_event(), 20)
        assert (initial["event"], initial["version"]) == ("board", 0)
        # the poll is 30 s: this event arrives only because the consumer wakes the stream
        await consumer.handle(scored(1, 0.5))
        change = await asyncio.wait_for(next_event(), 10)
        assert (change["event"], change["id"], change["version"]) == ("board", "1", 1)
        await consumer.handle(CompetitionRevealed(competition_id=CID))
        assert (await asyncio.wait_for(next_event(), 10))["version"] == 2


async def test_a_change_landing_between_the_streams_read_and_its_wait_is_sent_at_once(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stream reads the version, sends its event, then waits: a change committed
    (and announced) in between must end that wait, not sit until the 30 s poll."""
    read = repository.get_competition
    landed = asyncio.Event()

    async def read_then_change(session: Any, competition_id: uuid.UUID) -> Any:
        competition = await read(session, competition_id)
        if not landed.is_set():
            # deterministic: the stream has read version 0 and not yet waited
            landed.set()
            await consumer.handle(scored(1, 0.5))  # commits version 1, announces it
        return competition

    async with served(data_dir) as (base, consumer):
        monkeypatch.setattr(repository, "get_competition", read_then_change)
        async with (
            httpx.AsyncClient(base_url=base, timeout=20, headers=INTERNAL_HEADERS) as client,
            client.stream("GET", f"{BOARD}/events") as response,
        ):
            lines = response.aiter_lines()
            assert (await asyncio.wait_for(next_sse_event(lines), 10))["version"] == 0
            assert landed.is_set()
            assert (await asyncio.wait_for(next_sse_event(lines), 5))["version"] == 1


@pytest.mark.parametrize("board", ["public", "private"])
async def test_export_of_an_unknown_competition_is_just_the_header(lb: Leaderboard, board: str) -> None:
    response = await lb.client.get(f"/internal/v1/competitions/{uuid.uuid4()}/leaderboard/{board}/export.csv")
    assert response.text == "rank,team_id,team_name,submission_id,score,submitted_at,submissions\n"


async def test_a_change_applied_by_another_replica_shows_once_the_cached_page_expires(data_dir: Path) -> None:
    bus = InProcessBus()
    settings = LeaderboardSettings(data_dir=data_dir, page_cache_seconds=0.2, internal_token=INTERNAL_TOKEN)
    app = create_app(settings, bus=bus)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://lb", headers=INTERNAL_HEADERS
        ) as client,
    ):
        here = LeaderboardConsumer(app.state.runtime, app.state.notifier)
        # another replica: same database, its own notifier (this process hears nothing)
        elsewhere = LeaderboardConsumer(app.state.runtime, BoardNotifier())
        await here.handle(scored(1, 0.5))
        assert standings((await client.get(BOARD)).json()) == [(1, "team-1", 0.5, 1)]
        await elsewhere.handle(scored(2, 0.9))

        async def both_teams() -> dict[str, Any] | None:
            board = (await client.get(BOARD)).json()
            return board if len(board["entries"]) >= 2 else None

        board = await eventually(both_teams, interval=0.05, what="the other replica's change on the board")
        assert standings(board) == [(1, "team-2", 0.9, 1), (2, "team-1", 0.5, 1)]
        # a change applied here shows at once
        await here.handle(scored(3, 0.95))
        assert (await client.get(BOARD)).json()["entries"][0]["team_name"] == "team-3"
    await bus.close()
