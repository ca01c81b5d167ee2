"""Fair share: which queued runs the scheduler (``scheduler.py``) starts in its free slots.

Each free slot goes to the team with the fewest runs running now, then to the team
whose last run started longest ago, then to the oldest queued run. A host's
reproducibility re-run (purpose ``reproduce``) takes a slot only when no competing run
is due. A team with 500 queued runs therefore delays another team's single run by at
most one free slot (the slot that frees first after it is queued goes to it).

The counts are the database's, so with several replicas the pick is fair across all of
them: the scheduler reads them under the claim lock (``repository.lock_claims``).
``queue.py`` plays the same rule forward to tell a queued run its place.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row

from shared.db import as_aware
from shared.events import utcnow

_NEVER = datetime.min.replace(tzinfo=UTC)


def fair_pick(
    candidates: Sequence[Row[Any]],
    free: int,
    running_by_team: dict[str, int],
    running_by_competition: dict[str, int],
    last_started: dict[str, datetime],
) -> list[Row[Any]]:
    """Choose up to ``free`` runs from ``candidates`` (queued rows), one slot at a time:
    competing runs before reproductions, then the team with the fewest running, then
    the one that started a run longest ago, then the oldest queued run; a competition
    at its cap is skipped."""
    by_team = dict(running_by_team)
    by_competition = dict(running_by_competition)
    started = dict(last_started)
    pending = sorted(candidates, key=lambda r: (_low(r), as_aware(r.queued_at), r.submission_id))
    chosen: list[Row[Any]] = []
    while len(chosen) < free:
        best: Row[Any] | None = None
        best_key: tuple[Any, ...] | None = None
        seen_teams: set[str] = set()
        for row in pending:
            if row.team_id in seen_teams:
                continue  # only a team's oldest eligible run competes for the slot
            cap = row.max_concurrent
            if cap is not None and by_competition.get(row.competition_id, 0) >= cap:
                continue
            seen_teams.add(row.team_id)
            key = (_low(row), by_team.get(row.team_id, 0), started.get(row.team_id, _NEVER))
            if best_key is None or key < best_key:
                best, best_key = row, key
        if best is None:
            break
        chosen.append(best)
        pending.remove(best)
        by_team[best.team_id] = by_team.get(best.team_id, 0) + 1
        by_competition[best.competition_id] = by_competition.get(best.competition_id, 0) + 1
        started[best.team_id] = utcnow()
    return chosen


def _low(row: Row[Any]) -> bool:
    return getattr(row, "purpose", "compete") == "reproduce"
