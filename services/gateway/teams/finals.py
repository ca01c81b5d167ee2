"""Final selection: the submissions a team puts forward for the private leaderboard.

Up to the competition's ``final_count``, each a scored, non-smoke submission of the
team. An empty selection means the default (the team's best ``final_count`` on the
public board, computed by the leaderboard). Locked once submissions close (the
competition's ``closes_at``, as on Kaggle: the finals are chosen while the private
scores are unknown to everyone) and after the host has revealed the private board.
Publishes ``final_selection.changed`` only when the selection changed.
"""

from __future__ import annotations

import uuid

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.models import Competition, Team, outbox
from services.gateway.teams import repository
from services.gateway.teams.schemas import FinalSelectionRead
from shared.db import add_event, as_aware
from shared.events import FinalSelectionChanged, utcnow
from shared.web import Conflict, ProblemError

log = structlog.get_logger(__name__)


async def read(session: AsyncSession, competition: Competition, team: Team) -> FinalSelectionRead:
    chosen = await repository.final_selection(session, team.id)
    return FinalSelectionRead(
        team_id=team.id, submission_ids=chosen, final_count=competition.final_count, default=not chosen
    )


async def select(
    session: AsyncSession, competition: Competition, team: Team, submission_ids: list[uuid.UUID]
) -> FinalSelectionRead:
    if competition.revealed_at is not None:
        raise Conflict(
            "the private leaderboard has been revealed; final selections are locked", code="selection-locked"
        )
    if competition.closes_at is not None and utcnow() >= as_aware(competition.closes_at):
        closed = as_aware(competition.closes_at).isoformat()
        raise Conflict(
            f"submissions closed at {closed}; final selections are locked since then",
            code="selection-locked",
            closed_at=closed,
        )
    wanted = list(dict.fromkeys(submission_ids))
    if len(wanted) > competition.final_count:
        raise ProblemError(
            f"select at most {competition.final_count} final submissions (you sent {len(wanted)})",
            status=422,
            code="too-many-final-submissions",
            final_count=competition.final_count,
        )
    found = {s.id: s for s in await repository.submissions_of(session, wanted)}
    problems: list[str] = []
    for sid in wanted:
        sub = found.get(sid)
        if sub is None or sub.team_id != team.id or sub.competition_id != competition.id:
            # the same words for another team's and for no submission: ids do not leak
            problems.append(f"{sid} is not a submission of your team in {competition.slug!r}")
        elif sub.is_smoke:
            problems.append(f"{sid} is a smoke run; only real runs can be final")
        elif sub.status != "scored":
            problems.append(f"{sid} is {sub.status}; only scored submissions can be final")
    if problems:
        raise ProblemError(
            "these cannot be final submissions: " + "; ".join(problems),
            status=422,
            code="invalid-final-selection",
            problems=problems,
        )
    before = await repository.final_selection(session, team.id)
    if set(before) != set(wanted):
        await repository.replace_final_selection(session, team.id, wanted)
        await add_event(
            session,
            outbox,
            FinalSelectionChanged(competition_id=competition.id, team_id=team.id, submission_ids=wanted),
        )
        log.info("team.final_selection_changed", team_id=str(team.id), count=len(wanted))
    return await read(session, competition, team)
