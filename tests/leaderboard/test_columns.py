"""Boards per stage, ranked by the stage's columns: ties broken column by column in the
declared order and direction, then by the earlier submission; stages apart; hidden
columns kept off until the reveal (board, CSV, live updates); events of the old form
ranked as before."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.events import (
    CompetitionRevealed,
    CompetitionUpdated,
    FinalSelectionChanged,
    ScoreColumn,
    StageBoard,
    SubmissionScored,
)
from tests.conftest import INTERNAL_HEADERS
from tests.leaderboard.test_boards import CID, T0, Leaderboard, scored, start, team
from tests.leaderboard.test_features import served

STAGE_2 = uuid.UUID(int=2)
A = ScoreColumn(key="a", metric="accuracy", higher_is_better=True, precision=2)
B = ScoreColumn(key="b", higher_is_better=False, precision=3)
C = ScoreColumn(key="c", higher_is_better=True)
SECRET = ScoreColumn(key="secret", higher_is_better=True, hidden=True)
PRIVATE = f"/internal/v1/competitions/{CID}/leaderboard/private"


@pytest.fixture
async def lb(data_dir: Path) -> AsyncIterator[Leaderboard]:
    async for board in start(data_dir):
        yield board


def stages(*boards: tuple[uuid.UUID, list[ScoreColumn]], minutes: int = 0) -> CompetitionUpdated:
    return CompetitionUpdated(
        competition_id=CID,
        slug="c",
        title="C",
        metric=boards[0][1][0].key,
        higher_is_better=boards[0][1][0].higher_is_better,
        stages=[
            StageBoard(stage_id=stage, position=n, name=f"stage {n}", columns=columns)
            for n, (stage, columns) in enumerate(boards, start=1)
        ],
        occurred_at=T0 + timedelta(minutes=minutes),
    )


def by_columns(
    team_no: int,
    scores: dict[str, float],
    private: dict[str, float] | None = None,
    *,
    minutes: int = 0,
    stage_id: uuid.UUID | None = None,
) -> SubmissionScored:
    """A score in the new form: every column by key (the primary one also in the old fields)."""
    return scored(
        team_no,
        scores["a"],
        (private or {}).get("a"),
        minutes=minutes,
        scores=scores,
        private_scores=private or {},
        stage_id=stage_id,
        public_extra_scores={k: v for k, v in scores.items() if k != "a"},
    )


def names(board: dict[str, Any]) -> list[str]:
    return [e["team_name"] for e in board["entries"]]


@pytest.fixture
async def each_db_lb(data_dir: Path, database_url: str) -> AsyncIterator[Leaderboard]:
    """The leaderboard on each database in turn (``database_url``: SQLite, PostgreSQL)."""
    async for board in start(data_dir, database_url):
        yield board


async def test_ties_are_broken_by_the_next_columns_in_order_then_the_earlier_submission(
    each_db_lb: Leaderboard,
) -> None:
    await check_ties(each_db_lb)


async def check_ties(lb: Leaderboard) -> None:
    t1_best = by_columns(1, {"a": 0.9, "b": 4.0, "c": 1.0}, minutes=6)
    await lb.feed(
        stages((CID, [A, B, C])),
        by_columns(1, {"a": 0.9, "b": 5.0, "c": 1.0}, minutes=1),
        t1_best,  # team 1's better entry: same a, lower b
        by_columns(2, {"a": 0.9, "b": 3.0, "c": 1.0}, minutes=2),  # b decides over team 1
        by_columns(3, {"a": 0.9, "b": 3.0, "c": 2.0}, minutes=3),  # a and b tie team 2: c decides
        by_columns(4, {"a": 0.9, "b": 3.0, "c": 2.0}, minutes=0),  # a full tie with team 3: earlier
        by_columns(5, {"a": 0.95, "b": 99.0, "c": 0.0}, minutes=9),  # the first column rules
        by_columns(6, {"a": 0.9, "c": 9.0}, minutes=-5),  # no b: last of the a = 0.9 tie
    )
    board = await lb.board()
    assert names(board) == ["team-5", "team-4", "team-3", "team-2", "team-1", "team-6"]
    assert [e["rank"] for e in board["entries"]] == [1, 2, 3, 4, 5, 6]
    assert board["columns"] == [
        {"key": "a", "higher_is_better": True, "precision": 2},
        {"key": "b", "higher_is_better": False, "precision": 3},
        {"key": "c", "higher_is_better": True, "precision": 4},
    ]
    assert (board["metric"], board["higher_is_better"], board["stage_id"]) == ("a", True, str(CID))
    team_1 = board["entries"][4]
    assert team_1["submission_id"] == str(t1_best.submission_id)
    assert (team_1["score"], team_1["scores"], team_1["submissions"]) == (
        0.9,
        {"a": 0.9, "b": 4.0, "c": 1.0},
        2,
    )
    assert board["entries"][5]["scores"] == {"a": 0.9, "c": 9.0}
    # a team's own rank counts the same order
    standing = (await lb.client.get(f"/api/v1/competitions/{CID}/leaderboard/teams/{team(3)}")).json()
    assert (standing["entry"]["rank"], standing["total"]) == (3, 6)
    # re-declared columns re-rank the stage: c first now, then a, then b
    await lb.feed(stages((CID, [C, A, B]), minutes=1))
    assert names(await lb.board()) == ["team-6", "team-4", "team-3", "team-2", "team-1", "team-5"]


async def test_the_private_board_ranks_the_finals_by_the_private_columns(lb: Leaderboard) -> None:
    await lb.feed(
        stages((CID, [A, B])),
        by_columns(1, {"a": 0.9, "b": 1.0}, {"a": 0.8, "b": 2.0}, minutes=1),
        by_columns(2, {"a": 0.8, "b": 1.0}, {"a": 0.8, "b": 1.0}, minutes=2),  # b lower: ahead
        CompetitionRevealed(competition_id=CID),
    )
    private = await lb.board("/private")
    assert names(private) == ["team-2", "team-1"]
    assert private["entries"][1]["scores"] == {"a": 0.8, "b": 2.0}
    assert names(await lb.board()) == ["team-1", "team-2"]


async def test_stages_have_boards_of_their_own(lb: Leaderboard) -> None:
    first_of_1 = by_columns(1, {"a": 0.5}, {"a": 0.5}, minutes=1)
    rerun_of_1 = by_columns(1, {"a": 0.1, "b": 9.0}, {"a": 0.1, "b": 9.0}, minutes=5, stage_id=STAGE_2)
    other_of_1 = by_columns(1, {"a": 0.1, "b": 1.0}, {"a": 0.1, "b": 1.0}, minutes=6, stage_id=STAGE_2)
    await lb.feed(
        stages((CID, [A]), (STAGE_2, [A, B])),
        first_of_1,
        by_columns(2, {"a": 0.4}, {"a": 0.9}, minutes=2),
        rerun_of_1,
        other_of_1,
        by_columns(3, {"a": 0.1, "b": 5.0}, {"a": 0.1, "b": 5.0}, minutes=7, stage_id=STAGE_2),
        CompetitionRevealed(competition_id=CID),
    )
    first = await lb.board()
    assert (names(first), first["total"], first["columns"][0]["key"]) == (["team-1", "team-2"], 2, "a")
    assert [e["submissions"] for e in first["entries"]] == [1, 1]
    second = await lb.board(stage_id=str(STAGE_2))
    assert (names(second), second["stage_id"]) == (["team-1", "team-3"], str(STAGE_2))
    assert [c["key"] for c in second["columns"]] == ["a", "b"]
    assert second["entries"][0]["submission_id"] == str(other_of_1.submission_id)

    # a team's finals are per stage: choosing stage 2's worse run leaves stage 1 alone
    await lb.feed(
        FinalSelectionChanged(
            competition_id=CID, team_id=team(1), submission_ids=[rerun_of_1.submission_id], stage_id=STAGE_2
        )
    )
    assert names(await lb.board("/private", stage_id=str(STAGE_2))) == ["team-3", "team-1"]
    assert names(await lb.board("/private")) == ["team-2", "team-1"]
    standing = await lb.client.get(
        f"/api/v1/competitions/{CID}/leaderboard/teams/{team(2)}", params={"stage_id": str(STAGE_2)}
    )
    assert standing.status_code == 404
    assert f"in stage {STAGE_2}" in standing.json()["detail"]


async def test_hidden_columns_show_only_after_the_reveal(lb: Leaderboard) -> None:
    await lb.feed(
        stages((CID, [A, SECRET])),
        by_columns(1, {"a": 0.9, "secret": 0.1}, {"a": 0.9, "secret": 0.2}),
        by_columns(2, {"a": 0.9, "secret": 0.7}, {"a": 0.9, "secret": 0.8}, minutes=1),
    )
    before = await lb.board()
    # the hidden column still ranks (team 2's secret is higher) but shows nowhere
    assert names(before) == ["team-2", "team-1"]
    assert [c["key"] for c in before["columns"]] == ["a"]
    assert all(e["scores"] == {"a": 0.9} and e["extra_scores"] == {} for e in before["entries"])
    assert "secret" not in json.dumps(before)
    # the host's view of the private board sees every column
    host = (await lb.client.get(PRIVATE)).json()
    assert [c["key"] for c in host["columns"]] == ["a", "secret"]
    assert host["entries"][0]["scores"] == {"a": 0.9, "secret": 0.8}

    await lb.feed(CompetitionRevealed(competition_id=CID))
    after = await lb.board()
    assert [c["key"] for c in after["columns"]] == ["a", "secret"]
    assert after["entries"][0]["scores"] == {"a": 0.9, "secret": 0.7}
    assert after["entries"][0]["extra_scores"] == {"secret": 0.7}


async def test_a_hidden_first_column_hides_the_score(lb: Leaderboard) -> None:
    await lb.feed(stages((CID, [SECRET, A])), by_columns(1, {"a": 0.5, "secret": 0.3}))
    entry = (await lb.board())["entries"][0]
    assert (entry["score"], entry["scores"]) == (None, {"a": 0.5})


async def export(lb: Leaderboard, board: str = "public", **params: str) -> list[dict[str, str]]:
    response = await lb.client.get(
        f"/internal/v1/competitions/{CID}/leaderboard/{board}/export.csv", params=params
    )
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.text)))


async def test_the_csv_export_carries_every_column_with_its_full_value(lb: Leaderboard) -> None:
    await lb.feed(
        stages((CID, [A, B, SECRET]), (STAGE_2, [C])),
        by_columns(1, {"a": 0.123456789, "b": 2.5, "secret": 0.3}, {"a": 0.5, "b": 1.0, "secret": 0.4}),
        by_columns(2, {"a": 0.1, "b": 1.0 / 3}, minutes=1),
        scored(3, 7.0, scores={"c": 7.0}, stage_id=STAGE_2),
    )
    rows = await export(lb)
    assert list(rows[0]) == [
        "rank", "team_id", "team_name", "submission_id", "score", "submitted_at", "submissions", "a", "b",
    ]  # fmt: skip
    assert [(r["team_name"], r["a"], r["b"]) for r in rows] == [
        ("team-1", "0.123456789", "2.5"),
        ("team-2", "0.1", repr(1.0 / 3)),
    ]
    assert [r["a"] for r in await export(lb, "private")] == ["0.5"]
    assert [(r["team_name"], r["c"]) for r in await export(lb, stage_id=str(STAGE_2))] == [("team-3", "7.0")]

    await lb.feed(CompetitionRevealed(competition_id=CID))
    revealed = await export(lb)
    assert [r["secret"] for r in revealed] == ["0.3", ""]


async def test_live_updates_carry_the_columns_shown(data_dir: Path) -> None:
    async with (
        served(data_dir) as (base, consumer),
        httpx.AsyncClient(base_url=base, timeout=20, headers=INTERNAL_HEADERS) as client,
    ):
        await consumer.handle(stages((CID, [A, SECRET]), (STAGE_2, [B])))

        async def first_event(**params: str) -> dict[str, Any]:
            url = f"/api/v1/competitions/{CID}/leaderboard/events"
            async with client.stream("GET", url, params=params) as response:
                async for line in response.aiter_lines():
                    if line.startswith("data:"):
                        return json.loads(line.removeprefix("data:"))  # type: ignore[no-any-return]
            raise AssertionError("the stream ended")

        event = await asyncio.wait_for(first_event(), 20)
        assert (event["stage_id"], event["version"]) == (str(CID), 1)
        assert event["columns"] == [{"key": "a", "higher_is_better": True, "precision": 2}]
        other = await asyncio.wait_for(first_event(stage_id=str(STAGE_2)), 20)
        assert (other["stage_id"], [c["key"] for c in other["columns"]]) == (str(STAGE_2), ["b"])
        await consumer.handle(CompetitionRevealed(competition_id=CID))
        revealed = await asyncio.wait_for(first_event(), 20)
        assert [c["key"] for c in revealed["columns"]] == ["a", "secret"]


async def test_old_form_events_rank_by_the_metric_alone(lb: Leaderboard) -> None:
    """No stages, no scores by column: one column, the metric; the extra metrics show but
    never break ties (the earlier submission does, as before columns)."""
    await lb.feed(
        scored(1, 0.8, 0.7, minutes=1, public_extra_scores={"f1": 0.1}),
        scored(2, 0.8, 0.6, minutes=2, public_extra_scores={"f1": 0.9}),
        scored(3, 0.9, 0.5, minutes=3),
    )
    board = await lb.board()
    assert names(board) == ["team-3", "team-1", "team-2"]
    assert board["columns"] == [{"key": "accuracy", "higher_is_better": True, "precision": 4}]
    assert [e["scores"] for e in board["entries"]] == [
        {"accuracy": 0.9},
        {"accuracy": 0.8},
        {"accuracy": 0.8},
    ]
    assert board["entries"][2]["extra_scores"] == {"f1": 0.9}
    assert names((await lb.client.get(PRIVATE)).json()) == ["team-1", "team-2", "team-3"]
