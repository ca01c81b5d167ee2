"""Competition use cases: create, edit, read, reveal (uploads of test data, the smoke
sample and hidden labels: ``uploads.py``). Every create and edit publishes
``competition.updated``.

Takes a session from the caller and never commits: the endpoint commits at the
request boundary.
"""

from __future__ import annotations

import re

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.competitions import bounds, repository, runtime_pins, scoring
from services.gateway.competitions.schemas import (
    FILENAME_PATTERN,
    CompetitionCreate,
    CompetitionUpdate,
)
from services.gateway.competitions.scoring import higher_is_better as higher_is_better  # callers use it here
from services.gateway.competitions.snapshots import announce
from services.gateway.config import GatewaySettings
from services.gateway.models import Competition, User, outbox
from services.gateway.stages import settings as stage_settings
from services.gateway.stages.scope import (
    all_stages,
)
from shared.db import add_event, as_aware
from shared.events import (
    CompetitionRevealed,
    utcnow,
)
from shared.storage import Storage
from shared.web import Conflict, Forbidden, NotFound, ProblemError

log = structlog.get_logger(__name__)


async def get(session: AsyncSession, ref: str) -> Competition:
    competition = await repository.get_by_ref(session, ref)
    if competition is None:
        raise NotFound(f"no competition {ref!r} (give its id or slug)", code="competition-not-found")
    return competition


def is_host(competition: Competition, user: User | None) -> bool:
    return user is not None and (user.is_admin or competition.host_id == user.id)


def require_host(competition: Competition, user: User) -> None:
    if not is_host(competition, user):
        raise Forbidden(f"only the host of {competition.slug!r} may do this", code="host-only")


async def create(
    session: AsyncSession, settings: GatewaySettings, host: User, body: CompetitionCreate
) -> Competition:
    scoring.check_metrics(body.metric, body.extra_metrics)
    bounds.check(
        settings,
        limits=body.limits.model_dump(),
        description=body.description,
        daily_quota=body.daily_quota,
        smoke_daily_quota=body.smoke_daily_quota,
    )
    if await repository.slug_taken(session, body.slug):
        raise Conflict(f"the slug {body.slug!r} is taken; choose another", code="slug-taken")
    competition = Competition(
        slug=body.slug,
        title=body.title,
        description=body.description,
        rules=body.rules,
        rules_version=1,
        metric=body.metric,
        id_column=body.id_column,
        target_columns=list(body.target_columns),
        predictions_filename=body.predictions_filename,
        runtime=body.runtime,
        runtime_digest=await runtime_pins.digest_or_none(settings, body.runtime),
        limits=body.limits.model_dump(),
        daily_quota=body.daily_quota,
        smoke_daily_quota=body.smoke_daily_quota,
        cpu_hours_budget=body.cpu_hours_budget,
        gpu_hours_budget=body.gpu_hours_budget,
        show_logs=body.show_logs,
        opens_at=body.opens_at,
        closes_at=body.closes_at,
        host_id=host.id,
        data_version=1,
        data_frozen=False,
        extra_metrics=list(body.extra_metrics),
        final_count=body.final_count,
        rank_host_submissions=body.rank_host_submissions,
        requires_approval=body.requires_approval,
        participants_download_own=body.participants_download_own,
        model_source=body.model_source,
        smoke_data_version=1,
        smoke_data_frozen=False,
    )
    session.add(competition)
    await session.flush()
    await announce(session, competition)
    log.info("competition.created", competition_id=str(competition.id), slug=body.slug, host=host.username)
    return competition


_PLAIN_FIELDS = (
    "title",
    "description",
    "predictions_filename",
    "final_count",
    "rank_host_submissions",
    "requires_approval",
    "participants_download_own",
)
# what the first stage sets for itself (``stages.settings`` checks and writes them)
_STAGE_FIELDS = (
    "opens_at",
    "closes_at",
    "metric",
    "extra_metrics",
    "runtime",
    "daily_quota",
    "smoke_daily_quota",
    "cpu_hours_budget",
    "gpu_hours_budget",
    "show_logs",
)


async def update(
    session: AsyncSession,
    settings: GatewaySettings,
    storage: Storage,
    competition: Competition,
    body: CompetitionUpdate,
) -> Competition:
    """Apply a partial edit (host); see ``CompetitionUpdate`` for the rules.

    A new metric must be able to score the labels already uploaded (else 422).
    """
    sent = body.model_fields_set
    bounds.check_description(
        settings, body.description if body.description is not None else competition.description
    )
    opens_at = body.opens_at if "opens_at" in sent else competition.opens_at
    closes_at = body.closes_at if "closes_at" in sent else competition.closes_at
    id_column = body.id_column or competition.id_column
    targets = body.target_columns or list(competition.target_columns)
    try:
        # the create-time rules, applied to the merged result
        CompetitionCreate(
            slug=competition.slug,
            title=body.title or competition.title,
            metric=body.metric or competition.metric,
            id_column=id_column,
            target_columns=targets,
            opens_at=as_aware(opens_at) if opens_at is not None else None,
            closes_at=as_aware(closes_at) if closes_at is not None else None,
        )
    except ValueError as exc:
        raise ProblemError(f"the edit is invalid: {exc}", status=422, code="invalid-competition") from None
    format_changed = id_column != competition.id_column or targets != list(competition.target_columns)
    if format_changed and await repository.has_submissions(session, competition.id):
        raise Conflict(
            "the prediction format (id_column, target_columns) cannot change once teams have "
            "submitted; create a new competition instead",
            code="format-locked",
        )
    # the first stage's settings are the competition's: checked as every stage's are
    stages = await all_stages(session, competition)
    changes = stage_settings.changes_of({k: getattr(body, k) for k in _STAGE_FIELDS if k in sent})
    if body.limits is not None:
        changes["limits"] = body.limits.model_dump(exclude_none=True)
    if body.model_source is not None:
        # checked with the stages' kinds in ``apply``; a refused edit is never committed
        competition.model_source = body.model_source
    await stage_settings.apply(
        settings, storage, competition, competition, stages, changes, labels_kept=not format_changed
    )
    if format_changed:
        # labels are checked against the format: ones checked against the old one are void
        for stage in stages:
            stage.labels_version = None
            stage.smoke_labels_version = None
    for name in _PLAIN_FIELDS:
        if (value := getattr(body, name)) is not None:
            setattr(competition, name, value)
    if body.rules is not None and body.rules != competition.rules:
        # participants accepted the old text: each must accept the new one to go on
        competition.rules = body.rules
        competition.rules_version += 1
    competition.id_column, competition.target_columns = id_column, list(targets)
    competition.updated_at = utcnow()
    await announce(session, competition)
    log.info("competition.updated", competition_id=str(competition.id), fields=sorted(sent))
    return competition


def check_filename(filename: str) -> None:
    if not re.fullmatch(FILENAME_PATTERN, filename) or filename in (".", ".."):
        raise ProblemError(
            f"{filename!r} is not a plain file name: use letters, digits, '.', '_' and '-', "
            "starting with a letter or digit, and no slashes",
            status=422,
            code="invalid-filename",
        )


async def reveal(session: AsyncSession, competition: Competition) -> Competition:
    """Reveal the private leaderboard; revealing twice changes nothing."""
    if competition.revealed_at is None:
        competition.revealed_at = utcnow()
        await add_event(session, outbox, CompetitionRevealed(competition_id=competition.id))
        log.info("competition.revealed", competition_id=str(competition.id))
    return competition
