"""Rescoring (hosts): after new labels or a metric fix, every scored submission is
scored again by the scorer, and both boards follow from the new scores.

Idempotent: asking again while the scoring spec is the one last requested returns
that rescoring and publishes nothing; the scorer resumes a rescoring by its id.
Smoke runs are not rescored (they were scored against the smoke sample's labels).
"""

from __future__ import annotations

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.competitions import repository
from services.gateway.competitions.schemas import RescoreRead
from services.gateway.competitions.snapshots import scoring_spec
from services.gateway.models import Competition, Rescore, User, outbox
from services.gateway.stages.scope import Scope, labels_key
from shared.db import add_event, as_aware
from shared.events import CompetitionRescoreRequested, utcnow
from shared.web import Conflict

log = structlog.get_logger(__name__)


async def request(
    session: AsyncSession, competition: Competition, host: User, scope: Scope | None = None
) -> RescoreRead:
    """Rescore one stage (``scope``; by default the first)."""
    scope = scope if scope is not None else competition
    labels = labels_key(scope)
    if labels is None:
        raise Conflict(
            f"{competition.slug!r} has no labels to score against; upload them (PUT .../labels) first",
            code="competition-not-ready",
            missing=["labels"],
        )
    spec = scoring_spec(competition, scope, labels)
    wanted = spec.model_dump(mode="json")
    last = await repository.latest_rescore(session, competition.id)
    if last is not None and last.scoring == wanted:
        log.info("competition.rescore_repeated", competition_id=str(competition.id), rescore_id=str(last.id))
        return to_read(last, created=False)
    rescore = Rescore(
        competition_id=competition.id, scoring=wanted, requested_by=host.id, requested_at=utcnow()
    )
    session.add(rescore)
    await session.flush()
    await add_event(
        session,
        outbox,
        CompetitionRescoreRequested(
            competition_id=competition.id, rescore_id=rescore.id, scoring=spec, stage_id=scope.id
        ),
    )
    log.info(
        "competition.rescore_requested",
        competition_id=str(competition.id),
        rescore_id=str(rescore.id),
        metric=spec.metric,
        labels_key=spec.labels_key,
    )
    return to_read(rescore, created=True)


async def page(
    session: AsyncSession, competition: Competition, offset: int, limit: int
) -> tuple[list[RescoreRead], int]:
    rows, total = await repository.rescores(session, competition.id, offset, limit)
    return [to_read(r, created=False) for r in rows], total


def to_read(rescore: Rescore, *, created: bool) -> RescoreRead:
    return RescoreRead(
        id=rescore.id,
        competition_id=rescore.competition_id,
        scoring=dict(rescore.scoring),
        requested_at=as_aware(rescore.requested_at),
        created=created,
    )
