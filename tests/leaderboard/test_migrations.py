"""Migration 0004 on both databases: boards written before stages and columns become
the first stage's (stage id = competition id), read as before, and rank new scores
among the old ones without being recomputed."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import create_async_engine

from services.leaderboard.app import MIGRATIONS_DIR
from shared.db import normalise_url
from shared.events import CompetitionRevealed, FinalSelectionChanged
from shared.migrations import alembic_config, upgrade
from tests.leaderboard.test_boards import CID, T0, scored, standings, start, team


def old_entry(n: int, public: float, private: float, minutes: int, **extra: Any) -> dict[str, Any]:
    return {
        "submission_id": str(uuid.UUID(int=500 + n)),
        "competition_id": str(CID),
        "team_id": str(team(n)),
        "team_name": f"team-{n}",
        "submitted_at": T0 + timedelta(minutes=minutes),
        "public_score": public,
        "private_score": private,
        "metric": "rmse",
        "higher_is_better": False,
        "scored_at": T0,
        "public_extra": json.dumps(extra),
        "private_extra": "{}",
    }


def old_best(entry: dict[str, Any]) -> dict[str, Any]:
    """The team_best row the code before 0004 materialised (lower is better: key = score)."""
    return {
        "competition_id": entry["competition_id"],
        "team_id": entry["team_id"],
        "team_name": entry["team_name"],
        "submissions": 1,
        "public_submission_id": entry["submission_id"],
        "public_score": entry["public_score"],
        "public_key": entry["public_score"],
        "public_submitted_at": entry["submitted_at"],
        "public_extra": entry["public_extra"],
        "private_submission_id": entry["submission_id"],
        "private_score": entry["private_score"],
        "private_key": entry["private_score"],
        "private_submitted_at": entry["submitted_at"],
        "private_extra": "{}",
    }


async def test_migration_0004_makes_the_old_boards_the_first_stages(
    database_url: str, data_dir: Path
) -> None:
    url = database_url
    await upgrade(MIGRATIONS_DIR, url, "0003")
    old = [old_entry(1, 2.0, 3.0, 1, mae=0.5), old_entry(2, 1.0, 4.0, 2), old_entry(3, 1.0, 1.0, 3)]
    engine = create_async_engine(normalise_url(url))
    try:
        async with engine.begin() as conn:
            meta = MetaData()
            await conn.run_sync(lambda sync: meta.reflect(sync))
            tables = meta.tables
            await conn.execute(
                tables["competitions"]
                .insert()
                .values(competition_id=str(CID), metric="rmse", higher_is_better=False, version=3)
            )
            await conn.execute(tables["entries"].insert(), old)
            await conn.execute(tables["team_best"].insert(), [old_best(e) for e in old])
            await conn.execute(
                tables["final_selections"]
                .insert()
                .values(
                    competition_id=str(CID),
                    team_id=str(team(1)),
                    submission_ids=json.dumps([old[0]["submission_id"]]),
                    selected_at=T0,
                )
            )
    finally:
        await engine.dispose()

    async for lb in start(data_dir, url):  # the service migrates to head as it starts
        board = await lb.board()
        # as before: rmse, lower first, the tie of team-2 and team-3 to the earlier submission
        assert standings(board) == [(1, "team-2", 1.0, 1), (2, "team-3", 1.0, 1), (3, "team-1", 2.0, 1)]
        assert board["columns"] == [{"key": "rmse", "higher_is_better": False, "precision": 4}]
        assert board["entries"][2]["scores"] == {"rmse": 2.0}
        assert board["entries"][2]["extra_scores"] == {"mae": 0.5}
        # a new score ranks among the migrated ones (same sort keys), and recomputes its team only
        await lb.feed(scored(4, 1.0, 2.5, higher_is_better=False, minutes=-10))
        board = await lb.board()
        assert [e["team_name"] for e in board["entries"]] == ["team-4", "team-2", "team-3", "team-1"]
        await lb.feed(CompetitionRevealed(competition_id=CID))
        private = await lb.board("/private")
        assert [e["team_name"] for e in private["entries"]] == ["team-3", "team-4", "team-1", "team-2"]
        # the old selection is the first stage's: a later change of it applies
        await lb.feed(
            FinalSelectionChanged(competition_id=CID, team_id=team(1), submission_ids=[], stage_id=CID)
        )
        assert [e["team_name"] for e in (await lb.board("/private"))["entries"]][2] == "team-1"

    # and back down (the first stage's rows kept), then up again
    await asyncio.to_thread(command.downgrade, alembic_config(MIGRATIONS_DIR, url), "0003")
    await upgrade(MIGRATIONS_DIR, url)
