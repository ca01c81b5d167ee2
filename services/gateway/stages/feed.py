"""What a fed stage re-runs when it opens (the stage clock calls this in the opening's
transaction): one new submission per chosen submission of the previous stage.

- feed ``"finals"``: each team's selected finals in the previous stage (those still
  scored), else its best ``final_count`` scored real runs there by public score in the
  stage's ranking direction, ties to the earlier submission;
- feed ``"all"``: every scored real run of the previous stage.

A re-run is a new ``submissions`` row of the new stage with ``rerun_of`` naming what it
re-runs and the same archive; no quota counts it (``repository.count_against_quota``).
The teams of the host and of admins are left out unless the competition ranks them:
their runs are tests of the competition, which its boards leave out too.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.competitions import repository as competitions_repo
from services.gateway.competitions import scoring
from services.gateway.models import Competition, FinalSelection, Submission, Team
from services.gateway.stages.scope import Scope
from services.gateway.submissions import repository as submissions_repo
from services.gateway.submissions.schemas import SubmissionStatus
from services.gateway.submissions.service import queued_event
from shared.db import as_aware


def ranks_higher(stage: Scope) -> bool:
    """The direction of the stage's first board column (its ranking)."""
    return scoring.columns_of(stage)[0].higher_is_better


def best(runs: Sequence[Submission], count: int, higher_is_better: bool) -> list[Submission]:
    """The ``count`` best by public score, ties to the earlier submission."""

    def key(s: Submission) -> tuple[float, float]:
        score = s.public_score if s.public_score is not None else float("-inf" if higher_is_better else "inf")
        return (-score if higher_is_better else score, as_aware(s.created_at).timestamp())

    return sorted(runs, key=key)[: max(count, 0)]


async def scored_runs(session: AsyncSession, stage: Scope) -> list[Submission]:
    rows = await session.scalars(
        select(Submission)
        .where(
            Submission.stage_id == stage.id,
            Submission.status == SubmissionStatus.SCORED.value,
            Submission.is_smoke.is_(False),
            Submission.purpose != "reproduce",
        )
        .order_by(Submission.created_at, Submission.id)
    )
    return list(rows)


async def chosen(
    session: AsyncSession, competition: Competition, previous: Scope, feed: str
) -> list[Submission]:
    """The previous stage's submissions a stage fed by ``feed`` re-runs, oldest first."""
    runs = await scored_runs(session, previous)
    if not competition.rank_host_submissions:
        unranked = set(await competitions_repo.host_team_ids(session, competition))
        runs = [s for s in runs if s.team_id not in unranked]
    if feed == "all":
        return runs
    selected = set(
        await session.scalars(
            select(FinalSelection.submission_id)
            .join(Submission, Submission.id == FinalSelection.submission_id)
            .where(Submission.stage_id == previous.id)
        )
    )
    by_team: dict[uuid.UUID, list[Submission]] = defaultdict(list)
    for run in runs:
        by_team[run.team_id].append(run)
    higher = ranks_higher(previous)
    out: list[Submission] = []
    for team_runs in by_team.values():
        picked = [s for s in team_runs if s.id in selected]
        # a selection a rescoring emptied (its runs failed since) falls back to the default
        out.extend(picked or best(team_runs, competition.final_count, higher))
    return sorted(out, key=lambda s: (as_aware(s.created_at), s.id))


def rerun_of(
    original: Submission,
    stage: Scope,
    now: datetime,
    *,
    purpose: str = "compete",
    tolerance: float | None = None,
) -> Submission:
    """A new queued submission in ``stage`` that runs ``original``'s zip again, for its team:
    a fed stage's re-run, or (``purpose="reproduce"``) a host's reproduction."""
    return Submission(
        id=uuid.uuid4(),
        competition_id=original.competition_id,
        stage_id=stage.id,
        rerun_of=original.id,
        purpose=purpose,
        tolerance=tolerance,
        team_id=original.team_id,
        user_id=original.user_id,
        status=SubmissionStatus.QUEUED.value,
        detail="",
        is_smoke=False,
        sha256=original.sha256,
        size_bytes=original.size_bytes,
        archive_key=original.archive_key,
        # the same platform-trained model as the original read (``stages.training``)
        model_from=original.model_from,
        created_at=now,
        updated_at=now,
    )


async def queue_reruns(
    session: AsyncSession,
    competition: Competition,
    stage: Scope,
    originals: Sequence[Submission],
    now: datetime,
) -> list[Submission]:
    """Insert one re-run in ``stage`` per original and stage its ``submission.queued``.

    The event keeps the original's ``submitted_at``: boards break ties by the earlier
    submission, and the code was submitted then, not when the stage opened.
    """
    team_ids = {s.team_id for s in originals}
    teams = {t.id: t for t in await session.scalars(select(Team).where(Team.id.in_(team_ids)))}
    made = []
    for original in originals:
        rerun = rerun_of(original, stage, now)
        session.add(rerun)
        event = await queued_event(session, competition, stage, teams[rerun.team_id], rerun)
        event = event.model_copy(update={"submitted_at": as_aware(original.created_at)})
        await submissions_repo.stage_queued(session, event)
        made.append(rerun)
    return made
