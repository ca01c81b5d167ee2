"""The leaderboard's consumers: ``submission.scored`` and ``competition.revealed``.

Each event is applied in one transaction with its inbox claim, so a redelivered event
changes nothing. A score upserts the submission's entry (a rescore replaces the
scores, an older rescore arriving late is ignored); smoke runs never enter a board.
"""

from __future__ import annotations

import structlog

from services.leaderboard import repository
from services.leaderboard.models import inbox
from shared.bus import Subscription
from shared.db import claim_event, transaction
from shared.events import CompetitionRevealed, Event, SubmissionScored
from shared.service import ServiceRuntime

log = structlog.get_logger(__name__)


class LeaderboardConsumer:
    def __init__(self, runtime: ServiceRuntime) -> None:
        self.rt = runtime

    def subscription(self) -> Subscription:
        return Subscription(
            queue="leaderboard",
            routing_keys=["submission.scored", "competition.revealed"],
            handler=self.handle,
        )

    async def handle(self, event: Event) -> None:
        if isinstance(event, SubmissionScored):
            await self.on_scored(event)
        elif isinstance(event, CompetitionRevealed):
            await self.on_revealed(event)

    async def on_scored(self, event: SubmissionScored) -> None:
        async with transaction(self.rt.sessionmaker) as session:
            if not await claim_event(session, inbox, event) or event.is_smoke:
                return
            await repository.set_metric(session, event.competition_id, event.metric, event.higher_is_better)
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
                ),
            )
        log.info(
            "leaderboard.entry_upserted" if applied else "leaderboard.stale_score_ignored",
            submission_id=str(event.submission_id),
            competition_id=str(event.competition_id),
            public_score=event.public_score,
        )

    async def on_revealed(self, event: CompetitionRevealed) -> None:
        async with transaction(self.rt.sessionmaker) as session:
            if not await claim_event(session, inbox, event):
                return
            await repository.set_revealed(session, event.competition_id)
        log.info("leaderboard.revealed", competition_id=str(event.competition_id))
