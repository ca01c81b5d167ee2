"""Final selection: the submissions a team puts forward for a stage's private board.

Per stage: up to the competition's ``final_count``, each a scored, non-smoke
submission of the team in that stage. The stage is the one the chosen submissions
belong to (all of one stage: a mix is refused), or the one the request names; choosing
replaces that stage's selection only. An empty selection means the default (the
team's best ``final_count`` on the stage's public board, computed by the leaderboard;
the stage clock's "finals" feed takes the same default). Locked once the stage closes
(its ``closes_at``, as on Kaggle: the finals are chosen while the private scores are
unknown to everyone) and after the host has revealed the private board. Publishes
``final_selection.changed`` (with the stage) only when the selection changed.
"""

from __future__ import annotations

import uuid

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.models import Competition, Team, outbox
from services.gateway.stages import scope
from services.gateway.stages.scope import Scope
from services.gateway.teams import repository
from services.gateway.teams.schemas import FinalSelectionRead
from shared.db import add_event, as_aware
from shared.events import FinalSelectionChanged, utcnow
from shared.web import Conflict, ProblemError

log = structlog.get_logger(__name__)


async def stage_of(session: AsyncSession, competition: Competition, position: int | None) -> Scope:
    """The stage ``?stage=<position>`` names, else the one that matters now (the open one,
    else the latest opened)."""
    if position is not None:
        return await scope.get(session, competition, position)
    return scope.active(await scope.all_stages(session, competition), utcnow())


async def read(
    session: AsyncSession, competition: Competition, team: Team, stage: Scope
) -> FinalSelectionRead:
    chosen = await repository.final_selection(session, team.id, stage.id)
    return FinalSelectionRead(
        team_id=team.id,
        stage_id=stage.id,
        stage_position=stage.position,
        submission_ids=chosen,
        final_count=competition.final_count,
        default=not chosen,
    )


async def select(
    session: AsyncSession,
    competition: Competition,
    team: Team,
    submission_ids: list[uuid.UUID],
    position: int | None = None,
) -> FinalSelectionRead:
    """Replace the team's finals of one stage: ``position``'s, else the chosen
    submissions' stage, else (an empty list) the stage that matters now."""
    if competition.revealed_at is not None:
        raise Conflict(
            "the private leaderboard has been revealed; final selections are locked", code="selection-locked"
        )
    wanted = list(dict.fromkeys(submission_ids))
    if len(wanted) > competition.final_count:
        raise ProblemError(
            f"select at most {competition.final_count} final submissions (you sent {len(wanted)})",
            status=422,
            code="too-many-final-submissions",
            final_count=competition.final_count,
        )
    # before anything is read: a team's choices take turns (``repository.lock``). Two
    # members side by side would each delete the stage's finals without seeing the
    # other's uncommitted picks, and the team would keep both.
    await repository.lock(session, team.id)
    found = {s.id: s for s in await repository.submissions_of(session, wanted)}
    problems: list[str] = []
    for sid in wanted:
        sub = found.get(sid)
        if (
            sub is None
            or sub.team_id != team.id
            or sub.competition_id != competition.id
            or sub.purpose == "reproduce"  # the host's check, unseen by the team
        ):
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
    stages = await scope.all_stages(session, competition)
    if position is not None or not wanted:
        stage = await stage_of(session, competition, position)
    else:
        stage = await scope.by_id(session, competition, found[wanted[0]].stage_id)
    _check_one_stage(stages, stage, [found[sid].stage_id for sid in wanted])
    if stage.closes_at is not None and utcnow() >= as_aware(stage.closes_at):
        closed = as_aware(stage.closes_at).isoformat()
        where = "" if len(stages) == 1 else f" of stage {stage.position} ({stage.stage_name!r})"
        raise Conflict(
            f"submissions{where} closed at {closed}; its final selections are locked since then",
            code="selection-locked",
            closed_at=closed,
            stage=stage.position,
        )
    before = await repository.final_selection(session, team.id, stage.id)
    if set(before) != set(wanted):
        await repository.replace_final_selection(session, team.id, stage.id, wanted)
        await add_event(
            session,
            outbox,
            FinalSelectionChanged(
                competition_id=competition.id, team_id=team.id, submission_ids=wanted, stage_id=stage.id
            ),
        )
        log.info(
            "team.final_selection_changed", team_id=str(team.id), stage=stage.position, count=len(wanted)
        )
    return await read(session, competition, team, stage)


def _check_one_stage(stages: list[Scope], stage: Scope, chosen: list[uuid.UUID]) -> None:
    positions = {s.id: s.position for s in stages}
    elsewhere = sorted({positions.get(sid, 0) for sid in chosen if sid != stage.id})
    if elsewhere:
        others = ", ".join(str(p) for p in elsewhere)
        raise ProblemError(
            f"final submissions are chosen per stage: these are for stage {stage.position}, but some of the "
            f"submissions sent were made in stage {others}; send the submissions of one stage at a time",
            status=422,
            code="final-selection-mixes-stages",
            stage=stage.position,
            other_stages=elsewhere,
        )
