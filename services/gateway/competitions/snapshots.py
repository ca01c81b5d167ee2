"""What the other services are told about a competition: the scoring snapshot of a stage
(carried by ``submission.queued``) and the board announcement (``competition.updated``:
every stage and its columns, the teams not ranked).

Sits under ``competitions.service`` and ``stages.service``; takes the caller's session and
only stages events in the outbox.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.competitions import repository, scoring
from services.gateway.competitions.scoring import higher_is_better as higher_is_better  # callers use it here
from services.gateway.models import Competition, outbox
from services.gateway.stages.scope import (
    Scope,
    all_stages,
)
from shared.db import add_event
from shared.events import (
    CompetitionUpdated,
    ScoreColumn,
    ScoringProgram,
    ScoringSpec,
    StageBoard,
)


def scoring_spec(competition: Competition, scope: Scope, labels: str) -> ScoringSpec:
    """The scoring snapshot of one stage (the prediction format is the competition's)."""
    program = scope.scoring_program
    return ScoringSpec(
        metric=scope.metric,
        id_column=competition.id_column,
        target_columns=list(competition.target_columns),
        labels_key=labels,
        extra_metrics=list(scope.extra_metrics or []),
        columns=[ScoreColumn.model_validate(c) for c in scope.columns or []],
        program=ScoringProgram.model_validate(program["program"]) if program else None,
    )


async def announce(session: AsyncSession, competition: Competition) -> None:
    """What the boards need to rank this competition (every stage and its columns): sent on
    create, on every edit of the competition or of one of its stages, and whenever the
    host or an admin joins or leaves a team (their teams are not ranked unless
    ``rank_host_submissions``)."""
    unranked = (
        [] if competition.rank_host_submissions else await repository.host_team_ids(session, competition)
    )
    stages = await all_stages(session, competition)
    await add_event(
        session,
        outbox,
        CompetitionUpdated(
            competition_id=competition.id,
            slug=competition.slug,
            title=competition.title,
            metric=competition.metric,
            higher_is_better=scoring.columns_of(competition)[0].higher_is_better,
            final_count=competition.final_count,
            unranked_team_ids=unranked,
            stages=[
                StageBoard(
                    stage_id=s.id, position=s.position, name=s.stage_name, columns=scoring.columns_of(s)
                )
                for s in stages
            ],
        ),
    )
