"""The leaderboard's consumers: scores, competition settings, final selections, reveals.

Each event is applied in one transaction with its inbox claim, so a redelivered event
changes nothing; the transaction first locks the competition's row, so the writes to
one competition's boards take turns across replicas; in the same transaction the
affected teams' ``team_best`` rows are recomputed and the competition's board version
is bumped, and every replica is told (``fanout.announce``: a PostgreSQL ``NOTIFY`` that
goes out with the commit). After the commit, this replica's live streams are woken.

Events name their stage (``stage_id``; None, as in every event written before stages:
the first stage, whose id is the competition's).

- ``submission.scored`` upserts the submission's entry with every column's score (a
  rescore replaces the scores, an older rescore arriving late is ignored); smoke runs
  and a host's reproducibility re-runs (``purpose`` "reproduce") never enter a board;
- ``submission.scoring_failed`` removes an entry whose rescoring now fails;
- ``competition.updated`` sets metric, direction, final count, the stages and their
  columns, and the teams kept off the boards (a stale one is ignored); until the first
  one arrives, scores set the metric; the stages whose columns changed are re-ranked;
- ``final_selection.changed`` sets a team's finals of a stage (empty: its best
  ``final_count``);
- ``competition.revealed`` opens the private board and the hidden columns.
"""

from __future__ import annotations

import json
import uuid

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from services.leaderboard import fanout, repository
from services.leaderboard.live import BoardNotifier
from services.leaderboard.models import inbox
from shared.bus import Subscription
from shared.db import claim_event, transaction
from shared.events import (
    CompetitionRevealed,
    CompetitionUpdated,
    Event,
    FinalSelectionChanged,
    SubmissionScored,
    SubmissionScoringFailed,
)
from shared.runtime import ServiceRuntime

log = structlog.get_logger(__name__)

ROUTING_KEYS = [
    "submission.scored",
    "submission.scoring_failed",
    "competition.revealed",
    "competition.updated",
    "final_selection.changed",
]

BoardEvent = (
    SubmissionScored,
    SubmissionScoringFailed,
    CompetitionUpdated,
    FinalSelectionChanged,
    CompetitionRevealed,
)


class LeaderboardConsumer:
    def __init__(self, runtime: ServiceRuntime, notifier: BoardNotifier | None = None) -> None:
        self.rt = runtime
        self.notifier = notifier or BoardNotifier()

    def subscription(self) -> Subscription:
        return Subscription(queue="leaderboard", routing_keys=ROUTING_KEYS, handler=self.handle)

    async def handle(self, event: Event) -> None:
        if not isinstance(event, BoardEvent):
            return  # not a routing key of this queue
        changed: uuid.UUID | None = None
        async with transaction(self.rt.sessionmaker) as session:
            if not await claim_event(session, inbox, event):
                return
            # before anything is read: writes of one competition's boards take turns
            await repository.lock_competition(session, event.competition_id)
            if isinstance(event, SubmissionScored):
                changed = await self._scored(session, event)
            elif isinstance(event, SubmissionScoringFailed):
                changed = await self._scoring_failed(session, event)
            elif isinstance(event, CompetitionUpdated):
                changed = await self._updated(session, event)
            elif isinstance(event, FinalSelectionChanged):
                changed = await self._selection(session, event)
            elif isinstance(event, CompetitionRevealed):
                await repository.ensure_competition(session, event.competition_id)
                await repository.update_competition(session, event.competition_id, revealed=True)
                changed = event.competition_id
            if changed is not None:
                await repository.bump_version(session, changed)
                await fanout.announce(session, changed)  # the other replicas, on commit
        if changed is not None:
            self.notifier.changed(changed)

    async def _scored(self, session: AsyncSession, event: SubmissionScored) -> uuid.UUID | None:
        if event.is_smoke or event.purpose == "reproduce":
            return None
        competition = await repository.ensure_competition(session, event.competition_id)
        if not competition.configured and (
            competition.metric != event.metric or competition.higher_is_better != event.higher_is_better
        ):
            await repository.update_competition(
                session, event.competition_id, metric=event.metric, higher_is_better=event.higher_is_better
            )
            if competition.higher_is_better not in (None, event.higher_is_better):
                # the direction flipped (a metric fix): every team's best changes
                competition = await repository.ensure_competition(session, event.competition_id)
                await repository.recompute_stages(session, competition)
            competition = await repository.ensure_competition(session, event.competition_id)
        stage_id = event.stage_id or event.competition_id
        applied = await repository.upsert_entry(
            session,
            repository.EntryScores(
                submission_id=event.submission_id,
                competition_id=event.competition_id,
                team_id=event.team_id,
                team_name=event.team_name,
                submitted_at=event.submitted_at,
                public_score=event.public_score,
                private_score=event.private_score,
                metric=event.metric,
                higher_is_better=event.higher_is_better,
                scored_at=event.occurred_at,
                stage_id=stage_id,
                public_extra=event.public_extra_scores,
                private_extra=event.private_extra_scores,
                # empty in events from before columns: read as the metric's (ranking.entry_scores)
                scores=event.scores,
                private_scores=event.private_scores,
            ),
        )
        log.info(
            "leaderboard.entry_upserted" if applied else "leaderboard.stale_score_ignored",
            submission_id=str(event.submission_id),
            competition_id=str(event.competition_id),
            stage_id=str(stage_id),
            public_score=event.public_score,
        )
        if not applied:
            return None
        await repository.recompute_teams(session, competition, stage_id, [event.team_id])
        return event.competition_id

    async def _scoring_failed(
        self, session: AsyncSession, event: SubmissionScoringFailed
    ) -> uuid.UUID | None:
        removed = await repository.remove_entry(session, event.submission_id, event.occurred_at)
        if removed is None:
            return None
        team_id, stage_id = removed
        competition = await repository.ensure_competition(session, event.competition_id)
        await repository.recompute_teams(session, competition, stage_id, [team_id])
        log.info(
            "leaderboard.entry_removed", submission_id=str(event.submission_id), reason=event.reason.value
        )
        return event.competition_id

    async def _updated(self, session: AsyncSession, event: CompetitionUpdated) -> uuid.UUID | None:
        before = await repository.ensure_competition(session, event.competition_id)
        last = await repository.last_update(session, event.competition_id)
        if last is not None and last > event.occurred_at:
            log.info("leaderboard.stale_update_ignored", competition_id=str(event.competition_id))
            return None
        await repository.update_competition(
            session,
            event.competition_id,
            metric=event.metric,
            higher_is_better=event.higher_is_better,
            final_count=event.final_count,
            slug=event.slug,
            title=event.title,
            updated_at=event.occurred_at,
            unranked_team_ids=json.dumps(sorted(str(t) for t in event.unranked_team_ids)),
            stages=json.dumps([s.model_dump(mode="json") for s in event.stages]),
        )
        after = await repository.ensure_competition(session, event.competition_id)
        moved = [uuid.UUID(t) for t in before.unranked ^ after.unranked]
        for stage_id in await repository.stages_with_entries(session, event.competition_id):
            if _order(before, stage_id) != _order(after, stage_id) or before.final_count != after.final_count:
                await repository.recompute_teams(session, after, stage_id)
            elif moved:
                await repository.recompute_teams(session, after, stage_id, moved)
        log.info(
            "leaderboard.competition_updated", competition_id=str(event.competition_id), metric=event.metric
        )
        return event.competition_id

    async def _selection(self, session: AsyncSession, event: FinalSelectionChanged) -> uuid.UUID | None:
        competition = await repository.ensure_competition(session, event.competition_id)
        stage_id = event.stage_id or event.competition_id
        applied = await repository.set_selection(
            session, event.competition_id, stage_id, event.team_id, event.submission_ids, event.occurred_at
        )
        if not applied:
            return None
        await repository.recompute_teams(session, competition, stage_id, [event.team_id])
        return event.competition_id


def _order(competition: repository.Competition, stage_id: uuid.UUID) -> list[tuple[str, bool, bool]]:
    """What ranks a stage (a column's precision or visibility changes no place)."""
    return [(c.key, c.higher_is_better, c.primary) for c in competition.columns(stage_id)]
