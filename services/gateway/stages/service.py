"""Stage use cases: list, read, add a stage after the last, edit one. Every add and edit
publishes ``competition.updated`` (the boards learn each stage's columns from it).

Takes a session from the caller and never commits: the endpoint commits at the request
boundary. The stage clock (opening, closing, feeds) lives in ``stages.clock``.
"""

from __future__ import annotations

import uuid
from typing import Any

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.competitions import repository as competitions_repo
from services.gateway.competitions import snapshots
from services.gateway.config import GatewaySettings
from services.gateway.models import Competition, Stage
from services.gateway.stages import scope as scopes
from services.gateway.stages import settings as stage_settings
from services.gateway.stages import views
from services.gateway.stages.schemas import StageCreate, StageRead, StageUpdate
from services.gateway.stages.scope import Scope
from shared.events import utcnow
from shared.storage import Storage
from shared.web import Conflict

log = structlog.get_logger(__name__)

MAX_STAGES = 20
# what a new stage takes from the one before it unless the body says otherwise
_COPIED = (
    "metric",
    "extra_metrics",
    "columns",
    "scoring_program",
    "runtime",
    "limits",
    "daily_quota",
    "smoke_daily_quota",
    "cpu_hours_budget",
    "gpu_hours_budget",
    "show_logs",
)


async def read(session: AsyncSession, stage: Scope) -> StageRead:
    files = [
        *await competitions_repo.data_files(session, stage.id, stage.data_version, "test"),
        *await competitions_repo.data_files(session, stage.id, stage.smoke_data_version, "smoke"),
    ]
    return views.full(stage, files, utcnow())


async def read_all(session: AsyncSession, competition: Competition) -> list[StageRead]:
    return [await read(session, s) for s in await scopes.all_stages(session, competition)]


async def create(
    session: AsyncSession,
    settings: GatewaySettings,
    storage: Storage,
    competition: Competition,
    body: StageCreate,
) -> Stage:
    """Add a stage after the last; it copies the last stage's settings (not its data)."""
    stages = await scopes.all_stages(session, competition)
    if len(stages) >= MAX_STAGES:
        raise Conflict(
            f"{competition.slug!r} has {len(stages)} stages, the most a competition may have",
            code="too-many-stages",
        )
    previous = stages[-1]
    stage = Stage(
        id=uuid.uuid4(),
        competition_id=competition.id,
        position=previous.position + 1,
        stage_name=body.name,
        accepts_submissions=True,
        data_version=1,
        data_frozen=False,
        smoke_data_version=1,
        smoke_data_frozen=False,
        **{name: _copy(getattr(previous, name)) for name in _COPIED},
    )
    sent = body.model_dump(exclude_unset=True)
    # the schedule and the feed are the new stage's own: never the previous stage's
    changes: dict[str, Any] = {
        **stage_settings.changes_of(sent),
        "opens_at": body.opens_at,
        "closes_at": body.closes_at,
        "feed": body.feed,
        "kind": body.kind or "inference",
        "accepts_submissions": body.accepts_submissions is not False,
    }
    await stage_settings.apply(settings, storage, competition, stage, [*stages, stage], changes)
    session.add(stage)
    try:
        await session.flush()
    except IntegrityError:
        # another request added a stage at this position first
        raise Conflict(
            f"another stage was added to {competition.slug!r} at the same time; send the request again",
            code="stage-conflict",
        ) from None
    competition.updated_at = utcnow()
    await snapshots.announce(session, competition)
    log.info(
        "stage.created",
        competition_id=str(competition.id),
        stage_id=str(stage.id),
        position=stage.position,
        name=stage.stage_name,
    )
    return stage


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    return value


async def update(
    session: AsyncSession,
    settings: GatewaySettings,
    storage: Storage,
    competition: Competition,
    stage: Scope,
    body: StageUpdate,
) -> Scope:
    """Apply a partial edit (host). Runs already queued keep the settings they were queued with."""
    stages = await scopes.all_stages(session, competition)
    current = next(s for s in stages if s.position == stage.position)
    sent = body.model_dump(exclude_unset=True)
    await stage_settings.apply(
        settings, storage, competition, current, stages, stage_settings.changes_of(sent)
    )
    competition.updated_at = utcnow()
    await snapshots.announce(session, competition)
    log.info(
        "stage.updated",
        competition_id=str(competition.id),
        stage_id=str(current.id),
        position=current.position,
        fields=sorted(sent),
    )
    return current
